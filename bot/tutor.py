"""The tutor: Tutor.handle(event) -> [Reply], the one entry point every adapter calls."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta

from bot import events as E
from bot import replies as R
from bot.course.model import Course, Question
from bot.progress import MASTERED, Standing, points_for, rank, streak
from bot.quiz import machine
from bot.quiz.grading import letters, presentation_for
from bot.retrieval import Hit, Retriever
from bot.safety import defuse_mentions
from bot.storage import Store
from bot.storage.models import QuizSession

log = logging.getLogger(__name__)

HELP = """I am your course tutor for "{course}". Ask me anything about the course in plain words, or use:
  /ask QUESTION     ask about the course (plain text works too)
  /quiz [TOPIC]     a question on a topic (a concept title, id or a few words), or on what you should learn next
  /answer X         answer the open question: a letter (A), an order (3 1 2 4), matches (1b 2a 3c) or sentences
  /hint             a hint for the open question
  /skip             skip the open question and see the answer
  /progress         your mastery per concept, points and streak
  /leaderboard      the class ranking
  /next             what to learn next
  /round [TOPIC]    (in a class) a question for the whole class; /close ends it early
  /help             this message"""


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

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def retriever(self) -> Retriever:
        """Built on first use: loading the model costs seconds, and /progress should not wait for it."""
        if self._retriever is None:
            with self._retriever_lock:
                if self._retriever is None:
                    assert self._make_retriever is not None
                    self._retriever = self._make_retriever()
        return self._retriever

    def warm_up(self) -> None:
        self.retriever.encode_query("warm up")

    def handle(self, event: E.Event) -> list[R.Reply]:
        """Answer one event. Every reply's text is defused of mass mentions before it leaves the core."""
        handler = getattr(self, f"_on_{type(event).__name__.lower()}", None)
        if handler is None:
            out: list[R.Reply] = [R.Text("I don't know how to handle that yet. Try /help.", kind="error")]
        else:
            out = handler(event)
        return [_defuse(r) for r in out]

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
    def answer(self, question: str, k: int = 3) -> AnswerResult:
        """Answer a question from the course, or say plainly that the course does not seem to cover it."""
        hits = self.retriever.search(question, k=max(k, 1))
        sources = tuple(
            Source(h.concept_id, h.title, h.score, h.excerpt or self._excerpt(h, question)) for h in hits
        )
        if not hits:
            return AnswerResult(question, "The course has no material yet.", False, ())
        top = hits[0]
        confident = top.dense >= self.confidence
        concept = self.course.concepts[top.concept_id]
        nexts = tuple(self.course.next_after(concept.id)[:2])
        if confident:
            text = f"{concept.title}: {sources[0].excerpt}"
            if nexts:
                names = " and ".join(f'"{self.course.concepts[n].title}"' for n in nexts)
                text += f"\nLearn next: {names}."
        else:
            names = ", ".join(f'"{h.title}"' for h in hits[:3])
            text = (
                f"I'm not sure the course covers that, so I won't guess. The closest concepts are {names}. "
                "I've passed your question on to the instructors."
            )
        return AnswerResult(question, text, confident, sources, concept.id, nexts)

    def _excerpt(self, hit: Hit, question: str) -> str:
        return self.retriever.excerpt(hit.concept_id, self.retriever.encode_query(question))

    def _on_ask(self, ev: E.Ask) -> list[R.Reply]:
        problem = self._check_text(ev.text, "question")
        if problem:
            return [R.Text(problem, kind="error")]
        result = self.answer(ev.text)
        if not result.sources:
            return [R.Text(result.answer, kind="error")]
        if not result.confident:
            learner = self.store.learner(ev.learner)
            class_id = self.store.class_room(ev.where).id if ev.where else None
            self.store.add_inbox(
                learner.id or 0, class_id, ev.text, [s.concept_id for s in result.sources], self.clock()
            )
            return [R.Text(result.answer, kind="notice")]
        top = result.sources[0]
        concept = self.course.concepts[top.concept_id]
        out: list[R.Reply] = [
            R.Text(f"This is about *{concept.title}*."),
            R.Passage(concept.title, top.excerpt, concept.id, top.score),
        ]
        if result.next_concepts:
            names = ", ".join(f"*{self.course.concepts[n].title}*" for n in result.next_concepts)
            out.append(R.Text(f"Learn next: {names}. Test yourself with /quiz {concept.id}"))
        else:
            out.append(R.Text(f"Test yourself with /quiz {concept.id}"))
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

    def _pick_question(self, learner_id: int, concept_ids: list[str]) -> Question | None:
        attempts = self.store.attempts_of(learner_id)
        right = {a.question_id for a in attempts if a.correct}
        tried = {a.question_id for a in attempts}
        rng = self.rng or random.Random(f"{learner_id}:{len(attempts)}:{self.clock().date()}")
        for cid in concept_ids:
            pool = self.course.questions_of(cid)
            for candidates in (
                [q for q in pool if q.id not in tried],
                [q for q in pool if q.id not in right],
            ):
                if candidates:
                    return rng.choice(candidates)
        return None

    def next_concepts(self, learner_id: int, limit: int = 3) -> list[str]:
        """Unmastered concepts whose prerequisites are mastered, weakest first (then in course order)."""
        progress = self.store.progress_of(learner_id)
        mastery = {cid: p.mastery for cid, p in progress.items()}
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
        class_id = self.store.class_room(ev.where).id if ev.where else None
        seed = self.rng.randrange(1 << 30) if self.rng else int(self.clock().timestamp() * 1000)
        presentation = presentation_for(question, seed)
        row = self.store.open_solo_session(
            lid, question.id, question.concept_id, presentation, self.clock(), class_id
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
        attempt = self.store.record_attempt(
            row,
            lid,
            correct=g.correct,
            score=g.score,
            response=ev.response if question.type == "open_ended" else g.chosen,
            points=points,
            first_try=first_try,
            now=self.clock(),
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
        attempt = self.store.record_attempt(
            row,
            learner_id,
            correct=g.correct,
            score=g.score,
            response=response if question.type == "open_ended" else g.chosen,
            points=points,
            first_try=first_try,
            now=now,
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
        return self.round_result(row)

    def close_due_rounds(self) -> list[tuple[QuizSession, R.RoundResult]]:
        """Close every round past its deadline (restarts included: deadlines are stored); adapters post the results."""
        out = []
        for row in self.store.due_rounds(self.clock()):
            result = self.close_round(row.id or 0)
            if result is not None:
                defused = _defuse(result)
                assert isinstance(defused, R.RoundResult)
                out.append((row, defused))
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

    # -- progress ------------------------------------------------------------------------------
    def progress_report(self, learner_id: int) -> dict:
        """A learner's standing: points, answers, streak and mastery per concept (what /progress and the CLI show)."""
        progress = self.store.progress_of(learner_id)
        attempts = self.store.attempts_of(learner_id)
        days = {a.answered_at.astimezone(UTC).date() for a in attempts}
        concepts = [
            {
                "concept_id": cid,
                "title": self.course.concepts[cid].title,
                "attempts": p.attempts,
                "correct": p.correct,
                "mastery": round(p.mastery, 4),
            }
            for cid in self.course.topological_order()
            if (p := progress.get(cid)) is not None
        ]
        return {
            "points": sum(a.points for a in attempts),
            "answers": len(attempts),
            "correct": sum(1 for a in attempts if a.correct),
            "streak": streak(days, self.clock().date()),
            "mastered": sum(1 for p in progress.values() if p.mastery >= MASTERED),
            "concepts_total": len(self.course.concepts),
            "concepts": concepts,
        }

    def leaderboard(self, class_id: int | None) -> list[Standing]:
        return rank(self.store.totals(class_id))

    def _on_showprogress(self, ev: E.ShowProgress) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        report = self.progress_report(learner.id or 0)
        if not report["answers"]:
            return [R.Text("No answers yet. Start with /quiz, or /next to see where to begin.")]
        rows = tuple(
            (c["title"], f"{c['correct']}/{c['attempts']}", _bar(c["mastery"]), f"{c['mastery']:.0%}")
            for c in report["concepts"]
        )
        s = report["streak"]
        note = (
            f"{report['points']} points · {report['answers']} answers · {report['mastered']} of "
            f"{report['concepts_total']} concepts mastered · streak {s} day{'s' if s != 1 else ''}"
        )
        return [
            R.Table(f"Progress of {learner.display_name}", ("concept", "right", "mastery", ""), rows, note)
        ]

    def _on_showleaderboard(self, ev: E.ShowLeaderboard) -> list[R.Reply]:
        learner = self.store.learner(ev.learner)
        class_id = None
        title = "Leaderboard"
        if ev.where is not None:
            room = self.store.class_room(ev.where)
            class_id = room.id
            title = f"Leaderboard of {room.name}"
        standings = self.leaderboard(class_id)
        if not standings:
            return [R.Text("No answers in this class yet. Be the first: /quiz")]
        rows = tuple((str(s.rank), s.name, str(s.points), str(s.correct)) for s in standings[:10])
        mine = next((s for s in standings if s.learner_id == learner.id), None)
        note = (
            f"You are #{mine.rank} of {len(standings)} with {mine.points} points."
            if mine
            else "You are not on it yet: /quiz"
        )
        return [R.Table(title, ("#", "learner", "points", "right"), rows, note)]

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


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _bar(value: float, width: int = 10) -> str:
    full = round(max(0.0, min(1.0, value)) * width)
    return "█" * full + "░" * (width - full)


def _defuse(reply: R.Reply) -> R.Reply:
    if not is_dataclass(reply):
        return reply
    changes = {}
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
