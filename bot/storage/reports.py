"""Class reports: a class's most active learners, its answers per question, and when it answers, counted in SQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import Attempt, Learner


class ReportStore(StoreBase):
    """Aggregates over a class's attempts (or everyone's)."""

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
