"""A webhook event (JSON) -> a core Event.

    {"type": "message", "user": "ada", "name": "Ada", "place": "cs-101", "text": "/quiz", "id": "evt-1"}
    {"type": "click", "user": "bob", "place": "cs-101", "session_id": 7, "value": "B"}

`place` is a class's channel; absent or null, the learner's direct conversation with the tutor. `value`
"close" is a round's Close button; any other value is an answer. `instructor: true` says the sender is an
instructor (the caller is trusted: its requests carry the shared token). `id`, when given, is answered once.
A message's text is a question in plain words or a command in the grammar every platform shares
(`bot.grammar`: `/quiz dpo`, `/answer B`, `/round dpo 90s`)."""

from __future__ import annotations

from typing import Any

from bot import events as E
from bot.grammar import line_event

PLATFORM = "webhook"
WORKSPACE = "webhook"
CLOSE = "close"


class BadPayload(ValueError):
    """An event the adapter cannot read; the message says why (never the payload)."""


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadPayload(f"{key} is not a non-empty string")
    return value.strip()


def learner(body: dict[str, Any]) -> E.LearnerRef:
    user = _text(body, "user")
    name = _text(body, "name", required=False) or user
    return E.LearnerRef(
        PLATFORM, WORKSPACE, user, display_name=name, is_instructor=body.get("instructor") is True
    )


def place(body: dict[str, Any]) -> E.ClassRef | None:
    channel = _text(body, "place", required=False)
    return E.ClassRef(PLATFORM, WORKSPACE, channel, name=channel) if channel else None


def event_id(body: dict[str, Any]) -> str:
    return _text(body, "id", required=False)


def parse_event(body: Any) -> E.Event | None:
    """The core Event for a webhook event; None when there is nothing to answer (a blank message)."""
    if not isinstance(body, dict):
        raise BadPayload("the event is not a JSON object")
    kind = body.get("type")
    who, where = learner(body), place(body)
    if kind == "message":
        return line_event(_text(body, "text", required=False), who, where)
    if kind == "click":
        session_id = body.get("session_id")
        if not isinstance(session_id, int) or isinstance(session_id, bool) or session_id <= 0:
            raise BadPayload("session_id is not a positive whole number")
        value = _text(body, "value")
        if value.lower() == CLOSE:
            return E.CloseRound(who, session_id=session_id, where=where)
        return E.Answer(who, response=value, session_id=session_id, where=where)
    raise BadPayload("type is not message or click")
