"""Delivery: events seen once (platform retries), the per-learner rate limit, and the notifications left for
learners, claimed with a conditional write so two workers never send the same one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import DeliveredEvent, Learner, Notification, RequestLog


class DeliveryStore(StoreBase):
    """Delivered events, request log, notifications."""

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
