"""What every adapter's parser shares: the refusal of a payload it cannot read, and reading a text field."""

from __future__ import annotations

from typing import Any


class BadPayload(ValueError):
    """A payload the adapter cannot read: a field, option or component of the wrong type or shape where the
    tutor reads it. The message is a short reason for the log (which field), never the payload's content."""


def text(value: Any, what: str) -> str:
    """A string; "" for a missing one (absent or null). BadPayload for anything else."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"{what} is not text")
    return value
