"""Repository functions: every read and write the tutor makes, each in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from bot.events import ClassRef, LearnerRef
from bot.progress.concept import ConceptState, Rate, after_answer, replay
from bot.storage.models import (
    AnswerReview,
    Attempt,
    ClassRoom,
    ClassStanding,
    ConceptProgress,
    ConversationTurn,
    DeliveredEvent,
    InboxAsk,
    InboxQuestion,
    InstructorPassage,
    Learner,
    Notification,
    QuizSession,
    RequestLog,
    ReviewDecision,
    ReviewNotice,
    WeeklyStanding,
)


@dataclass(frozen=True)
class Workspace:
    """A leaderboard's scope when it has no class: the learners of one workspace of one platform (a Slack
    team, the console's "local"). A leaderboard is always scoped to a class or to a workspace, so nothing
    ranks learners of another workspace or platform."""

    platform: str
    workspace: str


Scope = int | Workspace  # a class id, or a workspace


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


@dataclass(frozen=True)
class Provisional:
    """An open-ended attempt the grader was unsure of, queued for an instructor with the attempt."""

    rubric_size: int
    verdicts: tuple[str, ...]  # per rubric point: covered | contradicted | absent
    doubts: tuple[str, ...]
    covered: tuple[int, ...]  # 0-based


@dataclass(frozen=True)
class ReviewItem:
    """A queued answer with its attempt, its learner and the session it was put in (for hints used)."""

    review: AnswerReview
    attempt: Attempt
    learner: Learner
    session: QuizSession | None


@dataclass(frozen=True)
class DecisionRow:
    """One audited /review-answers decision, as exported."""

    decision_id: int
    review_id: int
    platform: str
    workspace: str
    user_id: str
    question_id: str
    action: str
    old_score: float
    new_score: float
    old_points: int
    new_points: int
    covered: str
    comment: str
    reviewer: str  # the instructor's user id ("" once they asked to be forgotten)
    at: datetime


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    def ping(self) -> None:
        """A round trip to the database (SELECT 1); raises the driver's error when it does not answer."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- who and where -------------------------------------------------------------------------
    def learner(self, ref: LearnerRef) -> Learner:
        """The learner row for `ref`, created on first sight; the display name kept up to date."""
        stmt = select(Learner).where(
            Learner.platform == ref.platform, Learner.workspace == ref.workspace, Learner.user_id == ref.user
        )
        for _ in range(2):
            with Session(self.engine, expire_on_commit=False) as s:
                row = s.exec(stmt).first()
                if row is not None:
                    if ref.display_name and row.display_name != ref.display_name:
                        row.display_name = ref.display_name[:200]
                        s.add(row)
                        s.commit()
                    return row
                row = Learner(
                    platform=ref.platform,
                    workspace=ref.workspace,
                    user_id=ref.user,
                    display_name=(ref.display_name or ref.user)[:200],
                )
                s.add(row)
                try:
                    s.commit()
                    return row
                except IntegrityError:  # another worker created it first
                    s.rollback()
        raise RuntimeError("learner row could not be created")

    def find_learner(self, platform: str, workspace: str, user_id: str) -> Learner | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(Learner).where(
                    Learner.platform == platform, Learner.workspace == workspace, Learner.user_id == user_id
                )
            ).first()

    def class_room(self, ref: ClassRef) -> ClassRoom:
        stmt = select(ClassRoom).where(
            ClassRoom.platform == ref.platform,
            ClassRoom.workspace == ref.workspace,
            ClassRoom.channel == ref.channel,
        )
        for _ in range(2):
            with Session(self.engine, expire_on_commit=False) as s:
                row = s.exec(stmt).first()
                if row is not None:
                    return row
                row = ClassRoom(
                    platform=ref.platform,
                    workspace=ref.workspace,
                    channel=ref.channel,
                    name=(ref.name or ref.channel)[:200],
                )
                s.add(row)
                try:
                    s.commit()
                    return row
                except IntegrityError:
                    s.rollback()
        raise RuntimeError("class row could not be created")

    def find_class(self, platform: str, workspace: str, channel: str) -> ClassRoom | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(ClassRoom).where(
                    ClassRoom.platform == platform,
                    ClassRoom.workspace == workspace,
                    ClassRoom.channel == channel,
                )
            ).first()

    # -- quiz sessions -------------------------------------------------------------------------
    def open_solo_session(
        self,
        learner_id: int,
        question_id: str,
        concept_id: str,
        presentation: list,
        now: datetime,
        class_id: int | None = None,
    ) -> QuizSession:
        """Put a question to one learner; an earlier unanswered question of theirs is replaced (status
        'replaced': its answer was never shown, unlike one the learner skipped)."""
        with Session(self.engine, expire_on_commit=False) as s:
            s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(
                    col(QuizSession.learner_id) == learner_id,
                    col(QuizSession.kind) == "solo",
                    col(QuizSession.status) == "open",
                )
                .values(status="replaced", closed_at=now, version=QuizSession.version + 1)
            )
            row = QuizSession(
                kind="solo",
                learner_id=learner_id,
                class_id=class_id,
                question_id=question_id,
                concept_id=concept_id,
                presentation=json.dumps(presentation),
                created_by=learner_id,
                created_at=now,
            )
            s.add(row)
            s.commit()
            return row

    def open_round(
        self,
        class_id: int,
        question_id: str,
        concept_id: str,
        presentation: list,
        now: datetime,
        deadline: datetime,
        created_by: int,
    ) -> QuizSession:
        """Put a question to a whole class until `deadline`."""
        with Session(self.engine, expire_on_commit=False) as s:
            row = QuizSession(
                kind="round",
                class_id=class_id,
                question_id=question_id,
                concept_id=concept_id,
                presentation=json.dumps(presentation),
                created_by=created_by,
                created_at=now,
                deadline=deadline,
            )
            s.add(row)
            s.commit()
            return row

    def set_round_message(self, session_id: int, message: str) -> None:
        """Where the round's question was posted (QuizSession.message), once the platform says so."""
        with self.engine.begin() as conn:
            table = _table(QuizSession)
            conn.execute(update(table).where(table.c.id == session_id).values(message=message[:300]))

    def due_rounds(self, now: datetime, platform: str | None = None) -> list[QuizSession]:
        """Open rounds whose deadline has passed (after a restart too: deadlines are stored)."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(QuizSession).where(
                QuizSession.kind == "round", QuizSession.status == "open", col(QuizSession.deadline) <= now
            )
            if platform is not None:
                stmt = stmt.join(ClassRoom, col(ClassRoom.id) == col(QuizSession.class_id)).where(
                    ClassRoom.platform == platform
                )
            return list(s.exec(stmt.order_by(col(QuizSession.id))))

    def open_rounds(self, class_id: int | None = None) -> list[QuizSession]:
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(QuizSession).where(QuizSession.kind == "round", QuizSession.status == "open")
            if class_id is not None:
                stmt = stmt.where(QuizSession.class_id == class_id)
            return list(s.exec(stmt.order_by(col(QuizSession.id))))

    def round_answers(self, session_id: int) -> list[tuple[Attempt, Learner]]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(Attempt, Learner)
                    .join(Learner, col(Learner.id) == col(Attempt.learner_id))
                    .where(Attempt.session_id == session_id)
                    .order_by(col(Attempt.id))
                )
            )

    def class_by_id(self, class_id: int) -> ClassRoom | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(ClassRoom, class_id)

    def open_session_of(self, learner_id: int) -> QuizSession | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(QuizSession)
                .where(
                    QuizSession.learner_id == learner_id,
                    QuizSession.kind == "solo",
                    QuizSession.status == "open",
                )
                .order_by(col(QuizSession.id).desc())
            ).first()

    def session(self, session_id: int) -> QuizSession | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(QuizSession, session_id)

    def set_session_status(self, session_id: int, expected: str, status: str, now: datetime) -> bool:
        """Move a session from `expected` to `status`; False if someone else moved it first."""
        with Session(self.engine) as s:
            result = s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(col(QuizSession.id) == session_id, col(QuizSession.status) == expected)
                .values(status=status, closed_at=now, version=QuizSession.version + 1)
            )
            s.commit()
            return bool(result.rowcount)

    def use_hint(self, session_id: int) -> int:
        with Session(self.engine) as s:
            s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(col(QuizSession.id) == session_id)
                .values(hints_used=QuizSession.hints_used + 1, version=QuizSession.version + 1)
            )
            s.commit()
            row = s.get(QuizSession, session_id)
            return row.hints_used if row else 0

    # -- attempts ------------------------------------------------------------------------------
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
        the concept due for review at once, a right one puts it back on the card's schedule.

        Written with SQLAlchemy Core (a handful of statements, no unit of work): this is the hot path of a
        class round, where a whole class answers within seconds.
        """
        sessions, attempts, progress_t = _table(QuizSession), _table(Attempt), _table(ConceptProgress)
        standing_t, weekly_t = _table(ClassStanding), _table(WeeklyStanding)
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
                            insert(_table(AnswerReview)).values(
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
                    _count(
                        conn, standing_t, {"learner_id": learner_id, "class_id": session.class_id or 0}, tally
                    )
                    if session.class_id is not None:
                        tz = conn.execute(
                            select(_table(ClassRoom).c.timezone).where(
                                _table(ClassRoom).c.id == session.class_id
                            )
                        ).scalar()
                        key = {
                            "class_id": session.class_id,
                            "week": monday_of(now, tz or zone),
                            "learner_id": learner_id,
                        }
                        _count(conn, weekly_t, key, tally)
                return Attempt(id=new_id, **values)
            except IntegrityError:
                if stage == "attempt":
                    return None  # this learner already answered this question instance (all rolled back)
                # a concurrent first answer created the progress or a standing row: do it all again
        raise RuntimeError("could not record the attempt after three tries")

    def question_history(
        self, learner_id: int, question_id: str | None = None, class_id: int | None = None
    ) -> list[Encounter]:
        """Each time the learner met a question (one, or all): their answers, the questions they skipped, and
        the rounds closed in their classes (the classes they answered in, and `class_id`), oldest first."""
        attempts, sessions = _table(Attempt), _table(QuizSession)
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
            out += [Encounter(q, _utc(at), "answer", bool(ok)) for q, at, ok in conn.execute(answers)]
            out += [Encounter(q, _utc(at), "skipped") for q, at in conn.execute(skipped)]
            out += [Encounter(q, _utc(at), "round") for q, at in conn.execute(rounds)]
        return sorted(out, key=lambda s: s.at)

    # -- a class's burst: many answers to one round, one transaction ------------------------------
    def learner_ids(self, refs: list[LearnerRef]) -> list[int]:
        """The learner id of each ref (created on first sight, display names kept up to date), for many
        learners in one transaction: what `learner` does for one, with a few statements for all."""
        learners = _table(Learner)
        found: dict[tuple[str, str, str], int] = {}
        names = {(r.platform, r.workspace, r.user): r.display_name for r in refs}
        groups: dict[tuple[str, str], set[str]] = {}
        for platform, workspace, user in names:
            groups.setdefault((platform, workspace), set()).add(user)
        with self.engine.begin() as conn:
            for (platform, workspace), users in groups.items():
                where = [learners.c.platform == platform, learners.c.workspace == workspace]
                missing = [
                    Learner(
                        platform=platform,
                        workspace=workspace,
                        user_id=user,
                        display_name=(names[(platform, workspace, user)] or user)[:200],
                    ).model_dump(exclude={"id"})
                    for user in sorted(users)
                ]
                # first a write, so that SQLite takes its write lock now rather than fail to upgrade later
                conn.execute(_insert_ignore(conn, learners, ["platform", "workspace", "user_id"]), missing)
                rows = conn.execute(
                    select(learners.c.id, learners.c.user_id, learners.c.display_name).where(
                        *where, learners.c.user_id.in_(sorted(users))
                    )
                ).all()
                renamed = []
                for lid, user, shown in rows:
                    found[(platform, workspace, user)] = lid
                    name = (names[(platform, workspace, user)] or "")[:200]
                    if name and shown != name:
                        renamed.append({"lid": lid, "name": name})
                if renamed:
                    conn.execute(
                        update(learners)
                        .where(learners.c.id == bindparam("lid"))
                        .values(display_name=bindparam("name")),
                        renamed,
                    )
        return [found[(r.platform, r.workspace, r.user)] for r in refs]

    def answered_before(self, learner_ids: list[int], question_id: str) -> set[int]:
        """Which of these learners have answered this question before (their next answer is no first try)."""
        attempts = _table(Attempt)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(attempts.c.learner_id)
                .where(attempts.c.question_id == question_id, attempts.c.learner_id.in_(set(learner_ids)))
                .distinct()
            ).all()
        return {r[0] for r in rows}

    def record_round_attempts(
        self, session: QuizSession, answers: list[RoundAnswer], now: datetime, zone: str = "UTC"
    ) -> set[int]:
        """Append the attempts of many learners to one round and update their progress and standings, all in
        one transaction (a group commit: one commit for a class's burst instead of one per answer). Returns
        the learners whose attempt was recorded; a learner who had already answered the round (or appears
        twice) is not, and nothing of theirs changes. The same rows as `record_attempt` for each answer."""
        attempts, progress_t = _table(Attempt), _table(ConceptProgress)
        standing_t, weekly_t = _table(ClassStanding), _table(WeeklyStanding)
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
                        _insert_ignore(conn, attempts, ["session_id", "learner_id"]).returning(
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
                    _count_many(conn, standing_t, {"class_id": session.class_id or 0}, tallies)
                    if session.class_id is not None:
                        tz = conn.execute(
                            select(_table(ClassRoom).c.timezone).where(
                                _table(ClassRoom).c.id == session.class_id
                            )
                        ).scalar()
                        key = {"class_id": session.class_id, "week": monday_of(now, tz or zone)}
                        _count_many(conn, weekly_t, key, tallies)
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

    def attempts_of(self, learner_id: int) -> list[Attempt]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(select(Attempt).where(Attempt.learner_id == learner_id).order_by(col(Attempt.id)))
            )

    def attempt_count(self) -> int:
        with Session(self.engine) as s:
            return int(s.exec(select(func.count()).select_from(Attempt)).one())

    def progress_of(self, learner_id: int) -> dict[str, ConceptProgress]:
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(select(ConceptProgress).where(ConceptProgress.learner_id == learner_id))
            return {r.concept_id: r for r in rows}

    def leaderboard_rows(
        self,
        scope: Scope,
        since: datetime | None = None,
        top: int | None = None,
        me: int | None = None,
        week: date | None = None,
    ) -> list[tuple[int, str, int, int, int, int]]:
        """(learner id, name as shown, points, correct, rank, how many ranked), best first, in one query: from
        the class's weekly standings (`week`: the Monday of a class's week, see `monday_of`), from the standings
        (all time), or from the attempts through the (class_id, answered_at) index (since a time). The database
        leaves hidden learners out, applies pseudonyms and ranks (ties share a rank); with `top`, only the first
        `top` ranks and learner `me` come back. `scope` is a class id or a `Workspace`, never everyone."""
        from sqlalchemy import case

        if isinstance(scope, Workspace):
            class_id, members = None, scope
        elif isinstance(scope, int) and not isinstance(scope, bool):
            class_id, members = scope, None
        else:
            raise ValueError("a leaderboard is scoped to a class (its id) or a Workspace, never everyone")
        learners = _table(Learner)
        shown = case(
            ((learners.c.privacy == "pseudonym") & (learners.c.pseudonym != ""), learners.c.pseudonym),
            else_=learners.c.display_name,
        )
        if week is not None and class_id is None:
            raise ValueError("weekly standings are kept per class")
        if class_id is not None and top is not None and (week is not None or since is None):
            # one class's standings rows (weekly or all time): read from the top through the board index
            if week is not None:
                w = _table(WeeklyStanding)
                return self._top_of(w, [w.c.class_id == class_id, w.c.week == week], shown, top, me)
            c = _table(ClassStanding)
            return self._top_of(c, [c.c.class_id == class_id], shown, top, me)
        if week is not None:
            w = _table(WeeklyStanding)
            inner = (
                select(w.c.learner_id, w.c.points, w.c.correct)
                .where(w.c.class_id == class_id, w.c.week == week)
                .subquery()
            )
        elif since is None:
            t = _table(ClassStanding)
            points, correct = func.sum(t.c.points), func.sum(t.c.correct)
            stmt = select(t.c.learner_id, points, correct)
            if class_id is not None:
                stmt = stmt.where(t.c.class_id == class_id)
            inner = stmt.group_by(t.c.learner_id).subquery()
        else:
            t = _table(Attempt)
            points = func.sum(t.c.points)
            correct = func.sum(func.cast(t.c.correct, type_=_int()))
            stmt = select(t.c.learner_id, points, correct).where(t.c.answered_at >= since)
            if class_id is not None:
                stmt = stmt.where(t.c.class_id == class_id)
            inner = stmt.group_by(t.c.learner_id).subquery()
        cols = list(inner.c)
        ranked = (
            select(  # type: ignore[call-overload]  # SQLModel's overloads stop at 4 columns
                cols[0].label("learner_id"),
                shown.label("name"),
                cols[1].label("points"),
                cols[2].label("correct"),
                func.rank().over(order_by=(cols[1].desc(), cols[2].desc())).label("rank"),
                func.count().over().label("total"),
            )
            .join(learners, learners.c.id == cols[0])
            .where(learners.c.privacy != "hidden", *_members_of(learners, members))
            .subquery()
        )
        query = select(ranked)
        if top is not None:
            query = query.where((ranked.c.rank <= top) | (ranked.c.learner_id == (me or -1)))
        query = query.order_by(ranked.c.rank, func.lower(ranked.c.name), ranked.c.learner_id)
        with self.engine.connect() as conn:
            return [
                (
                    int(r.learner_id),
                    str(r.name),
                    int(r.points or 0),
                    int(r.correct or 0),
                    int(r.rank),
                    int(r.total),
                )
                for r in conn.execute(query)
            ]

    def _top_of(
        self, t, where: list, shown, top: int, me: int | None
    ) -> list[tuple[int, str, int, int, int, int]]:  # type: ignore[no-untyped-def]
        """The first `top` ranks (and learner `me`) of a standings table, without ranking every row: a class of
        thousands costs a few index reads, not a sort. Rows are walked best first through the board index
        (class, [week,] points, correct); ranks are 1 + the number of visible rows strictly better; how many
        are ranked is the class's row count less its hidden learners (found from the learner side)."""
        learners = _table(Learner)
        visible = learners.c.privacy != "hidden"
        joined = t.join(learners, learners.c.id == t.c.learner_id)
        rows_of = select(t.c.learner_id, shown.label("name"), t.c.points, t.c.correct).select_from(joined)

        def better(points: int, correct: int, or_equal: bool = False):  # type: ignore[no-untyped-def]
            last = t.c.correct >= correct if or_equal else t.c.correct > correct
            return (t.c.points > points) | ((t.c.points == points) & last)

        def count(*cond) -> int:  # type: ignore[no-untyped-def]
            everyone = conn.execute(select(func.count()).select_from(t).where(*where, *cond)).scalar() or 0
            hidden = (
                conn.execute(
                    select(func.count())
                    .select_from(joined)
                    .where(*where, *cond, learners.c.privacy == "hidden")
                ).scalar()
                or 0
            )
            return int(everyone) - int(hidden)

        with self.engine.connect() as conn:
            edge = conn.execute(
                select(t.c.points, t.c.correct)
                .select_from(joined)
                .where(*where, visible)
                .order_by(t.c.points.desc(), t.c.correct.desc())
                .offset(max(0, top - 1))
                .limit(1)
            ).first()
            head_q = rows_of.where(*where, visible)
            if edge is not None:  # every row tied with the last place shown is shown too
                head_q = head_q.where(better(edge.points, edge.correct, or_equal=True))
            head = [
                (int(r.learner_id), str(r.name), int(r.points), int(r.correct)) for r in conn.execute(head_q)
            ]
            if not head:
                return []
            total = count()
            keys = sorted((-p, -c) for _, _, p, c in head)
            rank_of: dict[tuple[int, int], int] = {}
            for i, key in enumerate(keys):
                rank_of.setdefault(key, i + 1)
            out = [(lid, name, p, c, rank_of[(-p, -c)], total) for lid, name, p, c in head]
            if me is not None and all(r[0] != me for r in out):
                mine = conn.execute(rows_of.where(*where, visible, t.c.learner_id == me)).first()
                if mine is not None:
                    rank = 1 + count(better(int(mine.points), int(mine.correct)))
                    out.append((me, str(mine.name), int(mine.points), int(mine.correct), rank, total))
        out.sort(key=lambda r: (r[4], r[1].lower(), r[0]))
        return out

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

    def take_request(self, learner_id: int, now: datetime, limit: int, window: int) -> int | None:
        """Count one request; None if within `limit` per `window` seconds, else the seconds to wait."""
        from datetime import timedelta

        from sqlalchemy import delete

        start = now - timedelta(seconds=window)
        with Session(self.engine) as s:
            recent = list(
                s.exec(
                    select(RequestLog.at)
                    .where(RequestLog.learner_id == learner_id, col(RequestLog.at) > start)
                    .order_by(col(RequestLog.at))
                )
            )
            if len(recent) >= limit:
                oldest = recent[-limit]
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
                return max(1, int((oldest - start).total_seconds()) + 1)
            s.add(RequestLog(learner_id=learner_id, at=now))
            s.exec(
                delete(RequestLog).where(
                    col(RequestLog.learner_id) == learner_id,  # type: ignore[call-overload]
                    col(RequestLog.at) <= start,
                )
            )
            s.commit()
            return None

    def first_delivery(self, platform: str, key: str, now: datetime) -> bool:
        """True the first time (platform, key) is seen; False for a redelivery (e.g. Slack's retries)."""
        with Session(self.engine) as s:
            s.add(DeliveredEvent(platform=platform, key=key[:200], received_at=now))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
                return False

    # -- the instructors' inbox ----------------------------------------------------------------
    # -- conversations ----------------------------------------------------------------------------
    def add_turn(self, learner_id: int, place: str, text: str, concepts: list[str], now: datetime) -> None:
        """Remember a question and the concepts its answer was about; a place keeps its last 20 turns."""
        with Session(self.engine) as s:
            s.add(
                ConversationTurn(
                    learner_id=learner_id, place=place, text=text, concepts=json.dumps(concepts), at=now
                )
            )
            old = s.exec(
                select(ConversationTurn.id)
                .where(ConversationTurn.learner_id == learner_id, ConversationTurn.place == place)
                .order_by(col(ConversationTurn.at).desc(), col(ConversationTurn.id).desc())
                .offset(20)
            ).all()
            if old:
                s.exec(delete(ConversationTurn).where(col(ConversationTurn.id).in_(old)))  # type: ignore[call-overload]
            s.commit()

    def recent_concepts(self, learner_id: int, place: str, since: datetime) -> list[str]:
        """The concepts of the learner's latest answered question in this place since `since` (the
        conversation a follow-up continues), best first; empty when there is none."""
        with Session(self.engine) as s:
            rows = s.exec(
                select(ConversationTurn.concepts)
                .where(
                    ConversationTurn.learner_id == learner_id,
                    ConversationTurn.place == place,
                    ConversationTurn.at >= since,
                )
                .order_by(col(ConversationTurn.at).desc(), col(ConversationTurn.id).desc())
                .limit(5)
            ).all()
        for concepts in rows:
            found = json.loads(concepts)
            if found:
                return list(found)
        return []

    def add_inbox(
        self,
        learner_id: int,
        class_id: int | None,
        text: str,
        closest: list[str],
        now: datetime,
        embedding: bytes | None = None,
        model: str = "",
    ) -> int:
        """A new inbox item, asked once by this learner (in these words, with their embedding if any)."""
        with Session(self.engine) as s:
            row = InboxQuestion(
                learner_id=learner_id,
                class_id=class_id,
                text=text[:4000],
                closest=json.dumps(closest),
                asked_at=now,
            )
            s.add(row)
            s.flush()
            s.add(
                InboxAsk(
                    inbox_id=row.id or 0,
                    learner_id=learner_id,
                    text=text[:4000],
                    asked_at=now,
                    embedding=embedding,
                    model=model[:200],
                )
            )
            s.commit()
            return row.id or 0

    def inbox_asks(self, platform: str, workspace: str) -> list[InboxAsk]:
        """Every asking of the workspace's open inbox items: what a new question is compared with."""
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(InboxAsk)
                    .join(InboxQuestion, col(InboxQuestion.id) == col(InboxAsk.inbox_id))
                    .join(Learner, col(Learner.id) == col(InboxQuestion.learner_id))
                    .where(
                        InboxQuestion.status == "open",
                        Learner.platform == platform,
                        Learner.workspace == workspace,
                    )
                    .order_by(col(InboxAsk.inbox_id), col(InboxAsk.id))
                )
            )

    def merge_inbox(
        self,
        item_id: int,
        learner_id: int,
        text: str,
        now: datetime,
        embedding: bytes | None = None,
        model: str = "",
    ) -> bool:
        """Count one more asking of an open item, and remember the learner as one of its askers (a learner
        asking again counts again, and is told once). False, and nothing written, if the item is no longer
        open (answered or dismissed meanwhile)."""
        with Session(self.engine) as s:
            counted = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(col(InboxQuestion.id) == item_id, col(InboxQuestion.status) == "open")
                .values(asked=InboxQuestion.asked + 1)
            )
            if not counted.rowcount:
                s.rollback()
                return False
            again = s.exec(  # type: ignore[call-overload]
                update(InboxAsk)
                .where(col(InboxAsk.inbox_id) == item_id, col(InboxAsk.learner_id) == learner_id)
                .values(times=InboxAsk.times + 1)
            )
            if not again.rowcount:
                s.add(
                    InboxAsk(
                        inbox_id=item_id,
                        learner_id=learner_id,
                        text=text[:4000],
                        asked_at=now,
                        embedding=embedding,
                        model=model[:200],
                    )
                )
            s.commit()
            return True

    def inbox_item(self, item_id: int) -> InboxQuestion | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(InboxQuestion, item_id)

    def inbox_askers(self, item_id: int) -> list[tuple[InboxAsk, str]]:
        """An item's askings, first first, with each asker's name."""
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(
                select(InboxAsk, Learner)
                .join(Learner, col(Learner.id) == col(InboxAsk.learner_id))
                .where(InboxAsk.inbox_id == item_id)
                .order_by(col(InboxAsk.asked_at), col(InboxAsk.id))
            )
            return [(ask, learner.display_name or learner.user_id) for ask, learner in rows]

    def answer_inbox(
        self, item_id: int, answer: str, by: int, now: datetime
    ) -> tuple[InboxQuestion, list[Notification]] | None:
        """Answer an open (or dismissed) item, and in the same transaction leave a notification for each of
        its askers, in their own words, claimed at `now` by the caller, who is to deliver them. None, and
        nothing written, if there is no such item or it was answered already (a second instructor, a retry)."""
        with Session(self.engine, expire_on_commit=False) as s:
            done = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(
                    col(InboxQuestion.id) == item_id,
                    col(InboxQuestion.status).in_(("open", "dismissed")),
                )
                .values(status="answered", answer=answer[:4000], answered_by=by, answered_at=now)
            )
            if not done.rowcount:
                s.rollback()
                return None
            notices = [
                Notification(
                    learner_id=ask.learner_id,
                    inbox_id=item_id,
                    question=ask.text,
                    answer=answer[:4000],
                    created_at=now,
                    claimed_at=now,
                )
                for ask in s.exec(
                    select(InboxAsk).where(InboxAsk.inbox_id == item_id).order_by(col(InboxAsk.id))
                )
            ]
            s.add_all(notices)
            s.commit()
            row = s.get(InboxQuestion, item_id)
            assert row is not None
            return row, notices

    def dismiss_inbox(self, item_id: int, by: int, now: datetime) -> bool:
        """Take an open item off the list, keeping who and when; False if it is not open."""
        with Session(self.engine) as s:
            done = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(col(InboxQuestion.id) == item_id, col(InboxQuestion.status) == "open")
                .values(status="dismissed", dismissed_by=by, dismissed_at=now)
            )
            s.commit()
            return bool(done.rowcount)

    def forwarded_count(self) -> int:
        """How many times questions were passed on to the instructors, merged duplicates included."""
        with Session(self.engine) as s:
            return int(s.exec(select(func.coalesce(func.sum(InboxQuestion.asked), 0))).one())

    # -- notifications ----------------------------------------------------------------------------
    def claim_notifications(
        self,
        now: datetime,
        lapsed: datetime,
        *,
        platform: str | None = None,
        learner_id: int | None = None,
        deliver: bool = False,
        limit: int = 100,
    ) -> list[tuple[Notification, Learner]]:
        """Undelivered notifications (of one platform's learners, or of one learner) that nobody holds: never
        claimed, or claimed before `lapsed` (a send that failed or died). Each is claimed at `now` with a
        conditional write, so two workers never take the same one; `deliver` marks them delivered at once
        (they are shown in the reply itself)."""
        pending = (
            select(Notification, Learner)
            .join(Learner, col(Learner.id) == col(Notification.learner_id))
            .where(
                col(Notification.delivered_at).is_(None),
                (col(Notification.claimed_at).is_(None)) | (col(Notification.claimed_at) < lapsed),
            )
        )
        if platform is not None:
            pending = pending.where(Learner.platform == platform)
        if learner_id is not None:
            pending = pending.where(Notification.learner_id == learner_id)
        out = []
        with Session(self.engine, expire_on_commit=False) as s:
            rows = list(s.exec(pending.order_by(col(Notification.id)).limit(limit)))
            for notice, learner in rows:
                values: dict[str, Any] = {"claimed_at": now}
                if deliver:
                    values["delivered_at"] = now
                taken = s.exec(  # type: ignore[call-overload]
                    update(Notification)
                    .where(
                        col(Notification.id) == notice.id,
                        col(Notification.delivered_at).is_(None),
                        (col(Notification.claimed_at).is_(None)) | (col(Notification.claimed_at) < lapsed),
                    )
                    .values(**values)
                )
                if taken.rowcount:
                    notice.claimed_at = now
                    if deliver:
                        notice.delivered_at = now
                    out.append((notice, learner))
            s.commit()
        return out

    def notification_sent(self, notice_id: int, delivered: bool, now: datetime) -> None:
        """After a send: delivered (never sent again), or released so the next look tries again."""
        with Session(self.engine) as s:
            values: dict[str, Any] = {"delivered_at": now} if delivered else {"claimed_at": None}
            s.exec(  # type: ignore[call-overload]
                update(Notification)
                .where(col(Notification.id) == notice_id, col(Notification.delivered_at).is_(None))
                .values(**values)
            )
            s.commit()

    def notifications_of(self, learner_id: int) -> list[Notification]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(Notification)
                    .where(Notification.learner_id == learner_id)
                    .order_by(col(Notification.id))
                )
            )

    def add_instructor_passage(
        self,
        course_id: str,
        concept_id: str,
        question: str,
        text: str,
        author: int,
        now: datetime,
        inbox_id: int | None = None,
    ) -> InstructorPassage:
        with Session(self.engine, expire_on_commit=False) as s:
            row = InstructorPassage(
                course_id=course_id,
                concept_id=concept_id,
                question=question[:4000],
                text=text[:4000],
                author_id=author,
                created_at=now,
            )
            s.add(row)
            if inbox_id is not None:
                item = s.get(InboxQuestion, inbox_id)
                if item is not None:
                    item.added_to_course = True
                    s.add(item)
            s.commit()
            return row

    def instructor_passage_count(self, course_id: str) -> int:
        with Session(self.engine) as s:
            return int(
                s.exec(
                    select(func.count())
                    .select_from(InstructorPassage)
                    .where(InstructorPassage.course_id == course_id)
                ).one()
            )

    def open_rounds_in(self, platform: str, workspace: str) -> list[QuizSession]:
        """Open class rounds in any channel of one workspace."""
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(QuizSession)
                    .join(ClassRoom, col(ClassRoom.id) == col(QuizSession.class_id))
                    .where(
                        QuizSession.kind == "round",
                        QuizSession.status == "open",
                        ClassRoom.platform == platform,
                        ClassRoom.workspace == workspace,
                    )
                )
            )

    def instructor_passages(self, course_id: str) -> list[InstructorPassage]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(InstructorPassage)
                    .where(InstructorPassage.course_id == course_id)
                    .order_by(col(InstructorPassage.id))
                )
            )

    def inbox(
        self, status: str = "open", platform: str | None = None, workspace: str | None = None
    ) -> list[InboxQuestion]:
        """Forwarded questions, of one workspace's learners if given (an instructor sees their own course's
        only): the most asked first, then the longest waiting."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(InboxQuestion).where(InboxQuestion.status == status)
            if platform is not None:
                stmt = stmt.join(Learner, col(Learner.id) == col(InboxQuestion.learner_id)).where(
                    Learner.platform == platform, Learner.workspace == workspace
                )
            order = (col(InboxQuestion.asked).desc(), col(InboxQuestion.asked_at), col(InboxQuestion.id))
            return list(s.exec(stmt.order_by(*order)))

    # -- progress, privacy, the learner's own data, class reports ------------------------------------

    def due_concepts(self, learner_id: int, now: datetime) -> list[ConceptProgress]:
        """The learner's concepts due for review at `now`, most overdue first."""
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(ConceptProgress)
                    .where(ConceptProgress.learner_id == learner_id, col(ConceptProgress.due) <= now)
                    .order_by(col(ConceptProgress.due))
                )
            )

    def next_due(self, learner_id: int) -> datetime | None:
        with Session(self.engine) as s:
            return s.exec(
                select(func.min(ConceptProgress.due)).where(ConceptProgress.learner_id == learner_id)
            ).one()

    def _update(self, model: type, row_id: int, fields: dict[str, object]):  # type: ignore[no-untyped-def]
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.get(model, row_id)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            s.add(row)
            s.commit()
            return row

    def update_learner(self, learner_id: int, **fields: object) -> Learner | None:
        return self._update(Learner, learner_id, fields)

    def update_class(self, class_id: int, **fields: object) -> ClassRoom | None:
        return self._update(ClassRoom, class_id, fields)

    def digest_candidates(self, now: datetime) -> list[tuple[Learner, int]]:
        """Learners who opted in to the digest, with how many concepts are due for them now."""
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(
                select(Learner, func.count(col(ConceptProgress.concept_id)))
                .join(ConceptProgress, col(ConceptProgress.learner_id) == col(Learner.id))
                .where(col(Learner.digest).is_(True), col(ConceptProgress.due) <= now)
                .group_by(col(Learner.id))
            )
            return [(learner, int(n)) for learner, n in rows]

    def learner_data(self, learner_id: int) -> dict:
        """Everything the tutor keeps about one learner (what /my-data exports)."""
        with Session(self.engine) as s:
            learner = s.get(Learner, learner_id)
            if learner is None:
                return {}
            attempts = s.exec(
                select(Attempt).where(Attempt.learner_id == learner_id).order_by(col(Attempt.id))
            ).all()
            progress = s.exec(select(ConceptProgress).where(ConceptProgress.learner_id == learner_id)).all()
            asks = s.exec(
                select(InboxAsk, InboxQuestion)
                .join(InboxQuestion, col(InboxQuestion.id) == col(InboxAsk.inbox_id))
                .where(InboxAsk.learner_id == learner_id)
                .order_by(col(InboxAsk.id))
            ).all()
            turns = s.exec(select(ConversationTurn).where(ConversationTurn.learner_id == learner_id)).all()
            notices = s.exec(
                select(Notification)
                .where(Notification.learner_id == learner_id)
                .order_by(col(Notification.id))
            ).all()
            reviews = s.exec(
                select(AnswerReview)
                .where(AnswerReview.learner_id == learner_id)
                .order_by(col(AnswerReview.id))
            ).all()
            decisions = s.exec(
                select(ReviewDecision)
                .join(AnswerReview, col(AnswerReview.id) == col(ReviewDecision.review_id))
                .where(AnswerReview.learner_id == learner_id)
                .order_by(col(ReviewDecision.id))
            ).all()
            review_notices = s.exec(
                select(ReviewNotice)
                .where(ReviewNotice.learner_id == learner_id)
                .order_by(col(ReviewNotice.id))
            ).all()
            by_review: dict[int, list[dict]] = {}
            for d in decisions:
                # the decision, without which instructor made it: that is the instructor's data
                by_review.setdefault(d.review_id, []).append(
                    d.model_dump(mode="json", exclude={"reviewer_id"})
                )
            return {
                "learner": learner.model_dump(mode="json"),
                "attempts": [a.model_dump(mode="json") for a in attempts],
                "progress": [p.model_dump(mode="json", exclude={"card"}) for p in progress],
                # their own askings, in their words; nothing about other askers of a merged question
                "questions_forwarded": [
                    {
                        "id": item.id,
                        "text": ask.text,
                        "asked_at": ask.model_dump(mode="json", include={"asked_at"})["asked_at"],
                        "times": ask.times,
                        "closest": json.loads(item.closest),
                        "status": item.status,
                        "answer": item.answer,
                        "answered_at": item.model_dump(mode="json", include={"answered_at"})["answered_at"],
                    }
                    for ask, item in asks
                ],
                "conversation": [t.model_dump(mode="json") for t in turns],
                "notifications": [n.model_dump(mode="json") for n in notices],
                "answer_reviews": [
                    {**r.model_dump(mode="json"), "decisions": by_review.get(r.id or 0, [])} for r in reviews
                ],
                "review_notices": [n.model_dump(mode="json") for n in review_notices],
            }

    @staticmethod
    def _forget_asker(s: Session, learner_id: int) -> None:
        """The learner leaves every inbox item they asked. An item others asked too stays, counted down, its
        first remaining asker (and their words) now its face; an item only they asked goes."""
        for ask in list(s.exec(select(InboxAsk).where(InboxAsk.learner_id == learner_id))):
            item = s.get(InboxQuestion, ask.inbox_id)
            s.delete(ask)
            s.flush()
            if item is None:
                continue
            rest = s.exec(
                select(InboxAsk)
                .where(InboxAsk.inbox_id == item.id)
                .order_by(col(InboxAsk.asked_at), col(InboxAsk.id))
            ).all()
            if not rest:
                s.exec(delete(Notification).where(col(Notification.inbox_id) == item.id))  # type: ignore[call-overload]
                s.delete(item)
                continue
            item.asked = max(len(rest), item.asked - ask.times)
            if item.learner_id == learner_id:
                first = rest[0]
                item.learner_id, item.text, item.asked_at = first.learner_id, first.text, first.asked_at
            s.add(item)
        # an item of theirs without askings (none since schema 0006 gave every item its asker) goes too
        for item in s.exec(select(InboxQuestion).where(InboxQuestion.learner_id == learner_id)).all():
            s.exec(delete(Notification).where(col(Notification.inbox_id) == item.id))  # type: ignore[call-overload]
            s.delete(item)
        s.flush()

    def forget_learner(self, learner_id: int) -> int:
        """Delete everything about a learner; returns how many attempts went. Rounds they started stay, unowned."""
        from sqlalchemy import delete

        with Session(self.engine) as s:
            n = len(s.exec(select(Attempt.id).where(Attempt.learner_id == learner_id)).all())
            # the reviews of their answers, with their audit and notices, go with the answers; decisions they
            # made as an instructor stay, unsigned (as an inbox answer does)
            mine = select(AnswerReview.id).where(AnswerReview.learner_id == learner_id)
            s.exec(delete(ReviewNotice).where(col(ReviewNotice.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ReviewDecision).where(col(ReviewDecision.review_id).in_(mine)))  # type: ignore[call-overload]
            s.exec(delete(AnswerReview).where(col(AnswerReview.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(
                update(ReviewDecision)
                .where(col(ReviewDecision.reviewer_id) == learner_id)  # type: ignore[call-overload]
                .values(reviewer_id=None)
            )
            s.exec(delete(Attempt).where(col(Attempt.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ConceptProgress).where(col(ConceptProgress.learner_id) == learner_id))
            s.exec(delete(ClassStanding).where(col(ClassStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(WeeklyStanding).where(col(WeeklyStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(Notification).where(col(Notification.learner_id) == learner_id))  # type: ignore[call-overload]
            self._forget_asker(s, learner_id)
            s.exec(delete(ConversationTurn).where(col(ConversationTurn.learner_id) == learner_id))  # type: ignore[call-overload]
            for who in ("answered_by", "dismissed_by"):
                s.exec(
                    update(InboxQuestion)
                    .where(col(getattr(InboxQuestion, who)) == learner_id)  # type: ignore[call-overload]
                    .values({who: None})
                )
            s.exec(
                update(InstructorPassage)
                .where(col(InstructorPassage.author_id) == learner_id)  # type: ignore[call-overload]
                .values(author_id=None)
            )
            s.exec(
                update(QuizSession)
                .where(col(QuizSession.created_by) == learner_id)  # type: ignore[call-overload]
                .values(created_by=None)
            )
            s.exec(delete(QuizSession).where(col(QuizSession.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(Learner).where(col(Learner.id) == learner_id))  # type: ignore[call-overload]
            s.commit()
            return n

    def _class_attempts_stmt(self, class_id: int | None, *columns):  # type: ignore[no-untyped-def]
        """The attempts of a class (their class is copied onto them: the (class_id, answered_at) index finds
        them), or every attempt."""
        stmt = select(*columns)
        if class_id is not None:
            stmt = stmt.where(Attempt.class_id == class_id)
        return stmt

    def class_learners(self, class_id: int | None, limit: int = 40) -> list[tuple[int, str, int]]:
        """(learner id, name, answers) of a class's most active learners, counted in SQL."""
        n = func.count(col(Attempt.id)).label("n")
        stmt = (
            self._class_attempts_stmt(class_id, Attempt.learner_id, n)
            .group_by(col(Attempt.learner_id))
            .order_by(n.desc(), col(Attempt.learner_id))
            .limit(limit)
        )
        with Session(self.engine) as s:
            top = [(int(lid), int(count)) for lid, count in s.exec(stmt)]
            if not top:
                return []
            ids = [t[0] for t in top]
            names: dict[int, str] = {}
            for i, name in s.exec(select(Learner.id, Learner.display_name).where(col(Learner.id).in_(ids))):
                assert i is not None  # a primary key
                names[int(i)] = name
        return [(lid, names.get(lid, "?"), count) for lid, count in top]

    def progress_for(self, learner_ids: list[int]) -> list[ConceptProgress]:
        if not learner_ids:
            return []
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(select(ConceptProgress).where(col(ConceptProgress.learner_id).in_(learner_ids)))
            )

    def answer_counts(self, class_id: int | None) -> list[tuple[str, str, bool, int]]:
        """(question id, answer, correct, how many) in a class, counted in SQL."""
        stmt = self._class_attempts_stmt(
            class_id, Attempt.question_id, Attempt.response, Attempt.correct, func.count(col(Attempt.id))
        ).group_by(col(Attempt.question_id), col(Attempt.response), col(Attempt.correct))
        with Session(self.engine) as s:
            return [(q, r, bool(ok), int(n)) for q, r, ok, n in s.exec(stmt)]

    def answer_times(self, class_id: int | None, since: datetime) -> list[tuple[datetime, int]]:
        """How many answers a class (or everyone) gave since `since`, per quarter of an hour (UTC start, count):
        every time zone's midnight falls on a quarter hour, so the caller can count them per local day without
        the database sending every answer's time."""
        from sqlalchemy import BigInteger, cast, extract

        if self.engine.dialect.name == "sqlite":
            epoch = cast(func.strftime("%s", Attempt.answered_at), BigInteger)
        else:
            epoch = cast(func.floor(extract("epoch", col(Attempt.answered_at))), BigInteger)
        quarter = (epoch // 900).label("quarter")
        stmt = (
            self._class_attempts_stmt(class_id, quarter, func.count())
            .where(col(Attempt.answered_at) >= since)
            .group_by(quarter)
        )
        with self.engine.connect() as conn:
            return [(datetime.fromtimestamp(int(q) * 900, UTC), int(n)) for q, n in conn.execute(stmt)]

    def all_progress(self) -> list[tuple[ConceptProgress, Learner]]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(ConceptProgress, Learner)
                    .join(Learner, col(Learner.id) == col(ConceptProgress.learner_id))
                    .order_by(col(Learner.id), col(ConceptProgress.concept_id))
                )
            )

    def learner_by_id(self, learner_id: int) -> Learner | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(Learner, learner_id)

    def learner_name(self, learner_id: int) -> str:
        with Session(self.engine) as s:
            row = s.get(Learner, learner_id)
            return (row.display_name or row.user_id) if row else "(deleted)"

    def claim_digest(self, learner_id: int, local_day: str) -> bool:
        """Mark today's digest as sent; False if it already was (by this or another worker)."""
        with Session(self.engine) as s:
            result = s.exec(  # type: ignore[call-overload]
                update(Learner)
                .where(col(Learner.id) == learner_id, col(Learner.digest_sent_on) != local_day)
                .values(digest_sent_on=local_day)
            )
            s.commit()
            return bool(result.rowcount)

    def all_learners(self) -> list[Learner]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(s.exec(select(Learner).order_by(col(Learner.id))))

    # -- instructor review of open-ended answers (schema 0007) ----------------------------------------
    def review_queue(
        self, platform: str, workspace: str, status: str = "pending", limit: int = 50
    ) -> tuple[list[ReviewItem], int]:
        """Queued answers of one workspace's learners, oldest first (up to `limit`), and how many there are."""
        where = (
            AnswerReview.status == status,
            Learner.platform == platform,
            Learner.workspace == workspace,
        )
        with Session(self.engine, expire_on_commit=False) as s:
            total = s.exec(
                select(func.count())
                .select_from(AnswerReview)
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .where(*where)
            ).one()
            rows = s.exec(
                select(AnswerReview, Attempt, Learner)
                .join(Attempt, col(Attempt.id) == col(AnswerReview.attempt_id))
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .where(*where)
                .order_by(col(AnswerReview.id))
                .limit(limit)
            ).all()
            sessions = {
                q.id: q
                for q in s.exec(
                    select(QuizSession).where(col(QuizSession.id).in_([a.session_id for _, a, _ in rows]))
                )
            }
        items = [ReviewItem(r, a, ln, sessions.get(a.session_id)) for r, a, ln in rows]
        return items, int(total)

    def review_item(self, review_id: int) -> ReviewItem | None:
        with Session(self.engine, expire_on_commit=False) as s:
            review = s.get(AnswerReview, review_id)
            if review is None:
                return None
            attempt = s.get(Attempt, review.attempt_id)
            learner = s.get(Learner, review.learner_id)
            if attempt is None or learner is None:
                return None
            return ReviewItem(review, attempt, learner, s.get(QuizSession, attempt.session_id))

    def decide_review(
        self,
        item: ReviewItem,
        *,
        action: str,
        reviewer_id: int,
        score: float,
        correct: bool,
        points: int,
        covered: list[int],
        comment: str,
        notice: str,
        now: datetime,
        rate: Rate,
        zone: str = "UTC",
    ) -> ReviewDecision | None:
        """Apply an instructor's decision on a queued answer in one transaction: the review's grade, and on a
        re-score the attempt's score, correctness and points, the learner's standings (all time and the week
        the answer counted in) and their progress on the concept (mastery and the review schedule replayed
        from every attempt on it, in order); the audit row; the notice to the learner. None when the item
        changed since `item` was read (another instructor decided first): nothing is applied then."""
        reviews, attempts, progress_t = _table(AnswerReview), _table(Attempt), _table(ConceptProgress)
        attempt = item.attempt
        status = "accepted" if action == "accept" else "overridden"
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(reviews)
                .where(reviews.c.id == item.review.id, reviews.c.version == item.review.version)
                .values(
                    status=status,
                    score=score,
                    covered=json.dumps(covered),
                    version=reviews.c.version + 1,
                )
            )
            if not moved.rowcount:
                return None
            d_points, d_correct = points - attempt.points, int(correct) - int(attempt.correct)
            if (score, correct, points) != (attempt.score, attempt.correct, attempt.points):
                conn.execute(
                    update(attempts)
                    .where(attempts.c.id == attempt.id)
                    .values(score=score, correct=correct, points=points)
                )
            # progress before standings, as record_attempt locks them: two transactions never wait on each other
            if score != attempt.score or correct != attempt.correct:
                key = (
                    progress_t.c.learner_id == attempt.learner_id,
                    progress_t.c.concept_id == attempt.concept_id,
                )
                locked = conn.execute(select(progress_t.c.attempts).where(*key).with_for_update()).first()
                if locked is not None:
                    history = conn.execute(
                        select(
                            attempts.c.question_id,
                            attempts.c.correct,
                            attempts.c.score,
                            attempts.c.answered_at,
                        )
                        .where(
                            attempts.c.learner_id == attempt.learner_id,
                            attempts.c.concept_id == attempt.concept_id,
                        )
                        .order_by(attempts.c.id)
                    ).all()
                    replayed = replay(((q, bool(ok), sc, _utc(at)) for q, ok, sc, at in history), rate)
                    conn.execute(
                        update(progress_t)
                        .where(*key)
                        .values(
                            mastery=replayed.mastery,
                            card=replayed.card,
                            due=replayed.due,
                            correct=replayed.correct,
                        )
                    )
            if d_points or d_correct:
                tally = {"points": d_points, "correct": d_correct}
                standing_t = _table(ClassStanding)
                conn.execute(
                    update(standing_t)
                    .where(
                        standing_t.c.learner_id == attempt.learner_id,
                        standing_t.c.class_id == (attempt.class_id or 0),
                    )
                    .values(**{k: standing_t.c[k] + v for k, v in tally.items()})
                )
                if attempt.class_id is not None:
                    weekly_t, rooms = _table(WeeklyStanding), _table(ClassRoom)
                    tz = conn.execute(select(rooms.c.timezone).where(rooms.c.id == attempt.class_id)).scalar()
                    # the week the answer counted in, in the class's zone now (as rebuild_weekly_standings counts
                    # it); were the zone changed since and that week's row missing, there is nothing to move
                    conn.execute(
                        update(weekly_t)
                        .where(
                            weekly_t.c.class_id == attempt.class_id,
                            weekly_t.c.week == monday_of(attempt.answered_at, tz or zone),
                            weekly_t.c.learner_id == attempt.learner_id,
                        )
                        .values(**{k: weekly_t.c[k] + v for k, v in tally.items()})
                    )
            decision_t = _table(ReviewDecision)
            values: dict[str, Any] = {
                "review_id": item.review.id,
                "reviewer_id": reviewer_id,
                "action": action,
                "old_score": attempt.score,
                "new_score": score,
                "old_points": attempt.points,
                "new_points": points,
                "covered": json.dumps(covered),
                "comment": comment[:1000],
                "at": now,
            }
            decision_id = conn.execute(
                insert(decision_t).values(**values).returning(decision_t.c.id)
            ).scalar()
            conn.execute(
                insert(_table(ReviewNotice)).values(
                    learner_id=attempt.learner_id,
                    decision_id=decision_id,
                    text=notice[:4000],
                    created_at=now,
                    delivered_at=None,
                )
            )
        return ReviewDecision(id=decision_id, **values)

    def review_decisions(self, review_id: int) -> list[ReviewDecision]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(ReviewDecision)
                    .where(ReviewDecision.review_id == review_id)
                    .order_by(col(ReviewDecision.id))
                )
            )

    def pending_review_notices(
        self, platform: str | None = None, learner_id: int | None = None
    ) -> list[tuple[ReviewNotice, Learner]]:
        """The notices not yet sent, of one platform's learners or of one learner, oldest first."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = (
                select(ReviewNotice, Learner)
                .join(Learner, col(Learner.id) == col(ReviewNotice.learner_id))
                .where(col(ReviewNotice.delivered_at).is_(None))
            )
            if platform is not None:
                stmt = stmt.where(Learner.platform == platform)
            if learner_id is not None:
                stmt = stmt.where(ReviewNotice.learner_id == learner_id)
            return [(n, ln) for n, ln in s.exec(stmt.order_by(col(ReviewNotice.id)))]

    def claim_review_notice(self, notice_id: int, now: datetime) -> bool:
        """Mark a notice as sent before sending it; False if another worker took it first. A worker that
        cannot send it gives it back (`release_review_notices`)."""
        notices = _table(ReviewNotice)
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(notices)
                .where(notices.c.id == notice_id, notices.c.delivered_at.is_(None))
                .values(delivered_at=now)
            )
            return bool(moved.rowcount)

    def release_review_notices(self, notice_ids: list[int]) -> None:
        """Give notices back for the next try (sending them failed)."""
        if not notice_ids:
            return
        notices = _table(ReviewNotice)
        with self.engine.begin() as conn:
            conn.execute(update(notices).where(notices.c.id.in_(notice_ids)).values(delivered_at=None))

    def export_review_decisions(self) -> Iterator[DecisionRow]:
        """Every /review-answers decision, oldest first, with the learner and the instructor."""
        reviewer = aliased(Learner)
        with Session(self.engine) as s:
            stmt = (
                select(  # type: ignore[call-overload]
                    ReviewDecision.id,
                    ReviewDecision.review_id,
                    Learner.platform,
                    Learner.workspace,
                    Learner.user_id,
                    AnswerReview.question_id,
                    ReviewDecision.action,
                    ReviewDecision.old_score,
                    ReviewDecision.new_score,
                    ReviewDecision.old_points,
                    ReviewDecision.new_points,
                    ReviewDecision.covered,
                    ReviewDecision.comment,
                    reviewer.user_id,
                    ReviewDecision.at,
                )
                .join(AnswerReview, col(AnswerReview.id) == col(ReviewDecision.review_id))
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .outerjoin(reviewer, col(reviewer.id) == col(ReviewDecision.reviewer_id))
                .order_by(col(ReviewDecision.id))
            )
            for (
                did,
                rid,
                platform,
                workspace,
                user,
                qid,
                action,
                o_s,
                n_s,
                o_p,
                n_p,
                cov,
                note,
                who,
                at,
            ) in s.exec(stmt):
                yield DecisionRow(
                    did,
                    rid,
                    platform,
                    workspace,
                    user,
                    qid,
                    action,
                    o_s,
                    n_s,
                    o_p,
                    n_p,
                    cov,
                    note,
                    who or "",
                    at,
                )

    def instructor_labels(self) -> list[tuple[AnswerReview, str, list[int]]]:
        """Answers an instructor re-scored: (the review, the answer, the rubric points of the latest re-score),
        oldest first. The calibration set of the grader: the points are an instructor's, not the grader's."""
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(
                select(AnswerReview, Attempt.response, ReviewDecision.covered)
                .join(Attempt, col(Attempt.id) == col(AnswerReview.attempt_id))
                .join(ReviewDecision, col(ReviewDecision.review_id) == col(AnswerReview.id))
                .where(ReviewDecision.action == "override")
                .order_by(col(AnswerReview.id), col(ReviewDecision.id))
            ).all()
        latest: dict[int, tuple[AnswerReview, str, list[int]]] = {}
        for review, response, covered in rows:
            latest[review.id or 0] = (review, response, json.loads(covered))
        return list(latest.values())


def monday_of(moment: datetime, tz: str) -> date:
    """The Monday that starts `moment`'s week in time zone `tz`: the key of the weekly standings. A naive
    `moment` is UTC, as the database keeps times."""
    from bot.progress.report import week_start

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return week_start(moment, tz).date()


def rebuild_weekly_standings(conn, default_zone: str) -> int:  # type: ignore[no-untyped-def]
    """Fill weekly_standing from the attempts (migration 0004 and the scale bench), as `record_attempt` would
    have: each attempt in a class counted in the week that starts Monday in the class's zone (`default_zone`
    for a class without one). Streams the attempts, writes in batches; returns the rows written."""
    import sqlalchemy as sa

    zones = {
        int(i): tz or default_zone for i, tz in conn.execute(sa.text("SELECT id, timezone FROM class_room"))
    }
    tally: dict[tuple[int, date, int], list[int]] = {}
    query = sa.text(
        "SELECT class_id, learner_id, answered_at, points, correct FROM attempt WHERE class_id IS NOT NULL"
    ).execution_options(stream_results=True, yield_per=20_000)  # this statement only, not the connection
    rows = conn.execute(query)
    for class_id, learner_id, answered_at, points, correct in rows:
        if isinstance(answered_at, str):  # SQLite's text, through a raw query
            answered_at = datetime.fromisoformat(answered_at)
        key = (int(class_id), monday_of(answered_at, zones.get(int(class_id), default_zone)), int(learner_id))
        row = tally.setdefault(key, [0, 0, 0])
        row[0] += int(points or 0)
        row[1] += int(bool(correct))
        row[2] += 1
    table = _table(WeeklyStanding)
    items = [
        {"class_id": c, "week": w, "learner_id": ln, "points": p, "correct": ok, "answers": n}
        for (c, w, ln), (p, ok, n) in tally.items()
    ]
    for start in range(0, len(items), 10_000):
        conn.execute(insert(table), items[start : start + 10_000])
    return len(items)


def _count(conn, table, key: dict[str, object], tally: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Add one answer and its tally to the standing row at `key`, creating the row on the first answer. A
    concurrent first answer makes the insert fail; the caller's transaction then starts again."""
    where = [table.c[k] == v for k, v in key.items()]
    moved = conn.execute(
        update(table)
        .where(*where)
        .values(answers=table.c.answers + 1, **{k: table.c[k] + v for k, v in tally.items()})
    )
    if not moved.rowcount:
        conn.execute(insert(table).values(**key, answers=1, **tally))


def _insert_ignore(conn, table: Table, unique: list[str]):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT (unique) DO NOTHING, in the connection's dialect (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing(index_elements=unique)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=unique)


def _count_many(conn, table, key: dict[str, object], tallies: dict[int, dict[str, int]]) -> None:  # type: ignore[no-untyped-def]
    """`_count` for many learners at once: each learner's tally added to their row at `key` (+ learner_id),
    the rows of learners without one created. A concurrent first answer makes an insert fail; the caller's
    transaction then starts again."""
    where = [table.c[k] == v for k, v in key.items()]
    existing = {
        r[0]
        for r in conn.execute(
            select(table.c.learner_id).where(*where, table.c.learner_id.in_(sorted(tallies)))
        ).all()
    }
    fields = list(next(iter(tallies.values())))
    if existing:
        conn.execute(
            update(table)
            .where(*where, table.c.learner_id == bindparam("lid"))
            .values(answers=table.c.answers + 1, **{f: table.c[f] + bindparam(f"add_{f}") for f in fields}),
            [{"lid": lid, **{f"add_{f}": tallies[lid][f] for f in fields}} for lid in sorted(existing)],
        )
    new = [lid for lid in sorted(tallies) if lid not in existing]
    if new:
        conn.execute(insert(table), [{**key, "learner_id": lid, "answers": 1, **tallies[lid]} for lid in new])


def _members_of(learners: Table, members: Workspace | None) -> list[Any]:
    """The condition that keeps a workspace's learners only (none for a class: its rows are its own)."""
    if members is None:
        return []
    return [learners.c.platform == members.platform, learners.c.workspace == members.workspace]


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


def _utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _table(model: type[SQLModel]) -> Table:
    """The Core table of a table model, typed: SQLModel's stubs do not declare `__table__`."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _int():  # type: ignore[no-untyped-def]
    from sqlalchemy import Integer

    return Integer()
