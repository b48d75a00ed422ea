"""Discord as a scenario platform: the real discord.py client (the adapter) against the loopback fake REST API
and gateway (tests/fakes/discord_api.py). One client, gateway and database per test module, run on an event
loop of their own in a thread, so the scenarios stay plain functions; each scenario gets a class channel
(announced with CHANNEL_CREATE) and users of its own.

What a user sees: an interaction's response and follow-ups (ephemeral: only the user; otherwise the
channel's), the tutor's replies to messages, and messages in DM channels (the user's own doing: private;
someone else's: a direct message)."""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import discord

from adapters.discord.app import configure_endpoints
from bot import events as E
from bot.tutor import Tutor
from tests.adapters.discord.conftest import Bot
from tests.fakes.discord_api import (
    EPHEMERAL,
    FakeDiscord,
    Interaction,
    Request,
    User,
    component_ids,
    snowflake,
    text_of,
)
from tests.scenarios.driver import CHANNEL, CLASS, DIRECT, DM, INSTRUCTOR, PRIVATE, Driver, Seen, Setup

QUIET = 0.15  # seconds without a request from the bot: it has said all it will say


def options_of(name: str, args: str) -> tuple[str, dict[str, Any]]:
    """A command typed as the console types it -> (subcommand, options) as Discord sends them."""
    args = args.strip()
    if name == "ask":
        return "", {"question": args}
    if name == "quiz":
        return "", {"topic": args or None}
    if name == "leaderboard":
        return "", {"period": args or None}
    if name in ("timezone", "class-timezone"):
        return "", {"zone": args}
    if name == "privacy":
        mode, _, pseudonym = args.partition(" ")
        return "", {"mode": mode or None, "name": pseudonym or None}
    if name == "digest":
        setting, _, quiet = args.partition(" ")
        return "", {"setting": setting or None, "quiet": quiet or None}
    if name == "inbox":
        action, _, rest = args.partition(" ")
        item, _, more = rest.partition(" ")
        given: dict[str, Any] = {"item": int(item)} if item.isdigit() else {}
        if action == "answer":
            given["text"] = more
        elif action == "add" and more:
            given["concept"] = more
        return action or "list", given
    assert not args, f"the scenario driver does not know /{name}'s options"
    return "", {}


