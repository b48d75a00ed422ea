"""The tutor: Tutor.handle(event) -> [Reply], the one entry point every adapter calls."""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from bot import events as E
from bot import replies as R
from bot.compose import intent as intents
from bot.compose.composer import Composed, ExtractiveComposer, small_talk_reply
from bot.compose.scope import Verdict
from bot.course.model import Course, Question
from bot.metrics import Metrics
from bot.progress import MASTERED, Standing, points_for, spaced, streak
from bot.progress.report import (
    heatmap,
    local_date,
    participation,
    participation_chart,
    progress_chart,
    question_stats,
    valid_zone,
    week_start,
    zone,
)
from bot.quiz import machine
from bot.quiz.grading import letters, presentation_for
from bot.retrieval import Hit, Retriever
from bot.safety import defuse_mentions
from bot.storage import Store
from bot.storage.models import Learner, QuizSession

log = logging.getLogger(__name__)

HEATMAP_LEARNERS = 40  # a heatmap row per learner stays readable up to about this many

HELP = """I am your course tutor for "{course}". Ask me anything about the course in plain words, or use:
  /ask QUESTION        ask about the course (plain text works too)
  /quiz [TOPIC]        a question on a topic (a concept title, id or a few words), or on what to learn next
  /answer X            answer the open question: a letter (A), an order (3 1 2 4), matches (1b 2a 3c) or sentences
  /hint, /skip         a hint for the open question; skip it and see the answer
  /review              a question on the concept most due for spaced review
  /progress            your mastery per concept, points, streak and reviews due
  /leaderboard [week]  the class ranking, all time or this week
  /next                what to learn next
  /round [TOPIC]       (in a class) a question for the whole class; /close ends it early
  /privacy [visible|hidden|pseudonym NAME]   how you appear on leaderboards
  /digest on|off [22-8], /timezone Area/City  a daily direct message of due reviews, outside quiet hours
  /my-data, /forget-me your data as JSON; delete everything about you
  /help                this message
Instructors: /class-report, /inbox [answer ID TEXT | add ID [CONCEPT]], /class-timezone Area/City"""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Source:
    concept_id: str
    title: str
    score: float
    excerpt: str


@dataclass(frozen=True)
class AnswerResult:
    """What `tutor ask --json` prints: {"question", "answer", "confident", "sources"}."""

    question: str
    answer: str
    confident: bool
    sources: tuple[Source, ...]
    concept_id: str = ""
    next_concepts: tuple[str, ...] = ()
    composed: Composed | None = None  # the answer's parts, for platforms that render them (not in the JSON)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "confident": self.confident,
            "sources": [
                {
                    "concept_id": s.concept_id,
                    "title": s.title,
                    "score": round(s.score, 4),
                    "excerpt": s.excerpt,
                }
                for s in self.sources
            ],
        }


