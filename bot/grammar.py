"""The argument grammar of every text command, parsed once for every platform that reads typed commands
(the console, Slack's slash commands, the webhook): `/digest 22-8`, `/quiz reward models 90s`,
`/inbox answer #3 TEXT` mean the same everywhere. Discord's commands arrive with typed options and are built
from those; the names and grammars all come from the command table (`bot.commands`)."""

from __future__ import annotations

import re

from bot import events as E

_ID = re.compile(r"[0-9]{1,18}")  # a database id (an inbox item): fits a 64-bit integer
_QUIET_HOURS = re.compile(r"^\d{1,2}\s*-\s*\d{1,2}$")
_DURATION = re.compile(r"^(\d{1,5})\s*(s|sec|secs|seconds|m|min|mins|minutes)$", re.IGNORECASE)


def round_arguments(text: str) -> tuple[str, int | None]:
    """'reward models 90s' -> ('reward models', 90): an optional last word sets a round's length (10 s to a
    day)."""
    words = text.split()
    if words:
        m = _DURATION.match(words[-1])
        if m:
            seconds = int(m.group(1)) * (60 if m.group(2).lower().startswith("m") else 1)
            return " ".join(words[:-1]), max(10, min(seconds, 86400))
    return text.strip(), None


def inbox_event(text: str, learner: E.LearnerRef, where: E.ClassRef | None) -> E.Inbox:
    """'' lists; 'answer 3 TEXT' answers question 3 ('#3' too); 'add 3 [CONCEPT]', 'dismiss 3'. A missing
    or bad number is item 0, which the core says it cannot find."""
    action, _, more = text.strip().partition(" ")
    if not action:
        return E.Inbox(learner, where=where)
    number, _, rest = more.strip().partition(" ")
    number = number.lstrip("#")
    item = int(number) if _ID.fullmatch(number) else 0
    return E.Inbox(learner, action=action.lower(), item_id=item, text=rest.strip(), where=where)


def command_event(
    name: str,
    text: str,
    learner: E.LearnerRef,
    where: E.ClassRef | None,
    *,
    rounds_in_channels: bool = False,
    typed_confirm: bool = True,
    typed: str = "",
) -> E.Event:
    """The event of command `name` (no slash) with its argument text. `rounds_in_channels`: /quiz in a class's
    channel is a class round (the chat platforms; the console has /round). `typed_confirm`: "/forget-me
    confirm" deletes (the console; a chat platform confirms with a button). `typed` is the command as the
    learner wrote it, for an unknown one."""
    name, text = name.lower().removeprefix("/"), text.strip()
    if name == "ask":
        return E.Ask(learner, text=text, where=where)
    if name == "quiz" and not (rounds_in_channels and where is not None):
        return E.StartQuiz(learner, topic=text, where=where)
    if name in ("quiz", "round"):
        topic, seconds = round_arguments(text)
        return E.StartRound(learner, topic=topic, seconds=seconds, where=where)
    if name == "close":
        return E.CloseRound(learner, where=where)
    if name == "answer":
        return E.Answer(learner, response=text, where=where)
    if name == "leaderboard":
        return E.ShowLeaderboard(learner, period=text or "all", where=where)
    if name == "privacy":
        mode, _, pseudonym = text.partition(" ")
        return E.Privacy(learner, mode=mode, name=pseudonym.strip(), where=where)
    if name == "digest":
        setting, _, quiet = text.partition(" ")
        if _QUIET_HOURS.match(setting) and not quiet:  # "/digest 22-8": only the quiet hours
            setting, quiet = "", setting
        return E.Digest(learner, setting=setting, quiet=quiet.strip(), where=where)
    if name in ("timezone", "class-timezone"):
        return E.SetTimezone(learner, zone=text, for_class=name == "class-timezone", where=where)
    if name == "forget-me":
        return E.ForgetMe(learner, confirm=typed_confirm and text.lower() == "confirm", where=where)
    if name == "inbox":
        return inbox_event(text, learner, where)
    if name == "review-answers":
        return E.ReviewAnswers.from_text(learner, text, where=where)
    simple = E.NO_ARGUMENT.get(name)
    if simple is not None:
        return simple(learner, where=where)
    return E.Unknown(learner, command=typed or f"/{name}", where=where)


def line_event(line: str, learner: E.LearnerRef, where: E.ClassRef | None) -> E.Event | None:
    """A typed line: a command (`/quiz dpo`), or else a question in plain words; None when blank."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return E.Ask(learner, text=text, where=where)
    command, _, rest = text.partition(" ")
    return command_event(command, rest, learner, where, typed=command.lower())
