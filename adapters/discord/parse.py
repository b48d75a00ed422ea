"""Discord's terms -> the tutor's events: who and where, commands, and the ids carried in `custom_id`.

Pure functions over plain values (ids, names, option dicts), so they need no client and no discord
import. Every button and select menu carries what it is for in its `custom_id` (the quiz session id, the
choice, the answer built so far): a click is understood from the click alone, after a restart too.

Whatever they are handed, the parse functions return their result (or None for what is not for the
tutor), or raise BadPayload with a short reason naming the field that has the wrong type or shape, never
its content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.payload import BadPayload
from adapters.payload import text as _text
from bot import events as E

PLATFORM = "discord"
# Discord user ids are global: one learner per person, the same in every server and in DMs, so progress
# follows the learner. Classes are channels, and their workspace is the server (guild) id.
LEARNER_WORKSPACE = "discord"
COMMANDS = E.LEARNER_COMMANDS
INSTRUCTOR_COMMANDS = E.INSTRUCTOR_COMMANDS

# custom_id formats (at most 100 characters; session ids are database ids, at most 18 digits so they fit a
# 64-bit integer):
#   tutor:a:<session>:<key>      answer a single-choice question with the choice's letter
#   tutor:c:<session>            close a class round (its poster or an instructor)
#   tutor:h:<session>            a hint            tutor:s:<session>   skip (personal questions)
#   tutor:f:<session>:<o|m|e>    open the answer form: ordering, matching (select menus), essay (a modal)
#   tutor:r:<session>:<o|m>      start the form over
#   tutor:g:<session>:<o|m><picks>  submit the form's answer ("o3124": steps 3, 1, 2, 4 in that order)
#   tutor:p:<session>:<o|m>:<picks> the form's select menu; picks made so far
#   tutor:m:<session>            the essay modal
#   tutor:x:<session>            multiple response: the menu of options (several values; they answer as "A C")
#   tutor:forget:<user>:<yes|no> /forget-me's confirmation: delete everything about <user>, or keep it
BUTTON_TEMPLATE = r"tutor:(?P<action>[acfghrs]):(?P<session>[0-9]{1,18})(?::(?P<arg>[0-9A-Za-z]{0,17}))?"
SELECT_TEMPLATE = r"tutor:p:(?P<session>[0-9]{1,18}):(?P<kind>[om]):(?P<picks>[0-9a-z]{0,16})"
MODAL_TEMPLATE = r"tutor:m:(?P<session>[0-9]{1,18})"
FORGET_TEMPLATE = r"tutor:forget:(?P<user>[0-9]{1,20}):(?P<answer>yes|no)"
CHOICES_TEMPLATE = r"tutor:x:(?P<session>[0-9]{1,18})"
ESSAY_FIELD = "answer"

ORDER_KEYS = "12345678"
MATCH_KEYS = "abcdefgh"
COMPONENT_TEMPLATES = (BUTTON_TEMPLATE, SELECT_TEMPLATE, FORGET_TEMPLATE, CHOICES_TEMPLATE)
MAX_ITEM = 2**53  # /inbox item ids, as the command declares them
MAX_SECONDS = 86400
MODAL_DEPTH = 8  # a modal is a few levels deep (label, action row, text input): deeper is not a modal


def _whole(value: Any, what: str, low: int, high: int) -> int | None:
    """A whole number from `low` to `high`; None for a missing one (absent, null or 0). BadPayload else."""
    if value is None or (value == 0 and type(value) is int):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"{what} is not a whole number")
    if not low <= value <= high:
        raise BadPayload(f"{what} is out of range")
    return value


def custom_id(action: str, session_id: int, arg: str = "") -> str:
    return f"tutor:{action}:{session_id}" + (f":{arg}" if arg else "")


def select_id(session_id: int, kind: str, picks: str) -> str:
    return f"tutor:p:{session_id}:{kind}:{picks}"


def modal_id(session_id: int) -> str:
    return f"tutor:m:{session_id}"


def parse_modal_id(value: Any) -> int | None:
    m = re.fullmatch(MODAL_TEMPLATE, _text(value, "custom_id"))
    return int(m.group("session")) if m else None


def forget_id(user_id: int | str, confirm: bool) -> str:
    return f"tutor:forget:{user_id}:{'yes' if confirm else 'no'}"


def parse_forget_id(value: str) -> tuple[str, bool] | None:
    """(the user the confirmation was shown to, whether it confirms) from a /forget-me button."""
    m = re.fullmatch(FORGET_TEMPLATE, _text(value, "custom_id"))
    return (m.group("user"), m.group("answer") == "yes") if m else None


# -- who and where -------------------------------------------------------------------------------
def learner(
    user_id: int | str,
    name: str,
    *,
    manage_guild: bool = False,
    role_ids: tuple[int | str, ...] = (),
    instructors: set[str] | frozenset[str] = frozenset(),
) -> E.LearnerRef:
    """A learner; an instructor if they may manage the server, or have a role listed in TUTOR_INSTRUCTORS
    (the core also treats user ids listed there as instructors)."""
    is_instructor = manage_guild or any(str(r) in instructors for r in role_ids)
    return E.LearnerRef(
        PLATFORM, LEARNER_WORKSPACE, str(user_id), name[:200], is_instructor, spans_workspaces=True
    )


def class_ref(guild_id: int | None, channel_id: int | None, channel_name: str = "") -> E.ClassRef | None:
    """The class is the server channel (or thread); a DM has none."""
    if guild_id is None or channel_id is None:
        return None
    return E.ClassRef(PLATFORM, str(guild_id), str(channel_id), channel_name or str(channel_id))


def guild_ids(value: str) -> list[int]:
    """DISCORD_GUILD_IDS: comma-separated server ids; ValueError for anything else."""
    out = []
    for part in (value or "").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"'{part[:30]}' is not a server id (server ids are numbers)")
        out.append(int(part))
    return out


# -- commands ------------------------------------------------------------------------------------
def command_event(
    command: str, options: Mapping[str, Any], who: E.LearnerRef, where: E.ClassRef | None
) -> E.Event:
    """A slash command -> an event. /quiz in a channel is a class round; in a DM a personal question.
    BadPayload for an option of the wrong type (text options are text, /quiz seconds and /inbox items are
    whole numbers in their ranges)."""
    command = _text(command, "the command")
    if not isinstance(options, Mapping):
        raise BadPayload("the options are not an object")

    def text(name: str) -> str:
        return _text(options.get(name), f"option {name}").strip()

    if command == "ask":
        return E.Ask(who, text=_text(options.get("question"), "option question"), where=where)
    if command == "quiz":
        topic = text("topic")
        if where is not None:
            seconds = _whole(options.get("seconds"), "option seconds", 10, MAX_SECONDS)
            return E.StartRound(who, topic=topic, seconds=seconds, where=where)
        return E.StartQuiz(who, topic=topic, where=where)
    if command == "leaderboard":
        return E.ShowLeaderboard(who, period=text("period") or "all", where=where)
    if command == "privacy":
        return E.Privacy(who, mode=text("mode"), name=text("name"), where=where)
    if command == "digest":
        return E.Digest(who, setting=text("setting"), quiet=text("quiet"), where=where)
    if command in ("timezone", "class-timezone"):
        return E.SetTimezone(who, zone=text("zone"), for_class=command == "class-timezone", where=where)
    if command == "forget-me":
        confirm = options.get("confirm")
        if confirm is not None and not isinstance(confirm, bool):
            raise BadPayload("option confirm is not true or false")
        return E.ForgetMe(who, confirm=bool(confirm), where=where)
    if command == "inbox":
        item = _whole(options.get("item"), "option item", 1, MAX_ITEM)
        return E.Inbox(
            who,
            action=text("action").lower() or "list",
            item_id=item or 0,
            text=text("text"),
            where=where,
        )
    if command == "review-answers":
        item = _whole(options.get("item"), "option item", 1, MAX_ITEM)
        return E.ReviewAnswers(
            who,
            action=text("action").lower() or "list",
            item_id=item or 0,
            covered=text("covered"),
            text=text("comment"),
            where=where,
        )
    simple = E.NO_ARGUMENT.get(command)
    if simple is not None:
        return simple(who, where=where)
    return E.Unknown(who, command=f"/{command}", where=where)


def question_in_message(
    content: str,
    bot_id: int,
    *,
    is_dm: bool,
    bot_role_id: int | None = None,
    replies_to_bot: bool = False,
) -> str | None:
    """The question in a message: a DM, or a channel message for the bot (a mention of the bot or of its
    managed role, or a reply to one of its messages); None otherwise."""
    content = _text(content, "the message content")
    if isinstance(bot_id, bool) or not isinstance(bot_id, int):
        raise BadPayload("the bot's id is not a number")
    role = rf"|<@&{bot_role_id}>" if bot_role_id else ""
    mention = re.compile(rf"<@!?{bot_id}>{role}")
    if not is_dm and not replies_to_bot and not mention.search(content):
        return None
    return mention.sub(" ", content).strip()


# -- buttons, select menus and modals ------------------------------------------------------------
@dataclass(frozen=True)
class Click:
    action: str
    session_id: int
    arg: str = ""


def choices_click(session_id: int, values: list[str]) -> Click:
    """The options ticked in a multiple-response menu, as an answer click ("AC" reads as /answer A C)."""
    letters = "".join(sorted({v for v in values if isinstance(v, str) and re.fullmatch("[A-H]", v)}))
    return Click("a", session_id, letters)


def parse_click(value: str) -> Click | None:
    """The button a custom_id stands for; None for what is not one of the tutor's buttons."""
    m = re.fullmatch(BUTTON_TEMPLATE, _text(value, "custom_id"))
    if not m:
        return None
    return Click(m.group("action"), int(m.group("session")), m.group("arg") or "")