class DiscordDriver(Driver):
    name = "discord"

    def __init__(self, setup: Setup):
        super().__init__(setup)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="scenario-discord", daemon=True)
        self.thread.start()
        self.saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        self.fake: FakeDiscord = self._run(FakeDiscord().start())
        configure_endpoints(self.fake.api_url, self.fake.gateway_url)
        self.bot = Bot(self.fake, setup.course, setup.retriever, setup.db_url, setup.clock)
        self._run(self.bot.start())
        self._n = itertools.count(1)
        self.log: list[Seen] = []
        self.upto = len(self.fake.requests)
        self.actor = ""

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def begin(self) -> None:
        n = next(self._n)
        self.n = n
        self.fake.channel_id, self.fake.channel_name = snowflake(), f"cs-101-{n}"
        self._run(self.fake.dispatch("CHANNEL_CREATE", self.fake._channel_payload()))
        self.users: dict[str, User] = {}
        self.log = []
        self.upto = len(self.fake.requests)

    def close(self) -> None:
        try:
            self._run(self.bot.stop())
            self.bot.close()
            self._run(self.fake.stop())
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self.saved
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    @property
    def tutor(self) -> Tutor:
        return self.bot.tutor

    def user(self, name: str) -> User:
        if name not in self.users:
            self.users[name] = self.fake.user(name, manage_guild=name == INSTRUCTOR)
        return self.users[name]

    # -- what users do ----------------------------------------------------------------------------
    def say(self, message: str, user: str = "ada", place: str = DM) -> list[Seen]:
        start = self._before()
        sent = self._run(self.fake.say(message, self.user(user), dm=place == DM, mention=place == CHANNEL))

        def answered() -> bool:
            return any(
                r.kind == "channel_message"
                and str(((r.body or {}).get("message_reference") or {}).get("message_id")) == sent["id"]
                for r in self.fake.requests[start:]
            )

        return self._collect(start, user, answered)

    def command(self, name: str, args: str = "", user: str = "ada", place: str = CHANNEL) -> list[Seen]:
        start = self._before()
        sub, given = options_of(name, args)
        it = self._run(self.fake.slash(name, self.user(user), dm=place == DM, subcommand=sub, **given))
        return self._collect(start, user, self._answered(it))

    def click(self, on: Seen, choice: str, user: str = "ada") -> list[Seen]:
        assert choice in on.choices, f"{choice!r} is not offered: {on.choices}"
        message = on.handle
        [custom_id] = [
            item["custom_id"]
            for row in message.get("components", [])
            for item in row.get("components", [row])
            if item.get("label") == choice
        ]
        start = self._before()
        it = self._run(self.fake.click(message, custom_id, self.user(user)))
        return self._collect(start, user, self._answered(it))

    def direct_messages(self, user: str, expect: int = 0) -> list[Seen]:
        deadline = time.monotonic() + 15

        def mine() -> list[Seen]:
            return [s for s in self.log if s.visibility == DIRECT and s.to == user]

        while True:
            self._catch_up()
            if len(mine()) >= expect or time.monotonic() > deadline:
                return mine()
            time.sleep(0.05)

    # -- the core ---------------------------------------------------------------------------------
    def learner(self, user: str) -> E.LearnerRef:
        u = self.user(user)
        return E.LearnerRef("discord", "discord", u.id, u.name.title(), spans_workspaces=True)

    def room(self) -> E.ClassRef:
        return E.ClassRef("discord", self.fake.guild_id, self.fake.channel_id, self.fake.channel_name)

    def elsewhere(self, user: str) -> tuple[E.LearnerRef, E.ClassRef]:
        return (
            E.LearnerRef("discord", "discord", snowflake(), user.title(), spans_workspaces=True),
            E.ClassRef("discord", snowflake(), snowflake(), "other-server"),
        )

    def session_of(self, question: Seen) -> int:
        ids = [m for i in component_ids(question.handle) if (m := re.match(r"tutor:[a-z]:(\d+)", i))]
        assert ids, f"no question buttons on {question.text[:80]!r}"
        return int(ids[0].group(1))

    # -- what the tutor sent ----------------------------------------------------------------------
    def _answered(self, it: Interaction) -> Callable[[], bool]:
        """True once the interaction has its answer: a message, or a defer and what replaced it."""

        def done() -> bool:
            mine = self.fake.of(it)
            callback = next((r for r in mine if r.kind == "callback"), None)
            if callback is None:
                return False
            if callback.body["type"] == 5:
                return any(r.kind == "followup" for r in mine)
            if callback.body["type"] == 6:
                return any(r.kind in ("followup", "edit_original") for r in mine)
            return True

        return done

    def _collect(self, start: int, actor: str, done: Callable[[], bool]) -> list[Seen]:
        async def settle() -> None:
            await self.fake.wait_for(done, timeout=30)
            seen = -1
            while seen != len(self.fake.requests):  # and then nothing more for a moment
                seen = len(self.fake.requests)
                await asyncio.sleep(QUIET)

        self._run(settle())
        self.actor = actor
        return self._catch_up(start)

    def _before(self) -> int:
        """Where this action's requests start; whatever came late for the previous action is its."""
        self._catch_up()
        return self.upto

    def _catch_up(self, start: int | None = None) -> list[Seen]:
        requests = self.fake.requests
        begin, end = (self.upto if start is None else start), len(requests)
        self.upto = end
        seen = [s for r in requests[begin:end] for s in self._seen(r, self.actor)]
        self.log += seen
        return seen

    def _seen(self, r: Request, actor: str) -> list[Seen]:
        assert r.kind != "rejected", f"Discord refused what the tutor sent: {r.body}"
        shown = r.kind in ("followup", "edit_original", "edit_followup", "channel_message")
        if not shown and not (r.kind == "callback" and r.body["type"] in (4, 7)):
            return []  # a defer, a modal, an autocomplete, a login, ...
        message = r.message or {}
        visibility, to = self._in(message, actor)
        choices = tuple(
            item["label"]
            for row in message.get("components", [])
            for item in row.get("components", [row])
            if item.get("type") == 2 and item.get("label")
        )
        return [Seen(text_of(message), visibility, to, choices, message)]

    def _in(self, message: dict[str, Any], actor: str) -> tuple[str, str]:
        channel = message.get("channel_id")
        if channel == self.fake.channel_id:
            return (PRIVATE, actor) if message.get("flags", 0) & EPHEMERAL else (CLASS, "")
        owner = next((n for n, u in self.users.items() if self.fake.dm_channel_id(u) == channel), channel)
        return (PRIVATE, actor) if owner == actor else (DIRECT, str(owner))
