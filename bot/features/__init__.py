"""Features: one module per area, each a table {Event type -> handler (event, ctx) -> [Reply]}.

The Tutor dispatches through `HANDLERS`; `FILTERS` run first and may answer instead of the handler (the rate
limit, the instructors' gate). Features share the kit (`kit.py`) and the picking module, never the Tutor.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import events as E
from bot import replies as R
from bot.features import ask, help, inbox, instructors, learner, outbox, quiz, review, rounds, standing
from bot.features.kit import Handler, Kit

Filter = Callable[[E.Event, Kit], list[R.Reply] | None]

HANDLERS: dict[type[E.Event], Handler] = {
    **ask.HANDLERS,
    **quiz.HANDLERS,
    **rounds.HANDLERS,
    **standing.HANDLERS,
    **learner.HANDLERS,
    **instructors.HANDLERS,
    **inbox.HANDLERS,
    **outbox.HANDLERS,
    **review.HANDLERS,
    **help.HANDLERS,
}

RATE_LIMITED = (E.Ask, E.StartQuiz, E.StartRound, E.Review)  # what costs the tutor work: retrieval, grading


def rate_limit(event: E.Event, ctx: Kit) -> list[R.Reply] | None:
    """At most `rate_limit` questions and quizzes per learner per `rate_window` seconds, across workers."""
    if not isinstance(event, RATE_LIMITED) or ctx.rate_limit <= 0:
        return None
    learner = ctx.store.learner(event.learner)
    wait = ctx.store.take_request(learner.id or 0, ctx.clock(), ctx.rate_limit, ctx.rate_window)
    if wait is None:
        return None
    return [
        R.Text(
            f"You're going faster than I can keep up: please wait {wait} seconds and ask again.",
            kind="notice",
        )
    ]


def for_instructors(event: E.Event) -> bool:
    """Whether only instructors may do this: the class report, the inbox, the review of answers, a class's
    time zone."""
    return isinstance(event, E.ClassReport | E.Inbox | E.ReviewAnswers) or (
        isinstance(event, E.SetTimezone) and event.for_class
    )


def instructor_gate(event: E.Event, ctx: Kit) -> list[R.Reply] | None:
    if not for_instructors(event) or ctx.is_instructor(event.learner):
        return None
    return [R.Text("Sorry, that command is for instructors. /help lists what you can do.", kind="error")]


FILTERS: tuple[Filter, ...] = (instructor_gate, rate_limit)