def check_component(value: Any) -> str:
    """The custom_id of a component interaction, if it is one of the tutor's (a button, a select menu,
    /forget-me's buttons); BadPayload for anything else (another app's, or an old version's)."""
    custom = _text(value, "custom_id")
    if not any(re.fullmatch(template, custom) for template in COMPONENT_TEMPLATES):
        raise BadPayload("the component's custom_id is not the tutor's")
    return custom


def click_event(click: Click, who: E.LearnerRef, where: E.ClassRef | None) -> E.Event | None:
    """The event a button stands for; None for the buttons that only open or reset the answer form."""
    if not isinstance(click, Click):
        raise BadPayload("the click is not a button")
    sid = click.session_id
    if click.action == "a":
        return E.Answer(who, response=click.arg, session_id=sid, where=where)
    if click.action == "c":
        return E.CloseRound(who, session_id=sid, where=where)
    if click.action == "h":
        return E.Hint(who, session_id=sid, where=where)
    if click.action == "s":
        return E.Skip(who, session_id=sid, where=where)
    if click.action == "g":
        kind, picks = click.arg[:1], click.arg[1:]
        return E.Answer(who, response=answer_text(kind, picks), session_id=sid, where=where)
    return None


def form_keys(kind: str, n: int) -> str:
    """What the form's menus offer: the step numbers (ordering) or the match letters (matching)."""
    return (ORDER_KEYS if kind == "o" else MATCH_KEYS)[:n]


