"""The learners' outbox: every message a learner is owed (an instructor's answer to their question, the outcome
of a review of their answer), one row each, kept until delivered. Whoever sends one claims it first with a
conditional write (two workers never send the same one); the claim is a lease: reported delivered, it is never
sent again; given back, or never reported (the sender failed or died), it is taken again (schema 0009).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import Learner, OutboxEntry

ANSWER = "answer"  # an instructor's answer to the learner's question; ref_id: the inbox item
REVIEW = "review"  # the outcome of an instructor's review of the learner's answer; ref_id: the decision
KINDS = (ANSWER, REVIEW)
PAGES = 20  # a claim looks at most this many pages of `limit` entries


def _claimable(lapsed: datetime) -> Any:
    """Not delivered, and nobody holds it: never claimed, given back, or claimed before `lapsed`."""
    return col(OutboxEntry.delivered_at).is_(None) & (
        col(OutboxEntry.claimed_at).is_(None) | (col(OutboxEntry.claimed_at) < lapsed)
    )


def forget_about(s: Session, kind: str, ref_id: int) -> None:
    """Drop the entries about something that goes (an inbox item nobody asks any more)."""
    s.exec(delete(OutboxEntry).where(col(OutboxEntry.kind) == kind, col(OutboxEntry.ref_id) == ref_id))  # type: ignore[call-overload]


class OutboxStore(StoreBase):
    """The outbox: claim with a lease, report, read a learner's entries."""

    def claim_outbox(
        self,
        now: datetime,
        lapsed: datetime,
        *,
        platform: str | None = None,
        learner_id: int | None = None,
        deliver: bool = False,
        accept: Callable[[Learner], bool] | None = None,
        limit: int = 100,
    ) -> list[tuple[OutboxEntry, Learner]]:
        """Undelivered entries (of one platform's learners, or of one learner) that nobody holds: never claimed,
        given back, or claimed before `lapsed` (a send that died). Each is claimed at `now` with a conditional
        write, so two workers never take the same one, oldest first; learners `accept` says no to are left for
        another worker. `deliver` marks them delivered at once (they are shown in the reply itself)."""
        pending = (
            select(OutboxEntry, Learner)
            .join(Learner, col(Learner.id) == col(OutboxEntry.learner_id))
            .where(_claimable(lapsed))
        )
        if platform is not None:
            pending = pending.where(Learner.platform == platform)
        if learner_id is not None:
            pending = pending.where(OutboxEntry.learner_id == learner_id)
        values: dict[str, Any] = {"claimed_at": now, **({"delivered_at": now} if deliver else {})}
        out: list[tuple[OutboxEntry, Learner]] = []
        after = 0
        with Session(self.engine, expire_on_commit=False) as s:
            # page on past entries `accept` leaves (learners this worker cannot message, who may never be
            # reachable again) so that they do not hold back the ones behind them
            for _ in range(PAGES):
                page = pending.where(col(OutboxEntry.id) > after)
                rows = list(s.exec(page.order_by(col(OutboxEntry.id)).limit(limit)))
                for entry, learner in rows:
                    after = entry.id or after
                    if len(out) >= limit or (accept is not None and not accept(learner)):
                        continue
                    taken = s.exec(  # type: ignore[call-overload]
                        update(OutboxEntry)
                        .where(col(OutboxEntry.id) == entry.id, _claimable(lapsed))
                        .values(**values)
                    )
                    if taken.rowcount:
                        for key, value in values.items():
                            setattr(entry, key, value)
                        out.append((entry, learner))
                if len(out) >= limit or len(rows) < limit:
                    break
            s.commit()
        return out

    def outbox_sent(self, entry_id: int, delivered: bool, now: datetime) -> None:
        """After a send: delivered (never sent again), or given back so that the next look takes it. A report
        on an entry already delivered changes nothing (a late failure cannot undo a delivery)."""
        values: dict[str, Any] = {"delivered_at": now} if delivered else {"claimed_at": None}
        with Session(self.engine) as s:
            s.exec(  # type: ignore[call-overload]
                update(OutboxEntry)
                .where(col(OutboxEntry.id) == entry_id, col(OutboxEntry.delivered_at).is_(None))
                .values(**values)
            )
            s.commit()

    def outbox_of(self, learner_id: int, kind: str | None = None) -> list[OutboxEntry]:
        """A learner's entries, delivered or not, oldest first (of one kind, or all)."""
        stmt = select(OutboxEntry).where(OutboxEntry.learner_id == learner_id)
        if kind is not None:
            stmt = stmt.where(OutboxEntry.kind == kind)
        with Session(self.engine, expire_on_commit=False) as s:
            return list(s.exec(stmt.order_by(col(OutboxEntry.id))))
