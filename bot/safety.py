"""Text that goes back into a channel must never ping everyone: mass mentions are defused here, once, for every adapter."""

from __future__ import annotations

import re
import unicodedata
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


# Characters a learner's text or name may never carry into the tutor: NUL and the other control characters
# (PostgreSQL refuses NUL in text; a terminal obeys the rest), and the bidirectional overrides and isolates
# that make a public name read backwards. Lone surrogates (valid JSON, invalid Unicode) become U+FFFD.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Learner-supplied text made safe to store, embed and show, on every platform and database.

    Keeps line breaks and tabs in messages (CR LF becomes LF); `single_line` (names, pseudonyms, ids)
    folds every line break into one space."""
    if text.isascii() and text.isprintable():
        return text  # the common case, untouched and fast
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    if single_line:
        text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROL.sub("", text.replace("\r", "\n"))
    return text.strip() if single_line else text


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
