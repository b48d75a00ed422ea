"""The learners' outbox, handed out: every message a learner is owed (an instructor's answer to their question,
the outcome of an instructor's review of their answer), kept in one table (bot/storage/outbox.py) and sent one
way. A sender takes entries with a lease (`due`: one `Notice` per learner) and reports each (`sent`): delivered,
it is never sent again; given back, it goes out on the next look; never reported (the sender died mid-send),
its lease lapses after `LEASE` and the next look takes it. Slack, Discord and the webhook send them as direct
messages through the shared worker; the console, which has none, shows a learner's at the start of their next
session (`on_session_start`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit
from bot.safety import defuse_reply
from bot.storage.models import Learner, OutboxEntry
from bot.storage.outbox import ANSWER, REVIEW

# An entry taken for sending and not reported within this long is taken again (its sender failed or died).
LEASE = timedelta(minutes=5)

# what an entry is called in the log, one and several
WHAT = {
    ANSWER: ("an instructor's answer", "instructors' answers"),
    REVIEW: ("a review notice", "review notices"),
}
NOTICE = ("a notice", "notices")


@dataclass(frozen=True)
class Notice:
    """One direct message owed to one learner: its replies, and the outbox entries behind them (`ids`, of
    `kinds`), which the sender reports together with `sent`."""

    to: E.LearnerRef
    replies: list[R.Reply]
    ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        """For the log: "a review notice (outbox 7)", "notices (outbox 3, 4)"."""
        one, many = WHAT.get(self.kinds[0], NOTICE) if len(set(self.kinds)) == 1 else NOTICE
        label = one if len(self.ids) == 1 else many
        return f"{label} (outbox {', '.join(map(str, self.ids))})"


def text_of(entry: OutboxEntry) -> str:
    """What the learner reads: an answer with the question they asked, in their words; a review's outcome as
    it was written when the instructor decided."""
    if entry.kind == ANSWER:
        return (
            "An instructor answered the question you asked the tutor.\n"
            f'You asked: "{entry.question}"\n'
            f"Answer: {entry.text}"
        )
    return entry.text


def learner_ref(learner: Learner) -> E.LearnerRef:
    return E.LearnerRef(learner.platform, learner.workspace, learner.user_id, learner.display_name)


def direct_message(entry: OutboxEntry, learner: Learner) -> R.DirectMessage:
    """An entry the caller holds, as the direct message it sends at once (an instructor's answer, to each asker)."""
    return R.DirectMessage(learner_ref(learner), text_of(entry), entry.id or 0)


def due(
    ctx: Kit, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
) -> list[Notice]:
    """What this platform's learners are owed and nobody is sending (never sent, given back, or its sender's
    lease lapsed), taken for the caller with a lease: one Notice per learner, oldest entries first. Learners
    `deliverable` says no to are not taken: they are left for a worker that can message them."""
    now = ctx.clock()
    taken = ctx.store.claim_outbox(
        now, now - LEASE, platform=platform, accept=lambda learner: deliverable(learner_ref(learner))
    )
    out: dict[int, tuple[E.LearnerRef, list[R.Reply], list[int], list[str]]] = {}
    for entry, learner in taken:
        to, replies, ids, kinds = out.setdefault(learner.id or 0, (learner_ref(learner), [], [], []))
        replies.append(defuse_reply(R.Text(text_of(entry))))  # an instructor's words are in it
        ids.append(entry.id or 0)
        kinds.append(entry.kind)
    return [Notice(to, replies, tuple(ids), tuple(kinds)) for to, replies, ids, kinds in out.values()]


def sent(ctx: Kit, entry_id: int, delivered: bool) -> None:
    """Report one entry taken for sending: delivered, or given back for the next look."""
    ctx.store.outbox_sent(entry_id, delivered, ctx.clock())


def on_session_start(ev: E.SessionStart, ctx: Kit) -> list[R.Reply]:
    """What the learner is owed since their last session, shown now (and so delivered)."""
    learner = ctx.store.find_learner(ev.learner.platform, ev.learner.workspace, ev.learner.user)
    if learner is None:
        return []
    now = ctx.clock()
    taken = ctx.store.claim_outbox(now, now - LEASE, learner_id=learner.id, deliver=True)
    return [R.Text(text_of(entry), kind="notice") for entry, _ in taken]


HANDLERS: dict[type[E.Event], Handler] = {E.SessionStart: on_session_start}