def valid_picks(kind: str, n: int, picks: str) -> bool:
    keys = form_keys(kind, n)
    return len(picks) <= n and len(set(picks)) == len(picks) and all(p in keys for p in picks)


def pick(kind: str, n: int, picks: str, value: str) -> str:
    """Add one pick; when one key is left it goes last by itself. Bad input starts the form over."""
    if not valid_picks(kind, n, picks):
        return ""
    if value not in form_keys(kind, n) or value in picks:
        return picks
    picks += value
    left = [k for k in form_keys(kind, n) if k not in picks]
    if len(left) == 1:
        picks += left[0]
    return picks


def answer_text(kind: str, picks: str) -> str:
    """The picks as the tutor reads answers: "3 1 2 4" (ordering) or "1b 2a 3c" (matching)."""
    if kind == "o":
        return " ".join(picks)
    return " ".join(f"{i + 1}{letter}" for i, letter in enumerate(picks))


def modal_text(components: Any, field: str = ESSAY_FIELD, *, depth: int = 0) -> str:
    """The value of text input `field` in a modal submission (action rows or Label components)."""
    if components is None:
        return ""
    if not isinstance(components, list) or depth > MODAL_DEPTH:
        raise BadPayload("the modal's components are not a list of components")
    for c in components:
        if not isinstance(c, dict):
            continue
        if c.get("custom_id") == field and "value" in c:
            return _text(c.get("value"), "the answer")
        nested = c.get("components") or []
        if not isinstance(nested, list):
            raise BadPayload("the modal's components are not a list of components")
        nested = list(nested)
        if isinstance(c.get("component"), dict):
            nested.append(c["component"])
        found = modal_text(nested, field, depth=depth + 1)
        if found:
            return found
    return ""
