"""Attempts: the append-only record of answers, and what each one changes in the same transaction (the
learner's progress on the concept, as bot.progress.concept computes it, and their standings); a class's
burst of answers to a round in one transaction; the history of what a learner met; the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.progress.concept import ConceptState, after_answer
from bot.storage.base import StoreBase, as_utc, insert_ignore, table_of
from bot.storage.boards import count_answer, count_answers, monday_of
from bot.storage.models import (
    AnswerReview,
    Attempt,
    ClassRoom,
    ClassStanding,
    ConceptProgress,
    Learner,
    QuizSession,
    WeeklyStanding,
)
from bot.storage.reviews import Provisional


@dataclass(frozen=True)
class Encounter:
    """A time a learner met a question: an answer (`correct` says how it went), a skip, a closed round."""

    question_id: str
    at: datetime  # aware, UTC
    how: str  # answer | skipped | round
    correct: bool = False


@dataclass(frozen=True)
class RoundAnswer:
    """One learner's graded answer to a class round, to be recorded with the others that came with it."""

    learner_id: int
    correct: bool
    score: float
    response: str
    points: int
    first_try: bool
    rating: int | None = None
    counts: bool = True  # False: practice (see `record_attempt`): mastery and the schedule stay


@dataclass(frozen=True)
class AttemptRow:
    """An attempt joined with who made it, as exported."""

    platform: str
    workspace: str
    user_id: str
    question_id: str
    concept_id: str
    correct: bool
    score: float
    points: int
    answered_at: datetime


