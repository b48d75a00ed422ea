"""The tutor: Tutor.handle(event) -> [Reply], the one entry point every adapter calls.

A thin dispatcher: filters first (the instructors' gate, the rate limit), then the handler registered for the
event's type in `bot.features`; database outages and failures mapped to plain replies; metrics; every reply
defused of mass mentions. What the tutor does lives in the feature modules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from bot import events as E
from bot import replies as R
from bot import visibility
from bot.compose.intent import Intent
from bot.features import (
    FILTERS,
    HANDLERS,
    Filter,
    Handler,
    ask,
    learner,
    outbox,
    picking,
    quiz,
    rounds,
    standing,
)
from bot.features.ask import AnswerResult, Source
from bot.features.help import HELP
from bot.features.kit import Kit, utcnow
from bot.progress import Standing
from bot.safety import defuse_reply
from bot.storage import Scope
from bot.storage.models import QuizSession

__all__ = ["HELP", "AnswerResult", "Source", "Tutor", "utcnow"]

log = logging.getLogger(__name__)

UNAVAILABLE = "I can't reach my records right now. Please try again in a moment."
INTERNAL = (
    "Something went wrong on my side, sorry. Please try again; if it keeps happening, tell your instructors."
)


class Tutor(Kit):
    """The kit (course, store, clock, retrieval, settings) plus dispatch. Build one with `bot.runtime`."""

    handlers: dict[type[E.Event], Handler] = HANDLERS
    filters: tuple[Filter, ...] = FILTERS

    def handle(self, event: E.Event) -> list[R.Reply]:
        """Answer one event. Every reply's text is defused of mass mentions and its visibility decided
        (`bot.visibility`) before it leaves the core.

        A database that does not answer gets a short "try again" (the pool reconnects by itself); any other
        failure is logged with its traceback and the learner gets a plain apology, never the traceback.
        """
        command = type(event).__name__.lower()
        started = time.perf_counter()
        handler = self.handlers.get(type(event))
        try:
            if handler is None:
                out: list[R.Reply] = [R.Text("I don't know how to handle that yet. Try /help.", kind="error")]
            else:
                out = self._filtered(event) or handler(event, self)
        except (OperationalError, InterfaceError, DisconnectionError, SATimeoutError) as exc:
            log.warning(
                "database unavailable during %s: %s", command, str(exc).splitlines()[0] if str(exc) else exc
            )
            self.metrics.error(command, "database")
            out = [R.Text(UNAVAILABLE, kind="error")]
        except Exception:
            log.exception("failed to handle %s", command)
            self.metrics.error(command, "internal")
            out = [R.Text(INTERNAL, kind="error")]
        self.metrics.observe(command, time.perf_counter() - started)
        return [defuse_reply(r) for r in visibility.stamp(event, out)]

    def handle_together(self, events: list[E.Event]) -> list[list[R.Reply]]:
        """Answer events that arrived together: each gets what `handle` would give it, but answers to the
        same class round are recorded in one transaction (a group commit: a class's burst of clicks costs
        one commit, not one per student). A database failure of the group falls back to one at a time."""
        out: list[list[R.Reply] | None] = [None] * len(events)
        together: dict[int, list[int]] = {}
        for i, event in enumerate(events):
            if isinstance(event, E.Answer) and event.session_id is not None:
                together.setdefault(event.session_id, []).append(i)
        for session_id, candidates in together.items():
            if len(candidates) < 2:
                continue  # one answer: `handle` checks it, once
            indexes = [
                i
                for i in candidates
                if self._filtered(events[i]) is None and self.too_long(events[i].response, "answer") is None  # type: ignore[attr-defined]
            ]
            if len(indexes) < 2:
                continue
            started = time.perf_counter()
            try:
                row = self.store.session(session_id)
                question = self.course.questions.get(row.question_id) if row else None
                if row is None or row.kind != "round" or question is None:
                    continue  # answered one by one, with the reason
                answers = [events[i] for i in indexes]
                replies = rounds.answer_round_together(self, row, question, answers)  # type: ignore[arg-type]
            except Exception:  # every answer of the group then on its own, with its own reply or error
                log.warning("recording %d answers together failed; recording them one by one", len(indexes))
                continue
            elapsed = time.perf_counter() - started
            for i, got in zip(indexes, replies, strict=True):
                out[i] = [defuse_reply(r) for r in visibility.stamp(events[i], got)]
                self.metrics.observe("answer", elapsed)
        return [done if done is not None else self.handle(events[i]) for i, done in enumerate(out)]

    def _filtered(self, event: E.Event) -> list[R.Reply] | None:
        """The first filter's answer instead of the handler's (a refusal, a "slow down"), or None."""
        for f in self.filters:
            refusal = f(event, self)
            if refusal is not None:
                return refusal
        return None

    # -- for workers and the CLI ---------------------------------------------------------------------
    def warm_up(self) -> None:
        self.retriever.encode_query("warm up")

    def health(self) -> list[str]:
        """What stops this tutor from answering now, for /healthz: empty when the database answers."""
        try:
            self.store.ping()
        except Exception as exc:  # any driver error: the database is what is wrong
            self.metrics.error("healthz", "database")
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()
            return [f"database unreachable: {reason[0] if reason else type(exc).__name__}"]
        return []

    def answer(self, question: str, k: int = 3, intent: Intent | None = None) -> AnswerResult:
        """Answer a question from the course (`tutor ask`), or say plainly that the course does not cover it."""
        return ask.answer(self, question, k, intent)

    def next_concepts(self, learner_id: int, limit: int = 3) -> list[str]:
        return picking.next_concepts(self, learner_id, limit)

    def close_round(self, session_id: int) -> R.RoundResult | None:
        return rounds.close_round(self, session_id)

    def close_due_rounds(self, platform: str | None = None) -> list[tuple[QuizSession, R.RoundResult]]:
        return rounds.close_due_rounds(self, platform)

    def shown(self, session_id: int) -> tuple[QuizSession, R.Question] | None:
        """A stored question as its learners saw it, for a platform that makes its message or form again."""
        return quiz.shown(self, session_id)

    def closed(self, row: QuizSession) -> str:
        """Why a stored question takes no more answers ("" while it does)."""
        return quiz.closed(self, row)

    def round_result(self, row: QuizSession) -> R.RoundResult:
        return rounds.round_result(self, row)

    def digests(self, platform: str | None = None) -> list[tuple[E.LearnerRef, list[R.Reply]]]:
        return learner.digests(self, platform)

    def due_notices(
        self, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
    ) -> list[outbox.Notice]:
        """What this platform's learners are owed from their outbox and nobody is sending, taken with a lease
        for the caller to send: one Notice per learner (whom `deliverable` says it can message)."""
        return outbox.due(self, platform, deliverable)

    def notice_sent(self, notice_id: int, delivered: bool) -> None:
        """An outbox entry arrived (never sent again) or did not (the next look tries again)."""
        outbox.sent(self, notice_id, delivered)

    def progress_report(self, learner_id: int) -> dict:
        return standing.progress_report(self, learner_id)

    def leaderboard(
        self, scope: Scope, period: str = "all", tz: str = "", top: int | None = None, me: int | None = None
    ) -> tuple[list[Standing], int]:
        return standing.leaderboard(self, scope, period, tz, top, me)
