"""Delivery: events seen once (platform retries) and the per-learner rate limit. What learners are owed a
message about is the outbox's (bot/storage/outbox.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import DeliveredEvent, RequestLog


class DeliveryStore(StoreBase):
    """Delivered events, request log."""

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

    def take_request(self, learner_id: int, now: datetime, limit: int, window: int) -> int | None:
        """Count one request; None if within `limit` per `window` seconds, else the seconds to wait."""
        from datetime import timedelta

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