class AttemptStore(StoreBase):
    """Attempt rows, and the rows derived from them as they are appended."""

    def has_answered(self, learner_id: int, question_id: str) -> bool:
        with Session(self.engine) as s:
            return (
                s.exec(
                    select(Attempt.id)
                    .where(Attempt.learner_id == learner_id, Attempt.question_id == question_id)
                    .limit(1)
                ).first()
                is not None
            )

    def answered_before(self, learner_ids: list[int], question_id: str) -> set[int]:
        """Which of these learners have answered this question before (their next answer is no first try)."""
        attempts = table_of(Attempt)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(attempts.c.learner_id)
                .where(attempts.c.question_id == question_id, attempts.c.learner_id.in_(set(learner_ids)))
                .distinct()
            ).all()
        return {r[0] for r in rows}

    def record_attempt(
        self,
        session: QuizSession,
        learner_id: int,
        *,
        correct: bool,
        score: float,
        response: str,
        points: int,
        first_try: bool,
        now: datetime,
        rating: int | None = None,
        zone: str = "UTC",
        counts: bool = True,
        provisional: Provisional | None = None,
    ) -> Attempt | None:
        """Append the attempt and update progress and standings in one transaction; None if this learner
        already answered it. An attempt in a class also counts towards the class's week, which starts Monday in
        the class's time zone (`zone` when the class has none). A `provisional` attempt is queued for an
        instructor's review in the same transaction: recorded, graded and queued, or none of it.

        A practice attempt (`counts` False: the learner met the question within its review interval, see
        bot.progress.practice) is counted but leaves mastery and the FSRS card alone; a wrong one still makes
        the concept due for review at once, a right one puts it back on the card's schedule
        (`bot.progress.concept.after_answer` computes it, on the row read under lock here).

        Written with SQLAlchemy Core (a handful of statements, no unit of work): this is the hot path of a
        class round, where a whole class answers within seconds.
        """
        sessions, attempts, progress_t = table_of(QuizSession), table_of(Attempt), table_of(ConceptProgress)
        standing_t, weekly_t = table_of(ClassStanding), table_of(WeeklyStanding)
        values: dict[str, Any] = {
            "session_id": session.id or 0,
            "learner_id": learner_id,
            "question_id": session.question_id,
            "concept_id": session.concept_id,
            "correct": correct,
            "score": score,
            "response": response[:4000],
            "points": points,
            "first_try": first_try,
            "answered_at": now,
            "class_id": session.class_id,
        }
        for _ in range(3):
            stage = "attempt"
            try:
                with self.engine.begin() as conn:
                    if session.kind == "solo":
                        moved = conn.execute(
                            update(sessions)
                            .where(sessions.c.id == session.id, sessions.c.status == "open")
                            .values(status="answered", closed_at=now, version=sessions.c.version + 1)
                        )
                        if not moved.rowcount:
                            return None
                    new_id = conn.execute(insert(attempts).values(**values).returning(attempts.c.id)).scalar()
                    if provisional is not None:
                        conn.execute(
                            insert(table_of(AnswerReview)).values(
                                attempt_id=new_id,
                                learner_id=learner_id,
                                question_id=session.question_id,
                                rubric_size=provisional.rubric_size,
                                verdicts=json.dumps(list(provisional.verdicts)),
                                doubts=json.dumps(list(provisional.doubts)),
                                graded_score=score,
                                score=score,
                                covered=json.dumps(list(provisional.covered)),
                                status="pending",
                                queued_at=now,
                                version=0,
                            )
                        )
                    stage = "progress"
                    row = conn.execute(
                        select(
                            progress_t.c.attempts,
                            progress_t.c.correct,
                            progress_t.c.mastery,
                            progress_t.c.card,
                        )
                        .where(
                            progress_t.c.learner_id == learner_id,
                            progress_t.c.concept_id == session.concept_id,
                        )
                        .with_for_update()
                    ).first()
                    after = after_answer(
                        _as_read(row), correct=correct, score=score, rating=rating, counts=counts, now=now
                    )
                    fields = _progress_fields(after, now)
                    if row is None:
                        conn.execute(
                            insert(progress_t).values(
                                learner_id=learner_id, concept_id=session.concept_id, **fields
                            )
                        )
                    else:
                        conn.execute(
                            update(progress_t)
                            .where(
                                progress_t.c.learner_id == learner_id,
                                progress_t.c.concept_id == session.concept_id,
                            )
                            .values(**fields)
                        )
                    stage = "standing"
                    tally = {"points": points, "correct": int(correct)}
                    count_answer(
                        conn, standing_t, {"learner_id": learner_id, "class_id": session.class_id or 0}, tally
                    )
                    if session.class_id is not None:
                        tz = conn.execute(
                            select(table_of(ClassRoom).c.timezone).where(
                                table_of(ClassRoom).c.id == session.class_id
                            )
                        ).scalar()
                        key = {
                            "class_id": session.class_id,
                            "week": monday_of(now, tz or zone),
                            "learner_id": learner_id,
                        }
                        count_answer(conn, weekly_t, key, tally)
                return Attempt(id=new_id, **values)
            except IntegrityError:
                if stage == "attempt":
                    return None  # this learner already answered this question instance (all rolled back)
                # a concurrent first answer created the progress or a standing row: do it all again
        raise RuntimeError("could not record the attempt after three tries")

    def record_round_attempts(
        self, session: QuizSession, answers: list[RoundAnswer], now: datetime, zone: str = "UTC"
    ) -> set[int]:
        """Append the attempts of many learners to one round and update their progress and standings, all in
        one transaction (a group commit: one commit for a class's burst instead of one per answer). Returns
        the learners whose attempt was recorded; a learner who had already answered the round (or appears
        twice) is not, and nothing of theirs changes. The same rows as `record_attempt` for each answer."""
        attempts, progress_t = table_of(Attempt), table_of(ConceptProgress)
        standing_t, weekly_t = table_of(ClassStanding), table_of(WeeklyStanding)
        first: dict[int, RoundAnswer] = {}
        for a in answers:
            first.setdefault(a.learner_id, a)
        if not first:
            return set()
        for _ in range(3):
            try:
                with self.engine.begin() as conn:
                    rows = [
                        {
                            "session_id": session.id or 0,
                            "learner_id": a.learner_id,
                            "question_id": session.question_id,
                            "concept_id": session.concept_id,
                            "correct": a.correct,
                            "score": a.score,
                            "response": a.response[:4000],
                            "points": a.points,
                            "first_try": a.first_try,
                            "answered_at": now,
                            "class_id": session.class_id,
                        }
                        for a in first.values()
                    ]
                    # a write first (SQLite's write lock now); a learner who answered already inserts nothing
                    inserted = conn.execute(
                        insert_ignore(conn, attempts, ["session_id", "learner_id"]).returning(
                            attempts.c.learner_id
                        ),
                        rows,
                    ).all()
                    recorded = [first[r[0]] for r in inserted]
                    if not recorded:
                        return set()
                    self._progress_for_batch(conn, progress_t, session, recorded, now)
                    tallies = {
                        a.learner_id: {"points": a.points, "correct": int(a.correct)} for a in recorded
                    }
                    count_answers(conn, standing_t, {"class_id": session.class_id or 0}, tallies)
                    if session.class_id is not None:
                        tz = conn.execute(
                            select(table_of(ClassRoom).c.timezone).where(
                                table_of(ClassRoom).c.id == session.class_id
                            )
                        ).scalar()
                        key = {"class_id": session.class_id, "week": monday_of(now, tz or zone)}
                        count_answers(conn, weekly_t, key, tallies)
                return {a.learner_id for a in recorded}
            except IntegrityError:
                pass  # a concurrent first answer created a progress or standing row: do it all again
        raise RuntimeError("could not record the attempts after three tries")

    @staticmethod
    def _progress_for_batch(
        conn, table: Table, session: QuizSession, answers: list[RoundAnswer], now: datetime
    ):  # type: ignore[no-untyped-def]
        """Each learner's progress on the round's concept after their answer (`record_attempt`'s, for many)."""
        ids = sorted(a.learner_id for a in answers)
        where = [table.c.concept_id == session.concept_id]
        known = {
            r.learner_id: r
            for r in conn.execute(
                core_select(
                    table.c.learner_id, table.c.attempts, table.c.correct, table.c.mastery, table.c.card
                )
                .where(*where, table.c.learner_id.in_(ids))
                .with_for_update()
            ).all()
        }
        inserts, updates = [], []
        for a in sorted(answers, key=lambda a: a.learner_id):
            row = known.get(a.learner_id)
            after = after_answer(
                _as_read(row), correct=a.correct, score=a.score, rating=a.rating, counts=a.counts, now=now
            )
            fields = _progress_fields(after, now)
            if row is None:
                inserts.append({"learner_id": a.learner_id, "concept_id": session.concept_id, **fields})
            else:
                updates.append({"lid": a.learner_id, **{f"new_{k}": v for k, v in fields.items()}})
        if inserts:
            conn.execute(insert(table), inserts)
        if updates:
            names = ["attempts", "correct", "mastery", "last_answered_at", "card", "due"]
            conn.execute(
                update(table)
                .where(*where, table.c.learner_id == bindparam("lid"))
                .values(**{k: bindparam(f"new_{k}") for k in names}),
                updates,
            )

    def question_history(
        self, learner_id: int, question_id: str | None = None, class_id: int | None = None
    ) -> list[Encounter]:
        """Each time the learner met a question (one, or all): their answers, the questions they skipped, and
        the rounds closed in their classes (the classes they answered in, and `class_id`), oldest first."""
        attempts, sessions = table_of(Attempt), table_of(QuizSession)
        answers = select(attempts.c.question_id, attempts.c.answered_at, attempts.c.correct).where(
            attempts.c.learner_id == learner_id
        )
        skipped = select(sessions.c.question_id, sessions.c.closed_at).where(
            sessions.c.learner_id == learner_id,
            sessions.c.kind == "solo",
            sessions.c.status == "skipped",
            sessions.c.closed_at.is_not(None),
        )
        classes = select(attempts.c.class_id).where(
            attempts.c.learner_id == learner_id, attempts.c.class_id.is_not(None)
        )
        in_class: ColumnElement[bool] = sessions.c.class_id.in_(classes)
        if class_id is not None:
            in_class = or_(in_class, sessions.c.class_id == class_id)
        rounds = select(sessions.c.question_id, sessions.c.closed_at).where(
            sessions.c.kind == "round",
            sessions.c.status == "closed",
            sessions.c.closed_at.is_not(None),
            in_class,
        )
        if question_id is not None:
            answers = answers.where(attempts.c.question_id == question_id)
            skipped = skipped.where(sessions.c.question_id == question_id)
            rounds = rounds.where(sessions.c.question_id == question_id)
        out: list[Encounter] = []
        with self.engine.connect() as conn:
            out += [Encounter(q, as_utc(at), "answer", bool(ok)) for q, at, ok in conn.execute(answers)]
            out += [Encounter(q, as_utc(at), "skipped") for q, at in conn.execute(skipped)]
            out += [Encounter(q, as_utc(at), "round") for q, at in conn.execute(rounds)]
        return sorted(out, key=lambda s: s.at)

    def attempts_of(self, learner_id: int) -> list[Attempt]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(select(Attempt).where(Attempt.learner_id == learner_id).order_by(col(Attempt.id)))
            )

    def attempt_count(self) -> int:
        with Session(self.engine) as s:
            return int(s.exec(select(func.count()).select_from(Attempt)).one())

    def export_attempts(self) -> Iterator[AttemptRow]:
        with Session(self.engine) as s:
            stmt = (
                select(  # type: ignore[call-overload]  # SQLModel's overloads stop at 4 columns
                    Learner.platform,
                    Learner.workspace,
                    Learner.user_id,
                    Attempt.question_id,
                    Attempt.concept_id,
                    Attempt.correct,
                    Attempt.score,
                    Attempt.points,
                    Attempt.answered_at,
                )
                .join(Learner, col(Learner.id) == col(Attempt.learner_id))
                .order_by(col(Attempt.id))
            )
            for row in s.exec(stmt):
                yield AttemptRow(*row)


def _as_read(row: Any) -> ConceptState:
    """A progress row as read (attempts, correct, mastery, card); None, before the concept's first answer."""
    if row is None:
        return ConceptState()
    return ConceptState(row.attempts, row.correct, row.mastery, row.card)


def _progress_fields(state: ConceptState, now: datetime) -> dict[str, Any]:
    """The progress row's columns to write after an answer at `now`."""
    return {
        "attempts": state.attempts,
        "correct": state.correct,
        "mastery": state.mastery,
        "last_answered_at": now,
        "card": state.card,
        "due": state.due,
    }
