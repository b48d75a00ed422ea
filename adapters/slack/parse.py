"""Slack payloads (slash commands, block_actions, view_submission, Events API) -> core Events.

Only translation happens here: who (LearnerRef: team and user ids), where (ClassRef: the channel), and
what (the core Event). Nothing here talks to Slack or decides anything about teaching.

Every parse function reads a payload of any shape: it returns an Event (or None for what is not for the
tutor), or raises BadPayload with a short reason when a field it reads has the wrong type or shape. The
reason names the field, never its content.
"""

from __future__ import annotations

import json
import re
from typing import Any

from adapters.payload import BadPayload
from adapters.payload import text as _text
from adapters.slack import render as V
from bot import events as E
from bot.grammar import command_event

PLATFORM = "slack"

# The commands the manifest installs. A workspace where one of these names is taken may install them
# with a "tutor-" prefix instead (/tutor-help, /tutor-quiz, ...): both spellings mean the same.
COMMANDS = E.LEARNER_COMMANDS + E.INSTRUCTOR_COMMANDS
# The commands for instructors: only for these does the adapter ask who is one (users.info, cached).
INSTRUCTOR_COMMANDS = frozenset(E.INSTRUCTOR_COMMANDS)
COMMAND_PATTERN = re.compile(
    r"^/(?:tutor[-_])?(?:" + "|".join(re.escape(c) for c in COMMANDS) + r")$", re.IGNORECASE
)

_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_ID = re.compile(r"[0-9]{1,18}")  # a database id (quiz session, inbox item): fits a 64-bit integer
_POSITION = re.compile(r"[0-9]{1,4}")
# the payload types worth naming in a log line; anything else is "request"
_KINDS = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "event_callback",
        "interactive_message",
        "shortcut",
        "workflow_step_edit",
    }
)


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadPayload("the payload is not an object")
    return body


def _object(value: Any, what: str) -> dict[str, Any]:
    """A JSON object; {} for a missing one (absent or null). BadPayload for anything else."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"{what} is not an object")
    return value


def _number(value: str, what: str) -> int:
    """A database id written in ASCII digits ("42"); BadPayload for anything else."""
    if not _ID.fullmatch(value):
        raise BadPayload(f"{what} is not a number")
    return int(value)


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
    body = _body(body)
    team = _text(_object(body.get("team"), "team").get("id"), "team.id")
    if team:
        return team
    user = body.get("user")
    if isinstance(user, dict):
        team = _text(user.get("team_id"), "user.team_id")
        if team:
            return team
    return _text(body.get("team_id"), "team_id")


def learner_of(body: dict[str, Any], is_instructor: bool = False) -> E.LearnerRef:
    """Who sent a slash command or an interaction payload."""
    body = _body(body)
    if body.get("user") is not None:
        user = _object(body.get("user"), "user")
        uid = _text(user.get("id"), "user.id")
        name = _text(user.get("username"), "user.username") or _text(user.get("name"), "user.name")
    else:
        uid, name = _text(body.get("user_id"), "user_id"), _text(body.get("user_name"), "user_name")
    if not uid:
        raise BadPayload("the payload names no user")
    return E.LearnerRef(PLATFORM, team_of(body), uid, display_name=name, is_instructor=is_instructor)


def _channel(body: dict[str, Any]) -> tuple[str, str]:
    """(channel id, channel name) of a slash command or an interaction; ("", "") when it names none."""
    body = _body(body)
    if body.get("channel") is not None:
        channel = _object(body.get("channel"), "channel")
        cid, name = _text(channel.get("id"), "channel.id"), _text(channel.get("name"), "channel.name")
    else:
        cid, name = (
            _text(body.get("channel_id"), "channel_id"),
            _text(body.get("channel_name"), "channel_name"),
        )
    if not cid:
        container = _object(body.get("container"), "container")
        cid = _text(container.get("channel_id"), "container.channel_id")
    return cid, name


def channel_of(body: dict[str, Any]) -> str:
    """The id of the channel a slash command or an interaction came from; "" when it names none."""
    return _channel(body)[0]


def where_of(body: dict[str, Any]) -> E.ClassRef | None:
    """The class a slash command or interaction came from; None in a direct message."""
    cid, name = _channel(body)
    if not cid or is_direct(cid, name):
        return None
    return E.ClassRef(PLATFORM, team_of(body), cid, name=name or cid)


def message_of(body: dict[str, Any]) -> tuple[str, list[Any]]:
    """(ts, blocks) of the message a click was on; ("", []) when the payload carries none."""
    message = _object(_body(body).get("message"), "message")
    blocks = message.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        raise BadPayload("message.blocks is not a list")
    return _text(message.get("ts"), "message.ts"), blocks or []


def reply_to(body: Any) -> tuple[str, str, str]:
    """Whom to tell that a payload could not be read, as far as it says: (user id, channel id, response_url),
    "" for each it does not say or says unreadably. Never raises."""
    if not isinstance(body, dict):
        return "", "", ""
    user = body.get("user")
    uid = user.get("id") if isinstance(user, dict) else body.get("user_id")
    try:
        channel = channel_of(body)
    except BadPayload:
        channel = ""
    url = body.get("response_url")
    return (
        uid if isinstance(uid, str) else "",
        channel,
        url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
    )


def payload_kind(body: Any) -> str:
    """What a payload is, for a log line: its type when it is one Slack sends, else "slash command" or
    "request" (never a value taken from the payload as it is)."""
    if not isinstance(body, dict):
        return "request"
    kind = body.get("type")
    if isinstance(kind, str) and kind in _KINDS:
        return kind
    return "slash command" if "command" in body else "request"


def check_envelope(body: Any) -> None:
    """What Bolt itself reads to route a request, checked before it does: the action of a block_actions
    payload, the view of a view submission, the event of an Events API callback. BadPayload if unreadable;
    the listeners' parse functions check the rest."""
    body = _body(body)
    kind = body.get("type")
    if kind in ("block_actions", "interactive_message"):
        action_of(body)
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict):
            raise BadPayload("view is not an object")
        if not isinstance(view.get("callback_id"), str) or not isinstance(view.get("type"), str):
            raise BadPayload("the view has no callback_id or type")
        if view["type"] == "workflow_step":  # Bolt reads body["workflow_step"] out of it
            raise BadPayload("workflow steps are not the tutor's")
    elif kind == "workflow_step_edit":  # the same: the tutor has no steps from apps
        raise BadPayload("workflow steps are not the tutor's")
    elif kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadPayload("the event is not an event object")


