"""The outbox's claim: a lease per entry, and learners a worker cannot message never hold back the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot import events as E
from bot.storage.models import OutboxEntry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _owe(store, user: str, n: int = 1) -> int:
    learner = store.learner(E.LearnerRef("slack", "T1", user, display_name=user))
    with Session(store.engine) as s:
        for i in range(n):
            s.add(
                OutboxEntry(learner_id=learner.id, kind="answer", question="q", text=f"a{i}", created_at=NOW)
            )
        s.commit()
    return learner.id


def test_entries_of_learners_nobody_here_can_message_do_not_hold_back_the_rest(store):
    gone = _owe(store, "U0GONE", 250)  # a learner who left the workspace: more than a page of entries
    ada = _owe(store, "U0ADA")
    lapsed = NOW - timedelta(minutes=5)
    taken = store.claim_outbox(NOW, lapsed, platform="slack", accept=lambda learner: learner.id != gone)
    assert [(entry.learner_id, entry.text) for entry, _ in taken] == [(ada, "a0")]
    # claimed: nobody takes it again while the lease holds, and the skipped entries stay unclaimed for a
    # worker that can send them
    assert store.claim_outbox(NOW, lapsed, platform="slack", accept=lambda learner: learner.id != gone) == []
    assert len(store.claim_outbox(NOW, lapsed, platform="slack", limit=300)) == 250
