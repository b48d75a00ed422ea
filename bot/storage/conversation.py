"""Conversations: recent turns per learner and place, so a follow-up continues after a restart or elsewhere."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import ConversationTurn


class ConversationStore(StoreBase):
    """Conversation turns: a place keeps its last 20."""

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
        return self.recent_turn(learner_id, place, since)[1]

    def recent_turn(self, learner_id: int, place: str, since: datetime) -> tuple[str, list[str]]:
        """The learner's latest answered question in this place since `since` and its concepts, best first;
        ("", []) when there is none."""
        with Session(self.engine) as s:
            rows = s.exec(
                select(ConversationTurn.text, ConversationTurn.concepts)
                .where(
                    ConversationTurn.learner_id == learner_id,
                    ConversationTurn.place == place,
                    ConversationTurn.at >= since,
                )
                .order_by(col(ConversationTurn.at).desc(), col(ConversationTurn.id).desc())
                .limit(5)
            ).all()
        for text, concepts in rows:
            found = json.loads(concepts)
            if found:
                return text, list(found)
        return "", []
