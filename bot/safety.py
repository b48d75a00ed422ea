"""Text that goes back into a channel must never ping everyone: mass mentions are defused here, once, for every adapter."""

from __future__ import annotations

import re

ZWSP = "\u200b"
_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>", re.I)
_SLACK_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(\|[^>]*)?>", re.I)
_AT_MASS = re.compile(r"@(everyone|here|channel)\b", re.I)


def defuse_mentions(text: str) -> str:
    """Turn @everyone, @here, @channel and Slack's <!channel>/<!here>/<!everyone> into inert text."""
    text = _SLACK_SPECIAL.sub(lambda m: f"@{ZWSP}{m.group(1).lower()}", text)
    text = _SLACK_SUBTEAM.sub("@group", text)
    return _AT_MASS.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
