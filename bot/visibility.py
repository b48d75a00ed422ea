"""Who sees a reply, decided once in the core for every platform: the learner alone, the class's channel, or
another learner as a direct message. Adapters map the three to their platform (an ephemeral message, a
channel post, a DM) and never decide it themselves.

In a class's channel the class sees what it may learn from (an answer to a question, the leaderboard, a
round and its result); everything about one learner (their progress, settings, data, quiz feedback) and
every refusal, error or "not covered" stays private. In a direct conversation everything is private.
"""

from __future__ import annotations

import dataclasses

from bot import events as E
from bot import replies as R

# What a class may see when it is asked for in the class's channel.
SHOWN_TO_CLASS: tuple[type[E.Event], ...] = (E.Ask, E.ShowLeaderboard, E.StartRound, E.CloseRound)


def of(event: E.Event) -> str:
    """Where the replies to `event` go, before the tutor has answered it (a platform that must say up front
    whether its answer is private, as Discord's defer does, asks this)."""
    if event.where is not None and isinstance(event, SHOWN_TO_CLASS):
        return R.CLASS
    return R.PRIVATE


def decide(event: E.Event, reply: R.Reply) -> str:
    if reply.visibility:
        return reply.visibility
    if isinstance(reply, R.DirectMessage):
        return R.DIRECT
    seen_by = of(event)
    if seen_by == R.CLASS and isinstance(reply, R.Text) and reply.kind in ("error", "notice"):
        return R.PRIVATE  # "not covered", "slow down", a refusal: the learner's own business
    return seen_by


def stamp(event: E.Event, replies: list[R.Reply]) -> list[R.Reply]:
    """The replies with their visibility decided."""
    return [r if r.visibility else dataclasses.replace(r, visibility=decide(event, r)) for r in replies]
