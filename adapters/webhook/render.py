"""Replies -> JSON objects: every reply's type and plain text, a question's buttons, a file's bytes."""

from __future__ import annotations

import base64
from typing import Any

from bot import replies as R


def render(reply: R.Reply) -> dict[str, Any]:
    """{"type": "question", "text": ..., "visibility": ..., ...}: the type's name, its plain text, who may see
    it (private: the sender alone; class: the channel it was asked in), and what a client acts on."""
    out: dict[str, Any] = {
        "type": type(reply).__name__.lower(),
        "text": reply.plain(),
        "visibility": reply.visibility or R.PRIVATE,
    }
    if isinstance(reply, R.Question):
        out.update(session_id=reply.session_id, round=reply.is_round, buttons=[c.key for c in reply.choices])
        if reply.is_round:
            out["buttons"].append("close")
    elif isinstance(reply, R.RoundResult):
        out["session_id"] = reply.session_id
    elif isinstance(reply, R.Feedback):
        out.update(correct=reply.correct, points=reply.points)
    elif isinstance(reply, R.Text):
        out["kind"] = reply.kind
    elif isinstance(reply, R.Image | R.File):
        out.update(filename=reply.filename, data=base64.b64encode(reply.data or b"").decode("ascii"))
    return out


def render_all(replies: list[R.Reply]) -> list[dict[str, Any]]:
    return [render(r) for r in replies if not isinstance(r, R.DirectMessage)]