def parse_command(body: dict[str, Any], is_instructor: bool = False) -> E.Event:
    """A slash command's form body -> an Event, by the grammar every platform shares. /quiz in a channel is a
    class round, in a DM a personal question; /forget-me always asks first (the confirmation is a button on
    its question, `parse_action`, never typed text)."""
    learner = learner_of(body, is_instructor)
    where = where_of(body)
    command = _text(body.get("command"), "command")
    text = _text(body.get("text"), "text")
    return command_event(
        command_name(command),
        text,
        learner,
        where,
        rounds_in_channels=True,
        typed_confirm=False,
        typed=command,
    )


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """The question in '<@UBOT> what is RLHF?': the tutor's own mention removed, other people's left as @id
    inside a sentence. A message of mentions alone ('<@UBOT> <@U111>') asks nothing: ""."""

    def swap(m: re.Match[str]) -> str:
        return "" if bot_user_id and m.group(1) == bot_user_id else f"@{m.group(1)}"

    if not _USER_MENTION.sub("", text).strip():
        return ""
    return " ".join(_USER_MENTION.sub(swap, text).split())


def parse_message(
    event: dict[str, Any], team_id: str, bot_user_id: str | None, in_channel: bool
) -> E.Event | None:
    """An app_mention (in_channel) or a direct message -> Ask; None for what is not a learner's message."""
    if not isinstance(event, dict):
        raise BadPayload("the event is not an object")
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share") or not event.get("user"):
        return None  # bots (ourselves included), edits, deletions, joins; a question with a file is read
    learner = E.LearnerRef(PLATFORM, _text(team_id, "team_id"), _text(event["user"], "event.user"))
    channel = _text(event.get("channel"), "event.channel")
    where = E.ClassRef(PLATFORM, learner.workspace, channel) if in_channel else None
    text = strip_mentions(_text(event.get("text"), "event.text"), bot_user_id)
    if not text:
        return E.Help(learner, where=where)
    # a mention in a channel is answered in a thread (rooted at the mention, or the thread it was made in):
    # that thread is the conversation a follow-up continues
    thread = str(event.get("thread_ts") or event.get("ts") or "") if in_channel else ""
    return E.Ask(learner, text=text, where=where, thread=thread[:40])


def _session(value: str) -> int:
    """The quiz session a button's value starts with ("42" or "42:B")."""
    return _number(value.split(":", 1)[0], "the button's session")


