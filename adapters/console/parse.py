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
    if command == "/leaderboard":
        return E.ShowLeaderboard(learner, period=rest or "all", where=where)
    if command == "/privacy":
        mode, _, name = rest.partition(" ")
        return E.Privacy(learner, mode=mode, name=name.strip(), where=where)
    if command == "/digest":
        setting, _, quiet = rest.partition(" ")
        return E.Digest(learner, setting=setting, quiet=quiet.strip(), where=where)
    if command in ("/timezone", "/class-timezone"):
        return E.SetTimezone(learner, zone=rest, for_class=command == "/class-timezone", where=where)
    if command == "/forget-me":
        return E.ForgetMe(learner, confirm=rest.lower() == "confirm", where=where)
    if command == "/inbox":
        action, _, more = rest.partition(" ")
        if not action:
            return E.Inbox(learner, where=where)
        number, _, text = more.strip().partition(" ")
        item = int(number) if number.isdigit() else 0
        return E.Inbox(learner, action=action.lower(), item_id=item, text=text.strip(), where=where)
    if command == "/review-answers":
        return E.ReviewAnswers.from_text(learner, rest, where=where)
    simple = E.NO_ARGUMENT.get(command.removeprefix("/"))
    if simple is not None:
        return simple(learner, where=where)
    return E.Unknown(learner, command=command, where=where)
