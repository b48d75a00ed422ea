"""Slack payloads (slash commands, block_actions, view_submission, Events API) -> core Events.

Only translation happens here: who (LearnerRef: team and user ids), where (ClassRef: the channel), and
what (the core Event). Nothing here talks to Slack or decides anything about teaching.
"""

from __future__ import annotations

import json
import re
from typing import Any

from adapters.slack import render as V
from bot import events as E

PLATFORM = "slack"

# The commands the manifest installs. A workspace where one of these names is taken may install them
# with a "tutor-" prefix instead (/tutor-help, /tutor-quiz, ...): both spellings mean the same.
COMMANDS = (
    "ask",
    "quiz",
    "review",
    "progress",
    "leaderboard",
    "next",
    "privacy",
    "digest",
    "timezone",
    "my-data",
    "forget-me",
    "help",
    "class-report",
    "inbox",
    "class-timezone",
)
# The commands for instructors: only for these does the adapter ask who is one (users.info, cached).
INSTRUCTOR_COMMANDS = frozenset({"class-report", "inbox", "class-timezone"})
COMMAND_PATTERN = re.compile(
    r"^/(?:tutor[-_])?(?:" + "|".join(re.escape(c) for c in COMMANDS) + r")$", re.IGNORECASE
)

_QUIET_HOURS = re.compile(r"^\d{1,2}\s*-\s*\d{1,2}$")
_DURATION = re.compile(r"^(\d{1,5})\s*(s|sec|secs|seconds|m|min|mins|minutes)$", re.IGNORECASE)
_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def command_name(command: str) -> str:
    """'/Tutor-Quiz' -> 'quiz'."""
    name = command.strip().lstrip("/").lower()
    for prefix in ("tutor-", "tutor_"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def is_direct(channel_id: str, channel_name: str = "") -> bool:
    """A direct message (with the tutor or between people): never a class."""
    return channel_name == "directmessage" or channel_id.startswith("D")


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def learner_of(body: dict[str, Any], is_instructor: bool = False) -> E.LearnerRef:
    """Who sent a slash command or an interaction payload."""
    user = body.get("user")
    if isinstance(user, dict):
        uid = str(user.get("id", ""))
        name = str(user.get("username") or user.get("name") or "")
    else:
        uid, name = str(body.get("user_id", "")), str(body.get("user_name", ""))
    return E.LearnerRef(PLATFORM, team_of(body), uid, display_name=name, is_instructor=is_instructor)


def where_of(body: dict[str, Any]) -> E.ClassRef | None:
    """The class a slash command or interaction came from; None in a direct message."""
    channel = body.get("channel")
    if isinstance(channel, dict):
        cid, name = str(channel.get("id", "")), str(channel.get("name", ""))
    else:
        cid, name = str(body.get("channel_id", "")), str(body.get("channel_name", ""))
    if not cid:
        container = body.get("container") or {}
        cid = str(container.get("channel_id", ""))
    if not cid or is_direct(cid, name):
        return None
    return E.ClassRef(PLATFORM, team_of(body), cid, name=name or cid)


def quiz_arguments(text: str) -> tuple[str, int | None]:
    """'/quiz reward models 90s' -> ('reward models', 90): an optional last word sets the round's length."""
    words = text.split()
    if words:
        m = _DURATION.match(words[-1])
        if m:
            seconds = int(m.group(1)) * (60 if m.group(2).lower().startswith("m") else 1)
            return " ".join(words[:-1]), max(10, min(seconds, 86400))
    return text.strip(), None


def parse_command(body: dict[str, Any], is_instructor: bool = False) -> E.Event:
    """A slash command's form body -> an Event. /quiz in a channel is a class round, in a DM a personal question."""
    learner = learner_of(body, is_instructor)
    where = where_of(body)
    name = command_name(str(body.get("command", "")))
    text = str(body.get("text", "")).strip()
    if name == "ask":
        return E.Ask(learner, text=text, where=where)
    if name == "quiz":
        if where is None:
            return E.StartQuiz(learner, topic=text)
        topic, seconds = quiz_arguments(text)
        return E.StartRound(learner, topic=topic, seconds=seconds, where=where)
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
        # Always the question first: the confirmation is a button on it (parse_action), never typed text.
        return E.ForgetMe(learner, where=where)
    if name == "inbox":
        return inbox_event(text, learner, where)
    simple = {
        "review": E.Review,
        "progress": E.ShowProgress,
        "next": E.Next,
        "help": E.Help,
        "my-data": E.MyData,
        "class-report": E.ClassReport,
    }
    if name in simple:
        return simple[name](learner, where=where)
    return E.Unknown(learner, command=str(body.get("command", "")), where=where)


def inbox_event(text: str, learner: E.LearnerRef, where: E.ClassRef | None) -> E.Inbox:
    """'/inbox' lists; '/inbox answer 3 TEXT' answers question 3; '/inbox add 3 [CONCEPT]' adds the answer to
    the course. A missing or bad number is item 0, which the core says it cannot find."""
    action, _, more = text.strip().partition(" ")
    if not action:
        return E.Inbox(learner, where=where)
    number, _, rest = more.strip().partition(" ")
    number = number.lstrip("#")
    item = int(number) if number.isdigit() else 0
    return E.Inbox(learner, action=action.lower(), item_id=item, text=rest.strip(), where=where)


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """The question in '<@UBOT> what is RLHF?': the tutor's own mention removed, other people's left as @id."""

    def swap(m: re.Match[str]) -> str:
        return "" if bot_user_id and m.group(1) == bot_user_id else f"@{m.group(1)}"

    return " ".join(_USER_MENTION.sub(swap, text).split())


def parse_message(
    event: dict[str, Any], team_id: str, bot_user_id: str | None, in_channel: bool
) -> E.Event | None:
    """An app_mention (in_channel) or a direct message -> Ask; None for what is not a learner's message."""
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None  # bots (ourselves included), edits, deletions, joins
    learner = E.LearnerRef(PLATFORM, team_id, str(event["user"]))
    where = E.ClassRef(PLATFORM, team_id, str(event.get("channel", ""))) if in_channel else None
    text = strip_mentions(str(event.get("text", "")), bot_user_id)
    if not text:
        return E.Help(learner, where=where)
    return E.Ask(learner, text=text, where=where)


def _session(value: str) -> int:
    return int(value.split(":", 1)[0])


def picks_answer(body: dict[str, Any], session_id: int) -> str:
    """An ordering or matching answer from the selects' state: '3 1 2 4' or '1b 2a 3c'.

    Ordering selects are named pick_<position> and hold a step number; matching selects are named
    pick_<item> and hold a letter. Slack sends each user's own selections with their click; a select left
    empty makes an incomplete answer, which the core refuses with a message saying how to answer.
    """
    values = ((body.get("state") or {}).get("values") or {}).get(V.order_block_id(session_id)) or {}
    picked: dict[str, str] = {}
    for action_id, state in values.items():
        option = (state or {}).get("selected_option")
        if action_id.startswith(f"{V.PICK}_") and option:
            picked[action_id[len(V.PICK) + 1 :]] = str(option.get("value", ""))
    keys = sorted(picked, key=lambda k: int(k) if k.isdigit() else 0)
    if all(v.isdigit() for v in picked.values()):  # ordering: position -> step number
        return " ".join(picked[k] for k in keys)
    return " ".join(f"{k}{picked[k]}" for k in keys)  # matching: item -> letter


def parse_action(body: dict[str, Any], is_instructor: bool = False) -> E.Event | None:
    """A block_actions payload (a click) -> Answer, Hint, Skip, CloseRound, StartQuiz or ForgetMe (confirmed);
    None for a select or /forget-me's "Keep my data"."""
    action = (body.get("actions") or [{}])[0]
    action_id = str(action.get("action_id", ""))
    value = str(action.get("value", ""))
    learner = learner_of(body, is_instructor)
    where = where_of(body)
    try:
        if action_id.startswith(f"{V.ANSWER}_"):
            session, _, key = value.partition(":")
            return E.Answer(learner, response=key, session_id=int(session), where=where)
        if action_id == V.SUBMIT:
            sid = _session(value)
            return E.Answer(learner, response=picks_answer(body, sid), session_id=sid, where=where)
        if action_id == V.HINT:
            return E.Hint(learner, session_id=_session(value), where=where)
        if action_id == V.SKIP:
            return E.Skip(learner, session_id=_session(value), where=where)
        if action_id == V.CLOSE:
            return E.CloseRound(learner, session_id=_session(value), where=where)
    except ValueError:
        return E.Unknown(learner, command=action_id, where=where)
    if action_id == V.HOME_QUIZ:
        return E.StartQuiz(learner)
    if action_id == V.FORGET_YES:
        # The clicker's own data, whoever the prompt was shown to: one can only ever delete oneself.
        return E.ForgetMe(learner, confirm=True, where=where)
    return None


def parse_view_submission(body: dict[str, Any]) -> tuple[E.Answer, dict[str, Any]]:
    """The open-ended answer modal -> (Answer, the metadata it was opened with: session, channel)."""
    view = body.get("view") or {}
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    text = str(((values.get("answer") or {}).get("text") or {}).get("value") or "")
    channel = str(meta.get("channel", ""))
    where = None
    if channel and not is_direct(channel, str(meta.get("channel_name", ""))):
        where = E.ClassRef(PLATFORM, team_of(body), channel, name=str(meta.get("channel_name", "")))
    return E.Answer(
        learner_of(body), response=text, session_id=int(meta.get("session", 0)), where=where
    ), meta