class Tutor:
    def __init__(
        self,
        course: Course,
        store: Store,
        retriever: Retriever | Callable[[], Retriever],
        *,
        confidence: float = 0.42,
        max_text: int = 4000,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        round_seconds: int = 120,
        instructors: set[str] | None = None,
        timezone: str = "UTC",
        rate_limit: int = 30,
        rate_window: int = 60,
    ):
        self.course = course
        self.store = store
        self._retriever = retriever if isinstance(retriever, Retriever) else None
        self._make_retriever = None if isinstance(retriever, Retriever) else retriever
        self._retriever_lock = threading.Lock()
        self.confidence = confidence
        self.max_text = max_text
        self.clock = clock
        self.rng = rng
        self.round_seconds = round_seconds
        self.instructors = instructors or set()
        self.timezone = timezone
        self._passages_seen = 0
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.metrics = Metrics()
        self._composer: ExtractiveComposer | None = None

    @property
    def composer(self) -> ExtractiveComposer:
        if self._composer is None:
            self._composer = ExtractiveComposer(self.course, self.retriever)
        return self._composer

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def retriever(self) -> Retriever:
        """Built on first use: loading the model costs seconds, and /progress should not wait for it."""
        if self._retriever is None:
            with self._retriever_lock:
                if self._retriever is None:
                    assert self._make_retriever is not None
                    self._retriever = self._make_retriever()
                    self._sync_instructor_passages()
        return self._retriever

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

    def handle(self, event: E.Event) -> list[R.Reply]:
        """Answer one event. Every reply's text is defused of mass mentions before it leaves the core.

        A database that does not answer gets a short "try again" (the pool reconnects by itself); any other
        failure is logged with its traceback and the learner gets a plain apology, never the traceback.
        """
        command = type(event).__name__.lower()
        started = time.perf_counter()
        handler = getattr(self, f"_on_{command}", None)
        try:
            if handler is None:
                out: list[R.Reply] = [R.Text("I don't know how to handle that yet. Try /help.", kind="error")]
            else:
                limited = self._rate_limited(event)
                out = limited if limited is not None else handler(event)
        except (OperationalError, InterfaceError, DisconnectionError, SATimeoutError) as exc:
            log.warning(
                "database unavailable during %s: %s", command, str(exc).splitlines()[0] if str(exc) else exc
            )
            self.metrics.error(command, "database")
            out = [R.Text("I can't reach my records right now. Please try again in a moment.", kind="error")]
        except Exception:
            log.exception("failed to handle %s", command)
            self.metrics.error(command, "internal")
            out = [
                R.Text(
                    "Something went wrong on my side, sorry. Please try again; if it keeps happening, "
                    "tell your instructors.",
                    kind="error",
                )
            ]
        self.metrics.observe(command, time.perf_counter() - started)
        return [_defuse(r) for r in out]

    def _rate_limited(self, event: E.Event) -> list[R.Reply] | None:
        """At most `rate_limit` questions and quizzes per learner per `rate_window` seconds, across workers."""
        if not isinstance(event, E.Ask | E.StartQuiz | E.StartRound | E.Review) or self.rate_limit <= 0:
            return None
        learner = self.store.learner(event.learner)
        wait = self.store.take_request(learner.id or 0, self.clock(), self.rate_limit, self.rate_window)
        if wait is None:
            return None
        return [
            R.Text(
                f"You're going faster than I can keep up: please wait {wait} seconds and ask again.",
                kind="notice",
            )
        ]

    def is_instructor(self, learner: E.LearnerRef) -> bool:
        return learner.is_instructor or learner.user in self.instructors

    def _check_text(self, text: str, what: str) -> str | None:
        if not text.strip():
            return f"The {what} is empty: type a {what} after the command."
        if len(text) > self.max_text:
            return (
                f"That {what} is {len(text):,} characters long; the limit is {self.max_text:,}. "
                "Please shorten it and send it again."
            )
        return None

    # -- asking --------------------------------------------------------------------------------
    def answer(self, question: str, k: int = 3, intent: intents.Intent | None = None) -> AnswerResult:
        """Answer a question from the course, or say plainly that the course does not seem to cover it."""
        self._sync_instructor_passages()
        hits = self.retriever.search(question, k=max(k, 1))
        if not hits:
            return AnswerResult(question, "The course has no material yet.", False, ())
        composed = self.composer.compose(question, intent or intents.classify(question), hits)
        # a confident answer also needs the operator's floor on similarity (TUTOR_CONFIDENCE)
        confident = composed.confident and max(h.dense for h in hits) >= self.confidence
        if composed.confident and not confident:
            floor = Verdict(False, True, 0.0, "below TUTOR_CONFIDENCE")
            composed = self.composer.not_covered(hits, floor)
        sources = tuple(
            Source(
                h.concept_id,
                h.title,
                h.score,
                composed.quote_of(h.concept_id) or h.excerpt or self._excerpt(h, question),
            )
            for h in hits
        )
        main = composed.concepts[0] if confident and composed.concepts else hits[0].concept_id
        return AnswerResult(
            question, composed.text(), confident, sources, main, composed.next_concepts, composed
        )

    def _round_guard(self, ev: E.Ask, result: AnswerResult) -> list[R.Reply] | None:
        """While a class round is open, a question on its concept gets a hint, not the answer."""
        if not result.confident:
            return None
        for row in self.store.open_rounds_in(ev.learner.platform, ev.learner.workspace):
            if row.concept_id != result.concept_id:
                continue
            question = self.course.questions.get(row.question_id)
            hint = question.hint if question and question.hint else "Think about what the concept is for."
            title = self.course.concepts[row.concept_id].title
            return [
                R.Text(
                    f"A class round on *{title}* is open, so no answers from me until it closes. "
                    f"A hint instead: {hint}",
                    kind="notice",
                )
            ]
        return None

    def _excerpt(self, hit: Hit, question: str) -> str:
        return self.retriever.excerpt(hit.concept_id, self.retriever.encode_query(question))

    def _on_ask(self, ev: E.Ask) -> list[R.Reply]:
        problem = self._check_text(ev.text, "question")
        if problem:
            return [R.Text(problem, kind="error")]
        intent = intents.classify(ev.text)
        if intent.kind == intents.SMALL_TALK:  # a short friendly reply, never the instructors' inbox
            return [R.Text(small_talk_reply(intent.social))]
        if intent.kind == intents.QUIZ_ANSWER:  # "B" or "4 6 5 1 2 3" while a question is open: the answer
            learner = self.store.learner(ev.learner)
            if self._session_for(learner.id or 0, None, ev.where)[0] is not None:
                return self._on_answer(E.Answer(ev.learner, where=ev.where, response=ev.text))
        result = self.answer(ev.text, intent=intent)
        if not result.sources:
            return [R.Text(result.answer, kind="error")]
        guarded = self._round_guard(ev, result)
        if guarded:
            return guarded
        if not result.confident:
            if result.composed is not None and result.composed.related:
                learner = self.store.learner(ev.learner)
                class_id = self.store.class_room(ev.where).id if ev.where else None
                self.store.add_inbox(
                    learner.id or 0, class_id, ev.text, [s.concept_id for s in result.sources], self.clock()
                )
            return [R.Text(result.answer, kind="notice")]
        assert result.composed is not None
        out: list[R.Reply] = []
        for part in result.composed.parts:
            if part.role in ("quote", "contrast"):
                score = next((s.score for s in result.sources if s.concept_id == part.concept_id), 0.0)
                out.append(R.Passage(part.title, part.text, part.concept_id, score))
            else:
                out.append(R.Text(part.text))
        return out

    # -- quizzes -------------------------------------------------------------------------------
    def _resolve_topic(self, topic: str) -> tuple[list[str], str | None]:
        """Concept ids for a topic (title, id, alias or free text), or an error message."""
        concept = self.course.find_concept(topic)
        if concept:
            return [concept.id], None
        hits = self.retriever.search(topic, k=3)
        if hits and hits[0].dense >= self.confidence * 0.8:
            return [hits[0].concept_id], None
        suggestions = ", ".join(f'"{h.title}"' for h in hits[:3])
        return [], f"I couldn't find a topic matching '{topic[:80]}'. Close ones: {suggestions}."

    def _pick_question(
        self, learner_id: int, concept_ids: list[str], review: bool = False
    ) -> Question | None:
        """A question the learner has not tried, else one not yet answered right; for a review, else the
        question answered longest ago."""
        attempts = self.store.attempts_of(learner_id)
        right = {a.question_id for a in attempts if a.correct}
        tried = {a.question_id for a in attempts}
        last_seen = {a.question_id: i for i, a in enumerate(attempts)}
        rng = self.rng or random.Random(f"{learner_id}:{len(attempts)}:{self.clock().date()}")
        for cid in concept_ids:
            pool = self.course.questions_of(cid)
            for candidates in (
                [q for q in pool if q.id not in tried],
                [q for q in pool if q.id not in right],
            ):
                if candidates:
                    return rng.choice(candidates)
            if review and pool:
                return min(pool, key=lambda q: last_seen.get(q.id, -1))
        return None

    def next_concepts(self, learner_id: int, limit: int = 3) -> list[str]:
        """Unmastered concepts whose prerequisites are mastered, weakest first (then in course order)."""
        progress = self.store.progress_of(learner_id)
        now = self.clock()
        mastery = {cid: spaced.mastery(p.mastery, p.card, now) for cid, p in progress.items()}
        ready = [
            cid
            for cid in self.course.topological_order()
            if mastery.get(cid, 0.0) < MASTERED
            and all(mastery.get(p, 0.0) >= MASTERED for p in self.course.prerequisites_of(cid))
        ]
        if not progress and self.course.start in ready:
            ready.remove(self.course.start)
            ready.insert(0, self.course.start)
        ready.sort(key=lambda c: mastery.get(c, 0.0) if progress else 0.0)  # stable: course order breaks ties
        return ready[:limit]

    def _on_startquiz(self, ev: E.StartQuiz) -> list[R.Reply]:
        if len(ev.topic) > self.max_text:
            return [R.Text(self._check_text(ev.topic, "topic") or "", kind="error")]
        learner = self.store.learner(ev.learner)
        lid = learner.id or 0
        question: Question | None = self.course.questions.get(ev.topic.strip())  # a question named by its id
        if question is None and ev.topic.strip():
            concept_ids, problem = self._resolve_topic(ev.topic)
            if problem:
                return [R.Text(problem, kind="error")]
            question = self._pick_question(lid, concept_ids)
        elif question is None:
            concept_ids = self.next_concepts(lid, limit=len(self.course.concepts))
            concept_ids += [c for c in self.course.topological_order() if c not in concept_ids]
            question = self._pick_question(lid, concept_ids)
        if question is None:
            return [
                R.Text("You have answered every question on that topic correctly. Try /next for a new one.")
            ]
        return self._put_question(lid, question, ev.where)

    def _put_question(self, learner_id: int, question: Question, where: E.ClassRef | None) -> list[R.Reply]:
        """Open a personal quiz session for `question` and show it."""
        class_id = self.store.class_room(where).id if where else None
        seed = self.rng.randrange(1 << 30) if self.rng else int(self.clock().timestamp() * 1000)
        presentation = presentation_for(question, seed)
        row = self.store.open_solo_session(
            learner_id, question.id, question.concept_id, presentation, self.clock(), class_id
        )
        begin = machine.Begin(
            row.id or 0, question, tuple(presentation), self.course.concepts[question.concept_id].title
        )
        return list(machine.step(machine.QuizState(), begin, None, self.clock()).replies)

    def _session_for(
        self, learner_id: int, session_id: int | None, where: E.ClassRef | None = None
    ) -> tuple[QuizSession | None, str | None]:
        if session_id is not None:
            row = self.store.session(session_id)
            if row is None:
                return None, "That question is no longer available. Start a new one with /quiz."
            if row.kind == "solo" and row.learner_id != learner_id:
                return None, "That question was put to someone else. Start your own with /quiz."
            return row, None
        row = self.store.open_session_of(learner_id)
        if row is None and where is not None:
            room = self.store.find_class(where.platform, where.workspace, where.channel)
            rounds = self.store.open_rounds(room.id) if room else []
            row = rounds[-1] if rounds else None
        if row is None:
            return None, "There is no open question to answer. Start one with /quiz [topic]."
        return row, None

    def _state_of(self, row: QuizSession) -> machine.QuizState:
        return machine.QuizState(
            row.id,
            row.question_id,
            tuple(json.loads(row.presentation)),
            row.status,
            row.hints_used,
            row.kind == "round",
        )

    def _on_answer(self, ev: E.Answer) -> list[R.Reply]:
        if len(ev.response) > self.max_text:
            return [R.Text(self._check_text(ev.response, "answer") or "", kind="error")]
        learner = self.store.learner(ev.learner)
        lid = learner.id or 0
        row, problem = self._session_for(lid, ev.session_id, ev.where)
        if row is None:
            return [R.Text(problem or "", kind="error")]
        question = self.course.questions.get(row.question_id)
        if question is None:
            return [
                R.Text(
                    "That question has been removed from the course. Start a new one with /quiz.",
                    kind="error",
                )
            ]
        if row.kind == "round":
            return self._answer_round(row, question, lid, ev.response)
        if row.status != "open":
            if row.status == "answered":
                return [
                    R.Text(
                        "You have already answered that question; your first answer counts.", kind="notice"
                    )
                ]
            return [R.Text("That question is closed. Start a new one with /quiz.", kind="error")]
        encode = self.retriever.embedder.encode if question.type == "open_ended" else None
        result = machine.step(
            self._state_of(row), machine.Respond(ev.response), question, self.clock(), encode
        )
        if result.grade is None:
            return list(result.replies)
        g = result.grade
        first_try = not self.store.has_answered(lid, question.id)
        points = points_for(g.correct, first_try, row.hints_used)
        rating = spaced.rating_for(g.correct, g.score, question.type)
        attempt = self.store.record_attempt(
            row,
            lid,
            correct=g.correct,
            score=g.score,
            response=ev.response if question.type == "open_ended" else g.chosen,
            points=points,
            first_try=first_try,
            now=self.clock(),
            rating=rating,
            zone=self.timezone,
        )
        if attempt is None:
            return [
                R.Text("You have already answered that question; your first answer counts.", kind="notice")
            ]
        feedback = result.replies[0]
        assert isinstance(feedback, R.Feedback)
        progress = self.store.progress_of(lid).get(question.concept_id)
        mastery = progress.mastery if progress else 0.0
        out: list[R.Reply] = [replace(feedback, points=points)]
        note = f"+{points} points. " if points else ""
        note += f"Mastery of *{self.course.concepts[question.concept_id].title}*: {mastery:.0%}. /quiz for another, /next for what to learn next."
        out.append(R.Text(note))
        return out

    # -- class rounds ---------------------------------------------------------------------------
    def _on_startround(self, ev: E.StartRound) -> list[R.Reply]:
        if ev.where is None:
            return [R.Text("A class round runs in a channel: use /quiz there.", kind="error")]
        if len(ev.topic) > self.max_text:
            return [R.Text(self._check_text(ev.topic, "topic") or "", kind="error")]
        poster = self.store.learner(ev.learner)
        room = self.store.class_room(ev.where)
        question: Question | None = self.course.questions.get(ev.topic.strip())
        if question is None:
            if ev.topic.strip():
                concept_ids, problem = self._resolve_topic(ev.topic)
                if problem:
                    return [R.Text(problem, kind="error")]
            else:
                concept_ids = self.next_concepts(poster.id or 0, limit=len(self.course.concepts))
                concept_ids += [c for c in self.course.topological_order() if c not in concept_ids]
            question = self._pick_question(poster.id or 0, concept_ids)
        if question is None:
            return [R.Text("No question left on that topic. Try another topic.")]
        now = self.clock()
        deadline = now + timedelta(seconds=ev.seconds or self.round_seconds)
        seed = self.rng.randrange(1 << 30) if self.rng else int(now.timestamp() * 1000)
        presentation = presentation_for(question, seed)
        row = self.store.open_round(
            room.id or 0, question.id, question.concept_id, presentation, now, deadline, poster.id or 0
        )
        title = self.course.concepts[question.concept_id].title
        begin = machine.Begin(
            row.id or 0, question, tuple(presentation), title, is_round=True, deadline=deadline.isoformat()
        )
        return list(machine.step(machine.QuizState(), begin, None, now).replies)

    def _answer_round(
        self, row: QuizSession, question: Question, learner_id: int, response: str
    ) -> list[R.Reply]:
        now = self.clock()
        if row.status != "open" or (row.deadline is not None and now > _aware(row.deadline)):
            return [R.Text("This round is closed; its results are posted in the channel.", kind="notice")]
        encode = self.retriever.embedder.encode if question.type == "open_ended" else None
        result = machine.step(self._state_of(row), machine.Respond(response), question, now, encode)
        if result.grade is None:
            return list(result.replies)
        g = result.grade
        first_try = not self.store.has_answered(learner_id, question.id)
        points = points_for(g.correct, first_try)
        rating = spaced.rating_for(g.correct, g.score, question.type)
        attempt = self.store.record_attempt(
            row,
            learner_id,
            correct=g.correct,
            score=g.score,
            response=response if question.type == "open_ended" else g.chosen,
            points=points,
            first_try=first_try,
            now=now,
            rating=rating,
            zone=self.timezone,
        )
        if attempt is None:
            return [R.Text("You have already answered this round; your first answer counts.", kind="notice")]
        shown = g.chosen if question.type != "open_ended" else "your answer"
        return [
            R.Text(
                f"Got it: {shown} is recorded. The answer and the explanation come when the round closes.",
                kind="notice",
            )
        ]

    def _on_closeround(self, ev: E.CloseRound) -> list[R.Reply]:
        row = self.store.session(ev.session_id) if ev.session_id else None
        if row is None and not ev.session_id and ev.where is not None:  # the latest open round of this class
            room = self.store.find_class(ev.where.platform, ev.where.workspace, ev.where.channel)
            rounds = self.store.open_rounds(room.id) if room else []
            row = rounds[-1] if rounds else None
        if row is None or row.kind != "round":
            return [R.Text("There is no open round to close.", kind="error")]
        learner = self.store.learner(ev.learner)
        if row.created_by != learner.id and not self.is_instructor(ev.learner):
            return [
                R.Text(
                    "Only the person who started this round, or an instructor, can close it.", kind="error"
                )
            ]
        result = self.close_round(row.id or 0)
        if result is None:
            return [R.Text("This round is already closed.", kind="notice")]
        return [result]

    def close_round(self, session_id: int) -> R.RoundResult | None:
        """Close an open round once (the first worker to close it wins) and build its results."""
        if not self.store.set_session_status(session_id, "open", "closed", self.clock()):
            return None
        row = self.store.session(session_id)
        assert row is not None
        result = _defuse(self.round_result(row))  # learners' names are in it
        assert isinstance(result, R.RoundResult)
        return result

    def close_due_rounds(self, platform: str | None = None) -> list[tuple[QuizSession, R.RoundResult]]:
        """Close the rounds past their deadline (restarts included: deadlines are stored), of one platform if
        given, so that workers of another platform sharing the database post their own; adapters post these."""
        out = []
        for row in self.store.due_rounds(self.clock(), platform):
            result = self.close_round(row.id or 0)
            if result is not None:
                out.append((row, result))
        return out

    def round_result(self, row: QuizSession) -> R.RoundResult:
        question = self.course.questions.get(row.question_id)
        concept = self.course.concepts.get(row.concept_id)
        title = concept.title if concept else row.concept_id
        if question is None:
            return R.RoundResult(row.id or 0, title, "", "The question was removed from the course.")
        answers = self.store.round_answers(row.id or 0)
        presentation = json.loads(row.presentation)
        summary, lines = machine.explain(question, presentation, None)
        counts: dict[str, int] = {}
        for attempt, _ in answers:
            counts[attempt.response] = counts.get(attempt.response, 0) + 1
        tally: list[R.Tally] = []
        if question.type == "single_choice":
            for i, p in enumerate(presentation):
                key = letters(len(presentation))[i]
                option = question.options[p]
                tally.append(R.Tally(key, option.text, counts.get(key, 0), option.correct))
        elif question.type == "open_ended":
            passed = sum(1 for a, _ in answers if a.correct)
            tally = [
                R.Tally("passed", "covered most rubric points", passed, True),
                R.Tally("not yet", "missed key points", len(answers) - passed, False),
            ]
        else:
            right_attempts = {a.response for a, _ in answers if a.correct}
            for key, count in sorted(counts.items(), key=lambda kv: -kv[1]):
                tally.append(R.Tally(key, key, count, key in right_attempts))
        ranked = sorted(answers, key=lambda al: (-al[0].points, -al[0].score, al[0].id or 0))
        scores = tuple(
            (
                learner.display_name or learner.user_id,
                "right" if a.correct else ("partly right" if a.score > 0 else "wrong"),
                a.points,
            )
            for a, learner in ranked
        )
        return R.RoundResult(
            row.id or 0, title, question.prompt, summary, lines, tuple(tally), scores, len(answers)
        )

    def _on_hint(self, ev: E.Hint) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        row, problem = self._session_for(learner.id or 0, ev.session_id)
        if row is None or row.status != "open":
            return [R.Text(problem or "That question is closed. Start a new one with /quiz.", kind="error")]
        question = self.course.questions.get(row.question_id)
        result = machine.step(self._state_of(row), machine.AskHint(), question, self.clock())
        if result.state.hints_used > row.hints_used:
            self.store.use_hint(row.id or 0)
        return list(result.replies)

    def _on_skip(self, ev: E.Skip) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        row, problem = self._session_for(learner.id or 0, ev.session_id)
        if row is None or row.status != "open" or row.kind != "solo":
            return [R.Text(problem or "That question is closed. Start a new one with /quiz.", kind="error")]
        question = self.course.questions.get(row.question_id)
        result = machine.step(self._state_of(row), machine.SkipQuestion(), question, self.clock())
        if not self.store.set_session_status(row.id or 0, "open", "skipped", self.clock()):
            return [R.Text("That question is already closed.", kind="notice")]
        return [*result.replies, R.Text("Nothing was recorded for it. /quiz for another question.")]

    # -- spaced review, privacy, the learner's own data ------------------------------------------
    def _on_review(self, ev: E.Review) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        lid = learner.id or 0
        due = [
            p.concept_id
            for p in self.store.due_concepts(lid, self.clock())
            if p.concept_id in self.course.concepts
        ]
        if not due:
            upcoming = self.store.next_due(lid)
            if upcoming is None:
                return [
                    R.Text("Nothing to review yet: reviews come from concepts you have answered. Try /quiz.")
                ]
            when = _aware(upcoming).astimezone(zone(self._learner_zone(learner))).strftime("%a %d %b, %H:%M")
            return [R.Text(f"Nothing is due for review. The next review is due {when}.")]
        question = self._pick_question(lid, due, review=True)
        if question is None:
            return [R.Text("Nothing is due for review right now.")]
        replies = self._put_question(lid, question, ev.where)
        title = self.course.concepts[question.concept_id].title
        note = f"Review: *{title}* is due ({len(due)} concept{'s' if len(due) != 1 else ''} due in all)."
        return [R.Text(note), *replies]

    def _learner_zone(self, learner: Learner) -> str:
        return learner.timezone or self.timezone

    def _on_privacy(self, ev: E.Privacy) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        mode = ev.mode.strip().lower()
        if not mode:
            shown = {
                "visible": f"under your name ({learner.display_name})",
                "hidden": "nowhere (you left them)",
                "pseudonym": f"as {learner.pseudonym}",
            }[learner.privacy or "visible"]
            return [
                R.Text(
                    f"On leaderboards you appear {shown}. Change it with /privacy visible, /privacy hidden "
                    "or /privacy pseudonym NAME."
                )
            ]
        if mode not in ("visible", "hidden", "pseudonym"):
            return [R.Text("Use /privacy visible, /privacy hidden or /privacy pseudonym NAME.", kind="error")]
        name = " ".join(ev.name.split())[:32]
        if mode == "pseudonym" and not name:
            return [R.Text("Give the name to show: /privacy pseudonym NAME", kind="error")]
        self.store.update_learner(
            learner.id or 0, privacy=mode, pseudonym=name if mode == "pseudonym" else ""
        )
        said = {
            "visible": "You appear on leaderboards under your name again.",
            "hidden": "You have left the leaderboards. Your progress is still yours: /progress.",
            "pseudonym": f"You appear on leaderboards as {name}.",
        }[mode]
        return [R.Text(said)]

    def _on_digest(self, ev: E.Digest) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        fields: dict[str, object] = {}
        if ev.setting.lower() in ("on", "off"):
            fields["digest"] = ev.setting.lower() == "on"
        elif ev.setting:
            return [R.Text("Use /digest on [22-8] or /digest off.", kind="error")]
        if ev.quiet:
            m = re.fullmatch(r"(\d{1,2})\s*-\s*(\d{1,2})", ev.quiet.strip())
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 23:
                return [R.Text("Quiet hours look like 22-8 (from 22:00 to 08:00, your time).", kind="error")]
            fields["quiet_start"], fields["quiet_end"] = int(m.group(1)), int(m.group(2))
        if fields:
            learner = self.store.update_learner(learner.id or 0, **fields) or learner
        state = "on" if learner.digest else "off"
        return [
            R.Text(
                f"Daily review digest: {state}; quiet hours {learner.quiet_start:02d}:00-{learner.quiet_end:02d}:00 "
                f"({self._learner_zone(learner)}). /digest on|off [22-8], /timezone Area/City."
            )
        ]

    def _on_settimezone(self, ev: E.SetTimezone) -> list[R.Reply]:
        name = ev.zone.strip()
        if not name or not valid_zone(name):
            return [R.Text("Name a time zone like Europe/Berlin or America/New_York.", kind="error")]
        if ev.for_class:
            refusal = self._instructors_only(ev)
            if refusal:
                return refusal
            if ev.where is None:
                return [R.Text("Set a class's time zone in its channel.", kind="error")]
            room = self.store.class_room(ev.where)
            self.store.update_class(room.id or 0, timezone=name)
            return [R.Text(f"This class's week now starts on Monday at 00:00 {name}.")]
        learner = self.store.learner(ev.learner)
        self.store.update_learner(learner.id or 0, timezone=name)
        return [R.Text(f"Your time zone is {name}.")]

    def _on_forgetme(self, ev: E.ForgetMe) -> list[R.Reply]:
        learner = self.store.find_learner(ev.learner.platform, ev.learner.workspace, ev.learner.user)
        if learner is None:
            return [R.Text("The tutor keeps nothing about you.")]
        if not ev.confirm:
            return [
                R.Text(
                    "This deletes everything the tutor keeps about you: your answers, progress, points and "
                    "forwarded questions. It cannot be undone. To go ahead, send /forget-me confirm",
                    kind="notice",
                )
            ]
        n = self.store.forget_learner(learner.id or 0)
        return [
            R.Text(
                f"Done: everything about you is deleted ({n} answer{'s' if n != 1 else ''}). Goodbye, or "
                "welcome back any time."
            )
        ]

    def _on_mydata(self, ev: E.MyData) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        data = self.store.learner_data(learner.id or 0)
        body = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
        n = len(data.get("attempts", []))
        return [
            R.File(
                f"tutor-data-{learner.user_id}.json",
                f"Your data: {n} answers, progress and questions, as JSON.",
                body,
            )
        ]

    # -- instructors -----------------------------------------------------------------------------
    def _instructors_only(self, ev: E.Event) -> list[R.Reply] | None:
        if self.is_instructor(ev.learner):
            return None
        return [R.Text("Sorry, that command is for instructors. /help lists what you can do.", kind="error")]

    def _on_classreport(self, ev: E.ClassReport) -> list[R.Reply]:
        refusal = self._instructors_only(ev)
        if refusal:
            return refusal
        room = (
            self.store.find_class(ev.where.platform, ev.where.workspace, ev.where.channel)
            if ev.where
            else None
        )
        if room is None:
            return [
                R.Text(
                    "Run /class-report in the class's channel: the report is about the class that meets there.",
                    kind="notice",
                )
            ]
        class_id = room.id
        label = room.name
        learners = self.store.class_learners(class_id, limit=HEATMAP_LEARNERS)
        if not learners:
            return [R.Text(f"No answers yet in {label}.")]
        now = self.clock()
        tz = (room.timezone if room else "") or self.timezone
        names = {lid: name for lid, name, _ in learners}
        progress = {(p.learner_id, p.concept_id): p for p in self.store.progress_for(list(names))}
        concepts = [c for c in self.course.topological_order() if any(k[1] == c for k in progress)]
        grid = [
            [
                spaced.mastery(p.mastery, p.card, now) if (p := progress.get((lid, cid))) else float("nan")
                for cid in concepts
            ]
            for lid in names
        ]
        titles = [self.course.concepts[c].title for c in concepts]
        shown = (
            f"the {len(names)} most active learners"
            if len(names) == HEATMAP_LEARNERS
            else f"{len(names)} learners"
        )
        out: list[R.Reply] = []
        if concepts:
            out.append(
                R.Image(
                    "class-mastery.png",
                    f"Mastery heatmap of {label}: {shown} × {len(concepts)} concepts",
                    heatmap(list(names.values()), titles, grid, f"Mastery per concept: {label} ({shown})"),
                )
            )
        counts = self.store.answer_counts(class_id)
        stats = question_stats([(q, r, ok) for q, r, ok, _ in counts], weights=[n for *_, n in counts])
        table_rows = []
        for st in stats[:5]:
            q = self.course.questions.get(st.question_id)
            prompt = (q.prompt if q else st.question_id).replace("\n", " ")
            answers = ", ".join(f"{k}: {n}" for k, n in st.answers[:4])
            wrong = f"{st.top_wrong} ({st.top_wrong_count})" if st.top_wrong else "-"
            table_rows.append(
                (
                    prompt[:60] + ("…" if len(prompt) > 60 else ""),
                    f"{st.correct}/{st.attempts}",
                    answers[:40],
                    wrong[:30],
                )
            )
        out.append(
            R.Table(
                f"Hardest questions in {label}",
                ("question", "right", "answers", "most chosen wrong"),
                tuple(table_rows),
            )
        )
        since = now - timedelta(days=15)
        days: Counter[date] = Counter()
        for start, n in self.store.answer_times(class_id, since):
            days[local_date(start, tz)] += n
        series = participation(days, local_date(now, tz))
        out.append(
            R.Image(
                "participation.png",
                "Answers per day, last 14 days: " + ", ".join(f"{d:%m-%d} {n}" for d, n in series if n),
                participation_chart(series, f"Participation: {label}"),
            )
        )
        return out

    def _on_inbox(self, ev: E.Inbox) -> list[R.Reply]:
        refusal = self._instructors_only(ev)
        if refusal:
            return refusal
        if ev.action == "list":
            items = self.store.inbox(platform=ev.learner.platform, workspace=ev.learner.workspace)
            if not items:
                return [R.Text("The inbox is empty: every question was answered.")]
            rows = []
            for entry in items[:20]:
                who = self.store.learner_name(entry.learner_id)
                closest = ", ".join(json.loads(entry.closest)[:2])
                rows.append(
                    (
                        str(entry.id),
                        who,
                        _aware(entry.asked_at).strftime("%Y-%m-%d %H:%M"),
                        entry.text[:80],
                        closest,
                    )
                )
            return [
                R.Table(
                    f"Questions the tutor could not answer ({len(items)} open)",
                    ("id", "asked by", "when (UTC)", "question", "closest concepts"),
                    tuple(rows),
                    "Answer: /inbox answer ID TEXT · add that answer to the course: /inbox add ID [CONCEPT]",
                )
            ]
        item = self.store.inbox_item(ev.item_id)
        asker = self.store.learner_by_id(item.learner_id) if item else None
        if (
            item is None
            or asker is None
            or (asker.platform, asker.workspace) != (ev.learner.platform, ev.learner.workspace)
        ):
            return [R.Text(f"No inbox question #{ev.item_id}. /inbox lists them.", kind="error")]
        instructor = self.store.learner(ev.learner)
        if ev.action == "answer":
            text = ev.text.strip()
            problem = self._check_text(text, "answer")
            if problem:
                return [R.Text(problem, kind="error")]
            self.store.answer_inbox(item.id or 0, text, instructor.id or 0, self.clock())
            return [
                R.Text(f"Inbox #{item.id} is answered. /inbox add {item.id} adds the answer to the course.")
            ]
        if ev.action == "add":
            if not item.answer:
                return [R.Text(f"Answer #{item.id} first: /inbox answer {item.id} TEXT", kind="error")]
            concept_id = ev.text.strip() or (json.loads(item.closest) or [""])[0]
            concept = self.course.find_concept(concept_id) if concept_id else None
            if concept is None:
                return [
                    R.Text(
                        f"No concept '{concept_id}'. Name one: /inbox add {item.id} CONCEPT_ID", kind="error"
                    )
                ]
            self.store.add_instructor_passage(
                self.course.id,
                concept.id,
                item.text,
                item.answer,
                instructor.id or 0,
                self.clock(),
                inbox_id=item.id,
            )
            self._sync_instructor_passages()
            return [
                R.Text(
                    f"Added to the course under *{concept.title}*: the tutor now quotes it for questions like "
                    f'"{item.text[:80]}".'
                )
            ]
        return [R.Text("Use /inbox, /inbox answer ID TEXT, or /inbox add ID [CONCEPT].", kind="error")]

    def _sync_instructor_passages(self) -> None:
        """Bring instructors' passages added by any worker into this worker's index."""
        if self._retriever is None:
            return
        if self.store.instructor_passage_count(self.course.id) == self._passages_seen:
            return
        rows = self.store.instructor_passages(self.course.id)
        new = rows[self._passages_seen :]
        if new:
            self.retriever.add_passages(
                [(r.concept_id, r.text) for r in new if r.concept_id in self.course.concepts]
            )
            self._passages_seen = len(rows)

    # -- digests ---------------------------------------------------------------------------------
    def digests(self, platform: str | None = None) -> list[tuple[E.LearnerRef, list[R.Reply]]]:
        """Daily direct messages of due reviews for learners who opted in, outside their quiet hours, once a day.

        Adapters call this on a timer and send each reply list as a direct message.
        """
        now = self.clock()
        out: list[tuple[E.LearnerRef, list[R.Reply]]] = []
        for learner, n_due in self.store.digest_candidates(now):
            if platform is not None and learner.platform != platform:
                continue  # that platform's worker sends it (and claims it)
            tz = self._learner_zone(learner)
            local = now.astimezone(zone(tz))
            today = local.date().isoformat()
            if learner.digest_sent_on == today or _in_quiet_hours(
                local.hour, learner.quiet_start, learner.quiet_end
            ):
                continue
            if not self.store.claim_digest(learner.id or 0, today):
                continue  # another worker sent it
            due = [p.concept_id for p in self.store.due_concepts(learner.id or 0, now)]
            names = ", ".join(
                f"*{self.course.concepts[c].title}*" for c in due[:5] if c in self.course.concepts
            )
            ref = E.LearnerRef(learner.platform, learner.workspace, learner.user_id, learner.display_name)
            out.append(
                (
                    ref,
                    [
                        R.Text(
                            f"Time for a review: {n_due} concept{'s' if n_due != 1 else ''} due "
                            f"({names}). Send /review to start. /digest off stops these messages."
                        )
                    ],
                )
            )
        return out

    # -- progress ------------------------------------------------------------------------------
    def progress_report(self, learner_id: int) -> dict:
        """A learner's standing: points, answers, streak, reviews due and mastery per concept (/progress, the CLI)."""
        progress = self.store.progress_of(learner_id)
        attempts = self.store.attempts_of(learner_id)
        learner = self.store.learner_by_id(learner_id)
        tz = self._learner_zone(learner) if learner else self.timezone
        now = self.clock()
        days = {local_date(_aware(a.answered_at), tz) for a in attempts}
        concepts: list[dict] = []
        for cid in self.course.topological_order():
            p = progress.get(cid)
            if p is None:
                continue
            concepts.append(
                {
                    "concept_id": cid,
                    "title": self.course.concepts[cid].title,
                    "attempts": p.attempts,
                    "correct": p.correct,
                    "mastery": spaced.mastery(p.mastery, p.card, now),
                    "due": _aware(p.due).isoformat() if p.due else None,
                }
            )
        return {
            "points": sum(a.points for a in attempts),
            "answers": len(attempts),
            "correct": sum(1 for a in attempts if a.correct),
            "streak": streak(days, local_date(now, tz)),
            "mastered": sum(1 for c in concepts if c["mastery"] >= MASTERED),
            "due_reviews": sum(1 for p in progress.values() if p.due and _aware(p.due) <= now),
            "concepts_total": len(self.course.concepts),
            "concepts": concepts,
        }

    def leaderboard(
        self,
        class_id: int | None,
        period: str = "all",
        tz: str = "",
        top: int | None = None,
        me: int | None = None,
    ) -> tuple[list[Standing], int]:
        """(standings, how many are ranked): privacy applied, ranks computed by the database. With `top`, only
        the first `top` ranks and learner `me`."""
        if period == "week" and class_id is not None:
            # the class's week, from Monday in the class's own zone: the weekly standings kept with each attempt
            room = self.store.class_by_id(class_id)
            monday = week_start(self.clock(), (room.timezone if room else "") or self.timezone)
            rows = self.store.leaderboard_rows(class_id, week=monday.date(), top=top, me=me)
        else:
            since = week_start(self.clock(), tz or self.timezone) if period == "week" else None
            rows = self.store.leaderboard_rows(class_id, since=since, top=top, me=me)
        return [Standing(r, lid, name, pts, ok) for lid, name, pts, ok, r, _ in rows], (
            rows[0][5] if rows else 0
        )

    def _on_showprogress(self, ev: E.ShowProgress) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        report = self.progress_report(learner.id or 0)
        if not report["answers"]:
            return [R.Text("No answers yet. Start with /quiz, or /next to see where to begin.")]
        rows = tuple(
            (c["title"], f"{c['correct']}/{c['attempts']}", _bar(c["mastery"]), f"{c['mastery']:.0%}")
            for c in report["concepts"]
        )
        s, n, due = report["streak"], report["answers"], report["due_reviews"]
        note = (
            f"{report['points']} points · {n} answer{'s' if n != 1 else ''} · {report['mastered']} of "
            f"{report['concepts_total']} concepts mastered · streak {s} day{'s' if s != 1 else ''}"
            + (f" · {due} due for /review" if due else "")
        )
        title = f"Progress of {learner.display_name}"
        chart = progress_chart([(c["title"], c["mastery"]) for c in report["concepts"]], title)
        alt = f"{title}: " + ", ".join(f"{c['title']} {c['mastery']:.0%}" for c in report["concepts"][:10])
        return [
            R.Table(title, ("concept", "right", "mastery", ""), rows, note),
            R.Image("progress.png", alt, chart),
        ]

    def _on_showleaderboard(self, ev: E.ShowLeaderboard) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        class_id, tz = None, self.timezone
        title = "Leaderboard"
        if ev.where is not None:
            room = self.store.class_room(ev.where)
            class_id, tz = room.id, room.timezone or self.timezone
            title = f"Leaderboard of {room.name}"
        period = "week" if ev.period.lower().startswith("week") else "all"
        title += ", this week" if period == "week" else ", all time"
        standings, ranked = self.leaderboard(class_id, period, tz, top=10, me=learner.id)
        if not standings:
            when = "this week" if period == "week" else "yet"
            return [R.Text(f"No answers in this class {when}. Be the first: /quiz")]
        rows = tuple((str(s.rank), s.name, str(s.points), str(s.correct)) for s in standings if s.rank <= 10)
        mine = next((s for s in standings if s.learner_id == learner.id), None)
        if learner.privacy == "hidden":
            note = "You have left the leaderboards (/privacy)."
        elif mine:
            note = f"You are #{mine.rank} of {ranked} with {mine.points} points."
        else:
            note = "You are not on it yet: /quiz"
        other = "/leaderboard all" if period == "week" else "/leaderboard week"
        return [R.Table(title, ("#", "learner", "points", "right"), rows, f"{note} See also {other}.")]

    def _on_next(self, ev: E.Next) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        nexts = self.next_concepts(learner.id or 0)
        if not nexts:
            return [R.Text("You have mastered every concept of the course. Well done!")]
        first = self.course.concepts[nexts[0]]
        out: list[R.Reply] = [R.Text(f"Learn next: *{first.title}*. {first.summary}\nTry /quiz {first.id}")]
        if len(nexts) > 1:
            others = ", ".join(f"*{self.course.concepts[c].title}*" for c in nexts[1:])
            out.append(R.Text(f"Also ready for you: {others}."))
        return out

    def _on_help(self, ev: E.Help) -> list[R.Reply]:
        return [R.Text(HELP.format(course=self.course.title))]

    def _on_unknown(self, ev: E.Unknown) -> list[R.Reply]:
        return [
            R.Text(
                f"I don't know the command '{ev.command[:40]}'. Type /help for the commands I know.",
                kind="error",
            )
        ]


def _in_quiet_hours(hour: int, start: int, end: int) -> bool:
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _bar(value: float, width: int = 10) -> str:
    full = round(max(0.0, min(1.0, value)) * width)
    return "█" * full + "░" * (width - full)


def _defuse(reply: R.Reply) -> R.Reply:
    if not is_dataclass(reply):
        return reply
    changes: dict[str, object] = {}
    for f in fields(reply):
        value = getattr(reply, f.name)
        if isinstance(value, str):
            changes[f.name] = defuse_mentions(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            changes[f.name] = tuple(defuse_mentions(v) for v in value)
        elif isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
            changes[f.name] = tuple(
                tuple(defuse_mentions(x) if isinstance(x, str) else x for x in v) for v in value
            )
    return replace(reply, **changes) if changes else reply  # type: ignore[type-var]
