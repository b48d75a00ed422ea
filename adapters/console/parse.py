"""A line typed in the terminal -> a core Event: a question in plain words, or a command read by the one
grammar every platform shares (`bot.grammar`)."""

from __future__ import annotations

from bot import events as E
from bot.grammar import line_event


def parse_line(line: str, learner: E.LearnerRef, where: E.ClassRef | None) -> E.Event | None:
    """None for a blank line (nothing to answer)."""
    return line_event(line, learner, where)
