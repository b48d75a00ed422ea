"""Progress per learner and concept (mastery, the FSRS card, the next review), as attempts left it: reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import ConceptProgress, Learner


class ConceptStore(StoreBase):
    """ConceptProgress rows, read (attempts and reviews write them)."""

    def progress_of(self, learner_id: int) -> dict[str, ConceptProgress]:
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(select(ConceptProgress).where(ConceptProgress.learner_id == learner_id))
            return {r.concept_id: r for r in rows}

    def progress_for(self, learner_ids: list[int]) -> list[ConceptProgress]:
        if not learner_ids:
            return []
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(select(ConceptProgress).where(col(ConceptProgress.learner_id).in_(learner_ids)))
            )

    def all_progress(self) -> list[tuple[ConceptProgress, Learner]]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(ConceptProgress, Learner)
                    .join(Learner, col(Learner.id) == col(ConceptProgress.learner_id))
                    .order_by(col(Learner.id), col(ConceptProgress.concept_id))
                )
            )

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