def picks_answer(body: dict[str, Any], session_id: int) -> str:
    """An ordering, matching or multiple-response answer from the state: '3 1 2 4', '1b 2a 3c' or 'A C'.

    Ordering selects are named pick_<position> and hold a step number; matching selects are named
    pick_<item> and hold a letter. Slack sends each user's own selections with their click; a select left
    empty makes an incomplete answer, which the core refuses with a message saying how to answer.
    """
    state = _object(_body(body).get("state"), "state")
    values = _object(state.get("values"), "state.values")
    selects = _object(values.get(V.order_block_id(session_id)), "the answer's selects")
    picked: dict[str, str] = {}
    for action_id, select in selects.items():
        if not isinstance(action_id, str):
            raise BadPayload("a select's action_id is not text")
        ticked = _object(select, "a select's state").get("selected_options")
        if ticked is not None:  # multiple response: the checkboxes' ticked letters, "A C"
            if not isinstance(ticked, list):
                raise BadPayload("selected_options is not a list")
            return " ".join(
                _text(_object(t, "a ticked option").get("value"), "a ticked option's value") for t in ticked
            )
        option = _object(_object(select, "a select's state").get("selected_option"), "a selected option")
        if action_id.startswith(f"{V.PICK}_") and option:
            picked[action_id[len(V.PICK) + 1 :]] = _text(option.get("value"), "a selected option's value")
    keys = sorted(picked, key=lambda k: int(k) if _POSITION.fullmatch(k) else 0)
    if all(v.isdigit() for v in picked.values()):  # ordering: position -> step number
        return " ".join(picked[k] for k in keys)
    return " ".join(f"{k}{picked[k]}" for k in keys)  # matching: item -> letter


def action_of(body: dict[str, Any]) -> dict[str, Any]:
    """The action of a block_actions payload (Slack sends the one clicked, first in `actions`): an object
    with an action_id, and a value that is text if it has one. BadPayload for anything else."""
    actions = _body(body).get("actions")
    if not isinstance(actions, list):
        raise BadPayload("actions is not a list")
    if not actions:
        raise BadPayload("actions is empty")
    action = actions[0]
    if not isinstance(action, dict):
        raise BadPayload("the action is not an object")
    if not isinstance(action.get("action_id"), str) or not action["action_id"]:
        raise BadPayload("the action has no action_id")
    _text(action.get("value"), "the action's value")
    return action


def parse_action(body: dict[str, Any], is_instructor: bool = False) -> E.Event | None:
    """A block_actions payload (a click) -> Answer, Hint, Skip, CloseRound, StartQuiz or ForgetMe (confirmed);
    None for a select or /forget-me's "Keep my data"."""
    action = action_of(body)
    action_id: str = action["action_id"]
    value = _text(action.get("value"), "the action's value")
    learner = learner_of(body, is_instructor)
    where = where_of(body)
    if action_id.startswith(f"{V.ANSWER}_"):
        session, _, key = value.partition(":")
        return E.Answer(
            learner, response=key, session_id=_number(session, "the answer's session"), where=where
        )
    if action_id == V.SUBMIT:
        sid = _session(value)
        return E.Answer(learner, response=picks_answer(body, sid), session_id=sid, where=where)
    if action_id == V.HINT:
        return E.Hint(learner, session_id=_session(value), where=where)
    if action_id == V.SKIP:
        return E.Skip(learner, session_id=_session(value), where=where)
    if action_id == V.CLOSE:
        return E.CloseRound(learner, session_id=_session(value), where=where)
    if action_id == V.HOME_QUIZ:
        return E.StartQuiz(learner)
    if action_id == V.FORGET_YES:
        # The clicker's own data, whoever the prompt was shown to: one can only ever delete oneself.
        return E.ForgetMe(learner, confirm=True, where=where)
    return None


def parse_answer_form(body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    """A click on "Write my answer" -> (the quiz session, the modal's metadata: the channel and its name,
    the trigger_id that opens the modal)."""
    action = action_of(body)
    session_id = _session(_text(action.get("value"), "the action's value"))
    cid, name = _channel(body)
    trigger = _text(body.get("trigger_id"), "trigger_id")
    return session_id, {"channel": cid, "channel_name": name}, trigger


def parse_view_submission(body: dict[str, Any]) -> tuple[E.Answer, dict[str, Any]]:
    """The open-ended answer modal -> (Answer, the metadata it was opened with: session, channel)."""
    view = _object(_body(body).get("view"), "view")
    try:
        meta = json.loads(_text(view.get("private_metadata"), "view.private_metadata") or "{}")
    except (ValueError, RecursionError):  # not JSON, numbers too long to read, nesting too deep
        raise BadPayload("view.private_metadata is not JSON") from None
    meta = _object(meta, "view.private_metadata")
    session = meta.get("session", 0)
    if isinstance(session, bool) or not isinstance(session, int) or not 0 <= session < 10**18:
        raise BadPayload("the modal's session is not a number")
    values = _object(_object(view.get("state"), "view.state").get("values"), "view.state.values")
    field = _object(_object(values.get("answer"), "the answer block").get("text"), "the answer field")
    text = _text(field.get("value"), "the answer")
    channel = _text(meta.get("channel"), "the modal's channel")
    channel_name = _text(meta.get("channel_name"), "the modal's channel name")
    where = None
    if channel and not is_direct(channel, channel_name):
        where = E.ClassRef(PLATFORM, team_of(body), channel, name=channel_name)
    return E.Answer(learner_of(body), response=text, session_id=session, where=where), meta
