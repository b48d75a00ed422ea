"""The Platform port: what the worker (bot/worker.py) needs of a chat platform, and nothing more.

An adapter implements it to run the shared `Worker` (round closer, digest sender, notices): it posts to a
class's channel, sends direct messages to a learner, takes a closed round's buttons off its message, says whom
it can address, and reports its own health. How it does so (threads or an event loop, uploads before text,
a DM channel opened first) is the adapter's business; the worker decides only what is sent, when, and what
happens when sending fails. No platform SDK is imported here."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot import events as E
from bot import replies as R


@runtime_checkable
class Platform(Protocol):
    """One chat platform, as the worker uses it. Every method may be called from the worker's threads; each
    returns whether the platform took the message (False, or an exception, is a failure the worker logs and,
    for a notice, tries again later)."""

    # the platform's name in the database (`LearnerRef.platform`, the rounds' `platform`): "slack", "discord"
    name: str

    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        """Post replies where the whole class sees them: the class's channel (a round's results)."""
        ...

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        """Replies as a direct message to one learner (a digest, a notice); pictures and files included, uploaded
        the platform's way. True if everything arrived."""
        ...

    def retire_round(self, session_id: int) -> None:
        """The round is closed: take the buttons off its question's message, where the platform knows it (one
        this process posted, or the message stored with the round). Nothing when it does not."""
        ...

    def deliverable(self, to: E.LearnerRef) -> bool:
        """Whether this platform can address the learner at all (its own platform, an id it can message)."""
        ...

    def health(self) -> str | None:
        """For /healthz: None when the platform side is fine, else what is wrong ("discord: not connected")."""
        ...
