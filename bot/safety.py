"""Text that goes back into a channel must never ping everyone: mass mentions are defused here, once, for every adapter."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

R = TypeVar("R")

ZWSP = "\u200b"
_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>", re.I)
_SLACK_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(\|[^>]*)?>", re.I)
_AT_MASS = re.compile(r"@(everyone|here|channel)\b", re.I)


def defuse_mentions(text: str) -> str:
    """Turn @everyone, @here, @channel and Slack's <!channel>/<!here>/<!everyone> into inert text."""
    text = _SLACK_SPECIAL.sub(lambda m: f"@{ZWSP}{m.group(1).lower()}", text)
    text = _SLACK_SUBTEAM.sub("@group", text)
    return _AT_MASS.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def defuse_reply(reply: R) -> R:
    """A reply with every text in it defused: its strings, tuples of strings and rows of tables."""
    if not is_dataclass(reply) or isinstance(reply, type):
        return reply
    changes: dict[str, object] = {}
    for f in fields(reply):
        value = getattr(reply, f.name)
        if isinstance(value, str):
            changes[f.name] = defuse_mentions(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            changes[f.name] = tuple(defuse_mentions(v) for v in value)
        elif isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
            changes[f.name] = tuple(
                tuple(defuse_mentions(x) if isinstance(x, str) else x for x in v) for v in value
            )
    return replace(reply, **changes) if changes else reply  # type: ignore[type-var]
