"""A line typed in the terminal -> a core Event."""

from __future__ import annotations

from bot import events as E


def parse_line(line: str, learner: E.LearnerRef, where: E.ClassRef | None) -> E.Event | None:
    """None for a blank line (nothing to answer)."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return E.Ask(learner, text=text, where=where)
    command, _, rest = text.partition(" ")
    command, rest = command.lower(), rest.strip()
    if command == "/ask":
        return E.Ask(learner, text=rest, where=where)
    if command == "/quiz":
        return E.StartQuiz(learner, topic=rest, where=where)
    if command == "/round":
        return E.StartRound(learner, topic=rest, where=where)
    if command == "/close":
        return E.CloseRound(learner, where=where)
    if command == "/answer":
        return E.Answer(learner, response=rest, where=where)
    simple = {
        "/hint": E.Hint,
        "/skip": E.Skip,
        "/progress": E.ShowProgress,
        "/leaderboard": E.ShowLeaderboard,
        "/next": E.Next,
        "/help": E.Help,
    }
    if command in simple:
        return simple[command](learner, where=where)
    return E.Unknown(learner, command=command, where=where)
