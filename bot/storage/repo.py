"""Repository functions: every read and write the tutor makes, each in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from bot.events import ClassRef, LearnerRef
from bot.progress import spaced, update_mastery
from bot.storage.models import (
    Attempt,
    ClassRoom,
    ClassStanding,
    ConceptProgress,
    ConversationTurn,
    DeliveredEvent,
    InboxQuestion,
    InstructorPassage,
    Learner,
    QuizSession,
    RequestLog,
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
class RoundAnswer:
    """One learner's graded answer to a class round, to be recorded with the others that came with it."""

    learner_id: int
    correct: bool
    score: float
    response: str
    points: int
    first_try: bool
    rating: int | None = None


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
        """Put a question to one learner; an earlier unanswered question of theirs is skipped."""
        with Session(self.engine, expire_on_commit=False) as s:
            s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(
                    col(QuizSession.learner_id) == learner_id,
                    col(QuizSession.kind) == "solo",
                    col(QuizSession.status) == "open",
                )
                .values(status="skipped", closed_at=now, version=QuizSession.version + 1)
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
    ) -> Attempt | None:
        """Append the attempt and update progress and standings in one transaction; None if this learner
        already answered it. An attempt in a class also counts towards the class's week, which starts Monday in
        the class's time zone (`zone` when the class has none).

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
                    card, due = spaced.review(row.card if row else "", rating or (3 if correct else 1), now)
                    fields = {
                        "attempts": (row.attempts if row else 0) + 1,
                        "correct": (row.correct if row else 0) + int(correct),
                        "mastery": update_mastery(row.mastery if row else 0.0, score),
                        "last_answered_at": now,
                        "card": card,
                        "due": due,
                    }
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
            card, due = spaced.review(row.card if row else "", a.rating or (3 if a.correct else 1), now)
            fields = {
                "attempts": (row.attempts if row else 0) + 1,
                "correct": (row.correct if row else 0) + int(a.correct),
                "mastery": update_mastery(row.mastery if row else 0.0, a.score),
                "last_answered_at": now,
                "card": card,
                "due": due,
            }
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

    def totals(
        self, class_id: int | None = None, since: datetime | None = None
    ) -> list[tuple[int, str, int, int]]:
        """(learner_id, name, points, correct answers) per learner, within a class and since a time if given.

        All time: from the class_standing rows kept with each attempt. Since a time: summed over the attempts in
        range, found through the (class_id, answered_at) index. Names are fetched for the learners found only.
        """
        with Session(self.engine) as s:
            if since is None:
                stmt = select(
                    ClassStanding.learner_id, func.sum(ClassStanding.points), func.sum(ClassStanding.correct)
                )
                if class_id is not None:
                    stmt = stmt.where(ClassStanding.class_id == class_id)
                stmt = stmt.group_by(col(ClassStanding.learner_id))
            else:
                correct = func.sum(func.cast(col(Attempt.correct), type_=_int()))
                stmt = select(Attempt.learner_id, func.sum(Attempt.points), correct).where(
                    col(Attempt.answered_at) >= since
                )
                if class_id is not None:
                    stmt = stmt.where(Attempt.class_id == class_id)
                stmt = stmt.group_by(col(Attempt.learner_id))
            rows = [(int(i), int(p or 0), int(c or 0)) for i, p, c in s.exec(stmt)]
            names: dict[int, str] = {}
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                for i, n in s.exec(
                    select(Learner.id, Learner.display_name).where(col(Learner.id).in_(chunk))
                ):
                    assert i is not None  # a primary key
                    names[int(i)] = str(n)
        return [(i, names.get(i, "?"), p, c) for i, p, c in rows]

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
        self, learner_id: int, class_id: int | None, text: str, closest: list[str], now: datetime
    ) -> int:
        with Session(self.engine) as s:
            row = InboxQuestion(
                learner_id=learner_id,
                class_id=class_id,
                text=text[:4000],
                closest=json.dumps(closest),
                asked_at=now,
            )
            s.add(row)
            s.commit()
            return row.id or 0

    def inbox_item(self, item_id: int) -> InboxQuestion | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(InboxQuestion, item_id)

    def answer_inbox(self, item_id: int, answer: str, by: int, now: datetime) -> InboxQuestion | None:
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.get(InboxQuestion, item_id)
            if row is None:
                return None
            row.status, row.answer, row.answered_by, row.answered_at = "answered", answer[:4000], by, now
            s.add(row)
            s.commit()
            return row

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
        """Forwarded questions, of one workspace's learners if given (an instructor sees their own course's only)."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(InboxQuestion).where(InboxQuestion.status == status)
            if platform is not None:
                stmt = stmt.join(Learner, col(Learner.id) == col(InboxQuestion.learner_id)).where(
                    Learner.platform == platform, Learner.workspace == workspace
                )
            return list(s.exec(stmt.order_by(col(InboxQuestion.id))))

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
            inbox = s.exec(select(InboxQuestion).where(InboxQuestion.learner_id == learner_id)).all()
            turns = s.exec(select(ConversationTurn).where(ConversationTurn.learner_id == learner_id)).all()
            return {
                "learner": learner.model_dump(mode="json"),
                "attempts": [a.model_dump(mode="json") for a in attempts],
                "progress": [p.model_dump(mode="json", exclude={"card"}) for p in progress],
                "questions_forwarded": [i.model_dump(mode="json") for i in inbox],
                "conversation": [t.model_dump(mode="json") for t in turns],
            }

    def forget_learner(self, learner_id: int) -> int:
        """Delete everything about a learner; returns how many attempts went. Rounds they started stay, unowned."""
        from sqlalchemy import delete

        with Session(self.engine) as s:
            n = len(s.exec(select(Attempt.id).where(Attempt.learner_id == learner_id)).all())
            s.exec(delete(Attempt).where(col(Attempt.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ConceptProgress).where(col(ConceptProgress.learner_id) == learner_id))
            s.exec(delete(ClassStanding).where(col(ClassStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(WeeklyStanding).where(col(WeeklyStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(InboxQuestion).where(col(InboxQuestion.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ConversationTurn).where(col(ConversationTurn.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(
                update(InboxQuestion)
                .where(col(InboxQuestion.answered_by) == learner_id)  # type: ignore[call-overload]
                .values(answered_by=None)
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


def _table(model: type[SQLModel]) -> Table:
    """The Core table of a table model, typed: SQLModel's stubs do not declare `__table__`."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _int():  # type: ignore[no-untyped-def]
    from sqlalchemy import Integer

    return Integer()
