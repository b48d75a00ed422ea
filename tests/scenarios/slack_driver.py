"""Slack as a scenario platform: the real Bolt app behind its HTTP endpoint (tests/adapters/slack/harness.py),
requests signed as Slack signs them, the fake Web API recording what the tutor sends. One app and one database
per test module; each scenario gets a class channel and user ids of its own.

What a user sees: a response_url post or chat.postEphemeral is private to the user it is for; a
chat.postMessage (or an upload) in the class channel is the class's, in a user's DM with the app it is
private to that user when they caused it, else a direct message to them."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot import events as E
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.slack.harness import Workspace
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.scenarios.driver import CHANNEL, CLASS, DIRECT, DM, INSTRUCTOR, PRIVATE, Driver, Seen, Setup

OTHER_TEAM = "T0OTHER"


def block_text(blocks: list[dict[str, Any]]) -> str:
    """The readable text of Block Kit blocks (buttons and selects are choices, not text)."""
    out: list[str] = []
    for block in blocks or []:
        if block.get("type") == "actions":
            continue
        texts = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
        for t in texts:
            if isinstance(t, dict) and isinstance(t.get("text"), str):
                out.append(t["text"])
        if block.get("type") == "image":
            out.append(str(block.get("alt_text", "")))
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(
        e["text"]["text"]
        for b in blocks or []
        if b.get("type") == "actions"
        for e in b.get("elements") or []
        if e.get("type") == "button"
    )


class SlackDriver(Driver):
    name = "slack"

    def __init__(self, setup: Setup):
        super().__init__(setup)
        self.engine = make_engine(setup.db_url)
        self._tutor = Tutor(
            setup.course, Store(self.engine), setup.retriever, clock=setup.clock, round_seconds=120
        )
        self.api = FakeSlackAPI().start()
        self.slack = Workspace(self._tutor, self.api)
        self._n = itertools.count(1)
        self.log: list[Seen] = []

    def begin(self) -> None:
        n = next(self._n)
        self.n = n
        self.channel = (f"C{n:03d}CLASS", f"cs-101-{n}")
        self.ids: dict[str, str] = {}
        self.threads: dict[str, str] = {}  # user -> the thread their conversation in the channel is in
        self.log = []

    def close(self) -> None:
        self.slack.close()
        self.api.stop()
        self.engine.dispose()

    @property
    def tutor(self) -> Tutor:
        return self._tutor

    # -- users ------------------------------------------------------------------------------------
    def uid(self, user: str) -> str:
        if user not in self.ids:
            uid = f"U{self.n:03d}{user.upper()}"
            self.ids[user] = uid
            self.slack.names[uid] = user
            self.api.add_user(uid, user, is_admin=user == INSTRUCTOR)
        return self.ids[user]

    def dm(self, user: str) -> str:
        return "D" + self.uid(user)[1:]

    def _owner(self, channel: str) -> str:
        """The user whose DM with the app `channel` is (a user id stands for that DM)."""
        for name, uid in self.ids.items():
            if channel in (uid, "D" + uid[1:]):
                return name
        return channel

    def _place(self, user: str, place: str) -> tuple[str, str]:
        return self.channel if place == CHANNEL else (self.dm(user), "directmessage")

    # -- what users do ----------------------------------------------------------------------------
    def say(self, message: str, user: str = "ada", place: str = DM) -> list[Seen]:
        start = len(self.api.calls)
        if place == DM:
            self.slack.direct_message(message, user=self.uid(user), channel=self.dm(user))
        else:
            ts = f"{int(time.time())}.{self.slack.next_id():06d}"
            root = self.threads.setdefault(user, ts)
            event = {
                "type": "app_mention",
                "user": self.uid(user),
                "text": f"<@{self.api.bot_user_id}> {message}",
                "ts": ts,
                "channel": self.channel[0],
                "team": self.api.team_id,
            }
            if root != ts:
                event["thread_ts"] = root
            self.slack.event(event)
        return self._since(start, user, self._place(user, place))

    def command(self, name: str, args: str = "", user: str = "ada", place: str = CHANNEL) -> list[Seen]:
        start = len(self.api.calls)
        response, _ = self.slack.command(
            f"/{name}", args, user=self.uid(user), channel=self._place(user, place)
        )
        if response.status != 200:
            return [Seen(f"(Slack shows an error: HTTP {response.status})", PRIVATE, user)]
        return self._since(start, user, self._place(user, place))

    def click(self, on: Seen, choice: str, user: str = "ada") -> list[Seen]:
        assert choice in on.choices, f"{choice!r} is not offered: {on.choices}"
        message, channel, ephemeral = on.handle
        start = len(self.api.calls)
        self.slack.click(message, text=choice, user=self.uid(user), channel=channel, ephemeral=ephemeral)
        return self._since(start, user, channel)

    def direct_messages(self, user: str, expect: int = 0) -> list[Seen]:
        self.slack.settle()
        return [s for s in self.log if s.visibility == DIRECT and s.to == user]

    # -- the core ---------------------------------------------------------------------------------
    def learner(self, user: str) -> E.LearnerRef:
        return E.LearnerRef("slack", self.api.team_id, self.uid(user), user)

    def room(self) -> E.ClassRef:
        return E.ClassRef("slack", self.api.team_id, self.channel[0], self.channel[1])

    def elsewhere(self, user: str) -> tuple[E.LearnerRef, E.ClassRef]:
        return (
            E.LearnerRef("slack", OTHER_TEAM, f"U{self.n:03d}{user.upper()}", user),
            E.ClassRef("slack", OTHER_TEAM, f"C{self.n:03d}OTHER", "other-school"),
        )

    def session_of(self, question: Seen) -> int:
        return self.slack.session_of(question.handle[0])

    # -- what the tutor sent ----------------------------------------------------------------------
    def _since(self, start: int, actor: str, place: tuple[str, str]) -> list[Seen]:
        self.slack.settle()
        seen = [s for c in self.api.calls[start:] if not c.error for s in self._seen(c, actor, place)]
        self.log += seen
        return seen

    def _in(self, channel: str, actor: str) -> tuple[str, str]:
        """(visibility, to) of a message posted in `channel` because of `actor`."""
        if channel == self.channel[0]:
            return CLASS, ""
        owner = self._owner(channel)
        return (PRIVATE, actor) if owner == actor else (DIRECT, owner)

    def _seen(self, call: Call, actor: str, place: tuple[str, str]) -> list[Seen]:
        args = call.args
        if call.method == "response_url":
            blocks = args.get("blocks") or []
            visibility = CLASS if args.get("response_type") == "in_channel" else PRIVATE
            text = block_text(blocks) or str(args.get("text", ""))
            handle = ({"ts": "", "blocks": blocks}, place, True)
            return [Seen(text, visibility, actor, buttons(blocks), handle)]
        if call.method == "chat.postEphemeral":
            blocks = args.get("blocks") or []
            text = block_text(blocks) or str(args.get("text", ""))
            handle = ({"ts": "", "blocks": blocks}, (str(args["channel"]), place[1]), True)
            return [Seen(text, PRIVATE, self._owner(str(args.get("user"))), buttons(blocks), handle)]
        if call.method == "chat.postMessage":
            blocks = args.get("blocks") or []
            channel = str(call.response.get("channel") or args.get("channel"))
            visibility, to = self._in(channel, actor)
            name = self.channel[1] if channel == self.channel[0] else "directmessage"
            handle = ({"ts": call.response.get("ts", ""), "blocks": blocks}, (channel, name), False)
            text = block_text(blocks) or str(args.get("text", ""))
            return [Seen(text, visibility, to, buttons(blocks), handle)]
        if call.method == "chat.update":
            return [Seen(block_text(args.get("blocks") or []) or str(args.get("text", "")), CLASS)]
        if call.method == "files.completeUploadExternal":
            visibility, to = self._in(str(args.get("channel_id", "")), actor)
            files = ", ".join(str(f.get("title", "")) for f in args.get("files") or [])
            return [Seen(f"{args.get('initial_comment', '')}\n(file: {files})", visibility, to)]
        return []
