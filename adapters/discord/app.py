"""`tutor serve discord`: the tutor as a Discord bot (discord.py), wired to the core.

Slash commands /ask, /quiz, /review, /progress, /leaderboard, /next, /privacy, /digest, /timezone,
/my-data, /forget-me, /help, and for instructors /class-report, /inbox, /review-answers, /class-timezone;
questions in DMs and mentions; class rounds with buttons, select menus and a modal. Every interaction is
acknowledged first (defer) and the tutor's work runs in a thread after it, except answers: an answer is
recorded (committed) before its interaction is acknowledged, those that arrive together in one transaction.
Buttons and menus are DynamicItems whose custom_id carries the quiz session (or the learner), so they keep
working after a restart; round deadlines are stored, and the shared worker (bot/worker.py, on its own threads,
through `DiscordPlatform`, this adapter's side of the Platform port) posts the results of the rounds that are
due (rounds left open by a restart too), sends the daily digest of due reviews and the outcomes of
instructors' reviews of answers as direct messages, and retries the instructors' answers whose direct message
to an asker failed. Pictures (charts) and files (/my-data) are uploaded as attachments.

No `from __future__ import annotations` here: discord.py reads the commands' annotations at definition
time (the /ask length limit comes from TUTOR_MAX_TEXT).
"""

import asyncio
import contextlib
import logging
import sys
from typing import Any, Literal

import aiohttp
import discord
import yarl
from discord import app_commands

from adapters.discord import parse, render
from adapters.discord.components import ChoicesSelect, ForgetButton, FormSelect, TutorButton
from adapters.discord.settings import DiscordSettings
from bot import commands, health, visibility, worker
from bot import events as E
from bot import replies as R
from bot.settings import Settings
from bot.tutor import Tutor

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
# A reply to someone's own question may notify them (and no one else).
PING_ASKER = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=True)
SORRY = (
    "Sorry, something went wrong on my side. It has been logged for the people who run me; "
    "please try again in a moment."
)
COULD_NOT_READ = "I couldn't read that request."
UNKNOWN_COMMAND = (
    "I don't know that command, or it has changed since Discord listed it. Type /help for the commands I know "
    "(Discord may take a minute to show the new list)."
)
# answered only to the learner (in a server channel): their own data, settings, and instructors' views
EXIT_USAGE, EXIT_FAILED, EXIT_UNAVAILABLE = 2, 1, 3
SEND_TIMEOUT = 60.0  # seconds a worker's thread waits for one send on the client's loop


def intents(message_content: bool) -> discord.Intents:
    """What the bot subscribes to: servers and their channels, messages in servers and DMs (for mentions
    and DMs), and the privileged message-content intent when the Developer Portal allows it."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.dm_messages = True
    chosen.message_content = message_content
    return chosen


def configure_endpoints(api_url: str = "", gateway_url: str = "") -> None:
    """Point discord.py at a REST proxy (DISCORD_API_URL) and a gateway (DISCORD_GATEWAY_URL). Both are
    process-wide: discord.py builds every REST URL from Route.BASE, and a plain Client connects to
    DiscordWebSocket.DEFAULT_GATEWAY without asking REST for it."""
    if api_url:
        if not api_url.startswith(("http://", "https://")):
            raise ValueError("DISCORD_API_URL must be an http(s) URL, e.g. https://discord.com/api/v10")
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        if not gateway_url.startswith(("ws://", "wss://")):
            raise ValueError("DISCORD_GATEWAY_URL must be a ws(s) URL, e.g. wss://gateway.discord.gg/")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


# -- the client --------------------------------------------------------------------------------------
class _TutorClientMixin:
    adapter: "DiscordAdapter"

    async def setup_hook(self) -> None:
        await self.adapter.setup(self)  # type: ignore[arg-type]

    async def on_ready(self) -> None:
        self.adapter.on_ready(self)  # type: ignore[arg-type]

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)


def guard_parsers(client: discord.Client) -> None:
    """discord.py raises inside its gateway parser on a payload it cannot read (an interaction without
    `version`, `attachment_size_limit` or `member.flags`); uncaught, that ends the client and the worker.
    Each event the library cannot read is logged in one line and dropped; the worker carries on."""
    parsers = client._connection.parsers
    for event, parser in list(parsers.items()):
        if event not in ("READY", "RESUMED"):  # the session itself: a failure there is not one event's
            parsers[event] = _guarded(event, parser)


def _guarded(event: str, parse: Any) -> Any:
    def guarded(data: Any) -> None:
        try:
            parse(data)
        except Exception as exc:  # the library's own parsing: any error is about this one payload
            log.warning(
                "discord: dropped a %s event the library could not read (%s: %s)",
                event,
                type(exc).__name__,
                exc,
            )

    return guarded


class TutorClient(_TutorClientMixin, discord.Client):
    def __init__(self, adapter: "DiscordAdapter", **options: Any):
        super().__init__(**options)
        self.adapter = adapter
        self.tree = build_tree(self, adapter)
        guard_parsers(self)


class ShardedTutorClient(_TutorClientMixin, discord.AutoShardedClient):
    """For large deployments (thousands of servers): one process, several gateway shards."""

    def __init__(self, adapter: "DiscordAdapter", **options: Any):
        super().__init__(**options)
        self.adapter = adapter
        self.tree = build_tree(self, adapter)
        guard_parsers(self)


def build_tree(client: discord.Client, adapter: "DiscordAdapter") -> app_commands.CommandTree:
    """The slash commands, usable in servers and in DMs with the bot (the class commands in servers only).

    Instructor commands are listed for everyone: instructors may be members with a role named in
    TUTOR_INSTRUCTORS rather than Manage Server, which Discord's own permission gate cannot express. The
    tutor refuses students politely; server admins may hide the commands (Server Settings → Integrations).
    """
    tree = app_commands.CommandTree(
        client,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
    )
    longest = max(1, min(6000, adapter.tutor.max_text))  # Discord's own ceiling for a text option is 6,000

    @tree.command(name="ask", description=commands.command("ask").summary)
    @app_commands.describe(question="Your question, in your own words")
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, longest]) -> None:
        await adapter.on_command(interaction, "ask", {"question": question})

    @tree.command(name="quiz", description=commands.command("quiz").summary)
    @app_commands.describe(
        topic="A concept of the course (or a few words); empty: what to learn next",
        seconds="How long a class round stays open, in seconds",
    )
    async def quiz(
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 0, 200] | None = None,
        seconds: app_commands.Range[int, 10, 86400] | None = None,
    ) -> None:
        await adapter.on_command(interaction, "quiz", {"topic": topic or "", "seconds": seconds})

    @quiz.autocomplete("topic")
    async def quiz_topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in render.topic_choices(adapter.tutor.course, current)
        ]

    @tree.command(name="review", description=commands.command("review").summary)
    async def review(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "review", {})

    @tree.command(name="progress", description=commands.command("progress").summary)
    async def progress(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "progress", {})

    @tree.command(name="leaderboard", description=commands.command("leaderboard").summary)
    @app_commands.describe(period="All time (default) or this week")
    async def leaderboard(
        interaction: discord.Interaction, period: Literal["all", "week"] | None = None
    ) -> None:
        await adapter.on_command(interaction, "leaderboard", {"period": period or "all"})

    @tree.command(name="privacy", description=commands.command("privacy").summary)
    @app_commands.describe(
        mode="visible (your name), hidden (not at all) or pseudonym (a name of your choice)",
        name="The name to show, with mode pseudonym",
    )
    async def privacy(
        interaction: discord.Interaction,
        mode: Literal["visible", "hidden", "pseudonym"] | None = None,
        name: app_commands.Range[str, 1, 32] | None = None,
    ) -> None:
        await adapter.on_command(interaction, "privacy", {"mode": mode or "", "name": name or ""})

    @tree.command(name="digest", description=commands.command("digest").summary)
    @app_commands.describe(
        setting="on or off", quiet="Quiet hours in your time, no message then, e.g. 22-8 (the default)"
    )
    async def digest(
        interaction: discord.Interaction,
        setting: Literal["on", "off"] | None = None,
        quiet: app_commands.Range[str, 1, 16] | None = None,
    ) -> None:
        await adapter.on_command(interaction, "digest", {"setting": setting or "", "quiet": quiet or ""})

    @tree.command(name="timezone", description=commands.command("timezone").summary)
    @app_commands.describe(zone="A time zone name, e.g. Europe/Berlin or America/New_York")
    async def timezone(interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        await adapter.on_command(interaction, "timezone", {"zone": zone})

    @tree.command(name="my-data", description=commands.command("my-data").summary)
    async def my_data(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "my-data", {})

    @tree.command(name="forget-me", description=commands.command("forget-me").summary)
    async def forget_me(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "forget-me", {})

    @tree.command(name="next", description=commands.command("next").summary)
    async def next_(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "next", {})

    @tree.command(name="help", description=commands.command("help").summary)
    async def help_(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "help", {})

    # -- instructors ------------------------------------------------------------------------------
    @tree.command(name="class-report", description=commands.command("class-report").summary)
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)  # about a class
    async def class_report(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "class-report", {})

    @tree.command(name="class-timezone", description=commands.command("class-timezone").summary)
    @app_commands.describe(zone="A time zone name, e.g. Europe/Berlin or America/New_York")
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)  # about a class
    async def class_timezone(interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        await adapter.on_command(interaction, "class-timezone", {"zone": zone})

    async def zones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in render.zone_choices(current)]

    timezone.autocomplete("zone")(zones)
    class_timezone.autocomplete("zone")(zones)

    inbox = app_commands.Group(name="inbox", description=commands.command("inbox").summary)

    @inbox.command(name="list", description="The open questions, with who asked and the closest concepts")
    async def inbox_list(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "inbox", {"action": "list"})

    @inbox.command(name="answer", description="Answer a question (everyone who asked it gets a DM)")
    @app_commands.describe(item="The question's id, from /inbox list", text="Your answer")
    async def inbox_answer(
        interaction: discord.Interaction,
        item: app_commands.Range[int, 1, 2**53],
        text: app_commands.Range[str, 1, longest],
    ) -> None:
        await adapter.on_command(interaction, "inbox", {"action": "answer", "item": item, "text": text})

    @inbox.command(name="add", description="Add an answered question to the course, under a concept")
    @app_commands.describe(
        item="The question's id, from /inbox list", concept="The concept (default: the closest one)"
    )
    async def inbox_add(
        interaction: discord.Interaction,
        item: app_commands.Range[int, 1, 2**53],
        concept: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        await adapter.on_command(interaction, "inbox", {"action": "add", "item": item, "text": concept or ""})

    @inbox.command(name="dismiss", description="Take a question off the list (its askers are not told)")
    @app_commands.describe(item="The question's id, from /inbox list")
    async def inbox_dismiss(
        interaction: discord.Interaction, item: app_commands.Range[int, 1, 2**53]
    ) -> None:
        await adapter.on_command(interaction, "inbox", {"action": "dismiss", "item": item})

    @inbox_add.autocomplete("concept")
    async def inbox_concepts(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in render.topic_choices(adapter.tutor.course, current)
        ]

    tree.add_command(inbox)

    reviews = app_commands.Group(
        name="review-answers", description=commands.command("review-answers").summary
    )

    @reviews.command(
        name="list", description="The answers to review: question, answer, the grader's verdicts"
    )
    async def review_list(interaction: discord.Interaction) -> None:
        await adapter.on_command(interaction, "review-answers", {"action": "list"})

    @reviews.command(name="accept", description="Keep an answer's grade (the student is told)")
    @app_commands.describe(
        item="The answer's id, from /review-answers list", comment="A word for the student"
    )
    async def review_accept(
        interaction: discord.Interaction,
        item: app_commands.Range[int, 1, 2**53],
        comment: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await adapter.on_command(
            interaction, "review-answers", {"action": "accept", "item": item, "comment": comment or ""}
        )

    @reviews.command(name="score", description="Re-score an answer by the rubric points it covers")
    @app_commands.describe(
        item="The answer's id, from /review-answers list",
        covered="The rubric points the answer covers, as numbered in the list: e.g. 1,3 or none",
        comment="A word for the student",
    )
    async def review_score(
        interaction: discord.Interaction,
        item: app_commands.Range[int, 1, 2**53],
        covered: app_commands.Range[str, 1, 100],
        comment: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await adapter.on_command(
            interaction,
            "review-answers",
            {"action": "score", "item": item, "covered": covered, "comment": comment or ""},
        )

    tree.add_command(reviews)

    @tree.error
    async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.TransformerError):  # an option discord.py could not convert
            name = interaction.command.qualified_name if interaction.command else "a command"
            log.warning("/%s: could not read the request: an option of the wrong type", name)
            await adapter.tell_unreadable(interaction)
            return
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            # a command this version does not have, or had differently (Discord's list is not synced yet)
            log.warning("a stale or unknown slash command: %s", type(error).__name__)
            await adapter.tell_failure(interaction, UNKNOWN_COMMAND)
            return
        log.error("slash command failed", exc_info=error)
        await adapter.tell_failure(interaction)

    return tree


# -- the Platform port, for the shared worker ---------------------------------------------------------
class DiscordPlatform:
    """Discord as the worker (bot/worker.py) sees it. The worker's ticks run on threads; each send here runs
    on the client's event loop (`asyncio.run_coroutine_threadsafe`) and the thread waits for its outcome."""

    name = parse.PLATFORM

    def __init__(self, adapter: "DiscordAdapter"):
        self.adapter = adapter
        self.loop: asyncio.AbstractEventLoop | None = None  # the client's, set when it starts

    def _on_loop(self, coro: Any) -> Any:
        loop, client = self.loop, self.adapter.client
        if loop is None or client is None or client.is_closed():
            coro.close()
            raise ConnectionError("discord: the client is not running")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(SEND_TIMEOUT)
        except TimeoutError:
            future.cancel()
            raise

    @property
    def client(self) -> discord.Client:
        assert self.adapter.client is not None
        return self.adapter.client

    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        return bool(self._on_loop(self._post(channel, replies)))

    async def _post(self, channel_id: str, replies: list[R.Reply]) -> bool:
        channel = self.client.get_partial_messageable(int(channel_id))
        try:
            for out in render.render(replies):
                await channel.send(**out.send_kwargs(), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.exception(
                "could not post in channel %s (does the bot have Send Messages and Embed Links there?)",
                channel_id,
            )
            return False
        return True

    def retire_round(self, session_id: int) -> None:
        self._on_loop(self._retire(session_id))

    async def _retire(self, session_id: int) -> None:
        """The round's message loses its buttons: the one this process posted, or else where the database says
        it was posted (another worker's round, or this one's before a restart)."""
        known = self.adapter.round_messages.pop(session_id, None)
        if known is None:
            row = await asyncio.to_thread(self.adapter.tutor.store.session, session_id)
            channel_id, _, message_id = (row.message if row else "").partition("/")
            if not (channel_id.isdigit() and message_id.isdigit()):
                return  # a round posted before its message was stored: its buttons answer "closed"
            known = (int(channel_id), int(message_id))
        channel = self.client.get_partial_messageable(known[0])
        await channel.get_partial_message(known[1]).edit(view=None)

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        return bool(self._on_loop(self._send_direct(to, replies)))

    async def _send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        """Replies as a direct message (the DM channel is opened first). False when Discord refuses."""
        try:
            channel = await self.client.create_dm(discord.Object(id=int(to.user)))
            for out in render.render(replies):
                await channel.send(**out.send_kwargs(), allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            log.warning(
                "could not send a direct message to Discord user %s (code %s: DMs closed, or no server shared "
                "with the bot)",
                to.user,
                exc.code,
            )
            return False
        return True

    def deliverable(self, to: E.LearnerRef) -> bool:
        """A learner this bot can message: its learners are one identity across servers, a numeric id."""
        return to.platform == parse.PLATFORM and to.workspace == parse.LEARNER_WORKSPACE and to.user.isdigit()

    def health(self) -> str | None:
        """For /healthz (called from the health server's thread: it only reads flags)."""
        client = self.adapter.client
        if client is None or client.is_closed() or not client.is_ready():
            return "discord: not connected to the gateway"
        return None


# -- the adapter -------------------------------------------------------------------------------------
class DiscordAdapter:
    """Translates between discord.py and the tutor. `run(token)` connects and serves until `stop()`."""

    def __init__(
        self,
        tutor: Tutor,
        *,
        sharded: bool = False,
        guild_ids: list[int] | tuple[int, ...] = (),
        gateway_url: str = "",
        close_every: float = 5.0,
        digest_every: float = 600.0,
        client_options: dict[str, Any] | None = None,
    ):
        self.tutor = tutor
        self.sharded = sharded
        self.guild_ids = list(guild_ids)
        self.gateway_url = gateway_url
        self.client_options = client_options or {}
        self.client: discord.Client | None = None
        self.ready = asyncio.Event()
        self.message_content = True
        # session id -> (channel id, message id) of round messages posted by this process, so a round
        # closed at its deadline loses its buttons (after a restart the buttons answer "closed" instead)
        self.round_messages: dict[int, tuple[int, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self.recorder = worker.Recorder(tutor, name="tutor-discord-recorder")
        self.platform = DiscordPlatform(self)
        self.worker = worker.Worker(
            tutor, self.platform, round_interval=close_every, digest_interval=digest_every
        )

    # -- lifecycle ----------------------------------------------------------------------------------
    def build_client(self, message_content: bool) -> discord.Client:
        # The tutor has no voice: discord.py's warnings about voice libraries would only alarm operators.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options = {"intents": intents(message_content), "allowed_mentions": NO_PINGS, **self.client_options}
        cls = ShardedTutorClient if self.sharded else TutorClient
        return cls(self, **options)

    async def run(self, token: str) -> None:
        """Connect and serve until stop(). Asks for the message-content intent first; if the Developer
        Portal has it off (gateway close 4014), connects again without it."""
        self._stopping = False
        try:
            await self._run(token, message_content=True)
        except discord.PrivilegedIntentsRequired:
            if self._stopping:
                return
            log.warning(
                "The Message Content intent is off in the Discord Developer Portal: connecting without it. "
                "Slash commands work; DMs and mentions are answered as Discord delivers their text."
            )
            await self._run(token, message_content=False)

    async def _run(self, token: str, *, message_content: bool) -> None:
        self.message_content = message_content
        client = self.build_client(message_content)
        self.client = client
        try:
            async with client:
                await client.start(token)
        finally:
            self.ready.clear()
            await asyncio.to_thread(self.worker.stop)  # its threads may be waiting on this loop
            for task in list(self._tasks):
                task.cancel()

    async def serve_forever(self, token: str) -> None:
        """run(), stopping cleanly on SIGTERM or SIGINT (where signals can be handled)."""
        worker.on_loop_signals(asyncio.get_running_loop(), lambda: self._spawn(self.stop()))
        await self.run(token)

    async def stop(self) -> None:
        self._stopping = True
        if self.client is not None:
            await self.client.close()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def setup(self, client: discord.Client) -> None:
        """After login, before the gateway: persistent components, commands, and the embedding model loading
        (the worker's round closer and digest sender start once the gateway is ready)."""
        self.platform.loop = asyncio.get_running_loop()
        client.add_dynamic_items(TutorButton, FormSelect, ForgetButton, ChoicesSelect)
        if self.sharded and self.gateway_url:
            # AutoShardedClient asks REST for the gateway URL; a gateway proxy replaces that answer's URL
            ask_rest = client.http.get_bot_gateway

            async def get_bot_gateway() -> tuple[int, str, Any]:
                shards, _url, limits = await ask_rest()
                return shards, self.gateway_url, limits

            client.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]
        await self.sync_commands(client)
        self.worker.warm_up_soon()

    async def sync_commands(self, client: discord.Client) -> None:
        """Register the commands: in the servers of DISCORD_GUILD_IDS (instantly, for setting up), else
        globally (Discord may take a while to show changes everywhere)."""
        tree: app_commands.CommandTree = client.tree  # type: ignore[attr-defined]
        try:
            if self.guild_ids:
                for gid in self.guild_ids:
                    guild = discord.Object(id=gid)
                    tree.copy_global_to(guild=guild)
                    await tree.sync(guild=guild)
            else:
                await tree.sync()
        except discord.Forbidden:
            log.error(
                "Discord refused to register the slash commands: invite the bot with the "
                "applications.commands scope (deploy/discord.md), and check DISCORD_GUILD_IDS"
            )
        except discord.HTTPException:
            log.exception("registering the slash commands failed")

    def on_ready(self, client: discord.Client) -> None:
        log.info("connected to Discord as %s, in %d servers", client.user, len(client.guilds))
        self.ready.set()
        self.worker.start()  # again after a reconnection: nothing

    # -- who and where ------------------------------------------------------------------------------
    def who(self, interaction: discord.Interaction) -> E.LearnerRef:
        user = interaction.user
        in_guild = interaction.guild_id is not None
        perms = interaction.permissions if in_guild else None
        return parse.learner(
            user.id,
            getattr(user, "global_name", None) or user.name,
            manage_guild=bool(perms and (perms.manage_guild or perms.administrator)),
            role_ids=tuple(r.id for r in getattr(user, "roles", ())),
            instructors=frozenset(self.tutor.instructors),
        )

    def where(self, interaction: discord.Interaction) -> E.ClassRef | None:
        return parse.class_ref(
            interaction.guild_id, interaction.channel_id, getattr(interaction.channel, "name", "") or ""
        )

    async def handle(self, event: E.Event) -> list[R.Reply]:
        """The tutor's work, off the event loop (retrieval takes ~50 ms, the first model load seconds)."""
        return await asyncio.to_thread(self.tutor.handle, event)

    async def record(self, event: E.Event) -> list[R.Reply]:
        """An answer recorded (committed) before its interaction is acknowledged: a deferred interaction
        is never delivered again, so a worker killed between a defer and the commit lost an answer the
        student saw accepted. Answers that arrive together (a class's burst of clicks) are recorded
        together by one thread, one transaction for the group (bot.worker.Recorder). Recording an answer
        takes milliseconds; should it take longer than Discord's 3 s, the student sees Discord's "did not
        respond", and a second click is told the first answer counts."""
        return await asyncio.wrap_future(self.recorder.submit(event))

    # -- slash commands -----------------------------------------------------------------------------
    def _store_round_message(self, session_id: int, where: str) -> None:
        try:
            self.tutor.store.set_round_message(session_id, where)
        except Exception as exc:  # the round stands; only its message may keep its buttons when it closes
            log.warning("could not store where round %s was posted: %s", session_id, exc)

    async def on_command(
        self, interaction: discord.Interaction, command: str, options: dict[str, Any]
    ) -> None:
        private = interaction.guild_id is not None  # until the event says otherwise (bot.visibility)
        try:
            if command == "help":
                # Discord's commands are not the console's: the help is this adapter's (and it is instant)
                await interaction.response.send_message(
                    render.help_text(self.tutor.course.title), ephemeral=private, allowed_mentions=NO_PINGS
                )
                return
            where = self.where(interaction)
            # read first: an unreadable request is refused as the interaction's own (private) response
            event = parse.command_event(command, options, self.who(interaction), where)
            private = private and visibility.of(event) == R.PRIVATE
            await interaction.response.defer(ephemeral=private, thinking=True)
            replies, notices = worker.split_direct(await self.handle(event))
            if any(isinstance(r, R.Confirm) for r in replies):
                # the console's "/forget-me confirm" is a button here
                outs = render.confirm_prompt(
                    replies, interaction.user.id, attachment_limit=self.attachment_limit(interaction)
                )
                await self.send_outs(interaction, outs, ephemeral=private)
                return
            sent = await self.send_seen(interaction, replies, ephemeral=private)
            if notices and self.client is not None:
                # an instructor's answer: each learner who asked gets it as a DM
                self._spawn(self.send_notices(notices))
            for out, message in sent:
                if isinstance(out.view, discord.ui.View) and isinstance(event, E.StartRound):
                    round_q = next((r for r in replies if isinstance(r, R.Question) and r.is_round), None)
                    if round_q is not None:
                        self.round_messages[round_q.session_id] = (message.channel.id, message.id)
                        while len(self.round_messages) > 1000:  # rounds another worker closed
                            self.round_messages.pop(next(iter(self.round_messages)))
                        # stored with the round too (as Slack does), so that whoever closes it (the deadline
                        # on another worker, after a restart) takes the buttons off this message
                        posted_at = f"{message.channel.id}/{message.id}"
                        await asyncio.to_thread(self._store_round_message, round_q.session_id, posted_at)
        except parse.BadPayload as exc:
            log.warning("/%s: could not read the request: %s", command, exc)
            await self.tell_unreadable(interaction)
        except Exception:
            log.exception("/%s failed", command)
            await self.tell_failure(interaction)

    async def send_seen(
        self, interaction: discord.Interaction, replies: list[R.Reply], *, ephemeral: bool
    ) -> list[tuple[render.Out, discord.WebhookMessage]]:
        """A command's replies after its defer, each seen by whom the core says: after a public defer (an
        answer for the channel), what is the learner's alone ("not covered", a refusal) follows ephemerally,
        and when nothing is for the channel the public "thinking" message is deleted first."""
        mine = [r for r in replies if r.visibility == R.PRIVATE]
        if ephemeral or not mine:
            return await self.send(interaction, replies, ephemeral=ephemeral)
        shown = [r for r in replies if r.visibility != R.PRIVATE]
        if not shown:
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        sent = await self.send(interaction, shown, ephemeral=False) if shown else []
        return sent + await self.send(interaction, mine, ephemeral=True)

    async def send(
        self, interaction: discord.Interaction, replies: list[R.Reply], *, ephemeral: bool
    ) -> list[tuple[render.Out, discord.WebhookMessage]]:
        """Follow-ups after a defer, split to Discord's limits; never an empty reply (the thinking state
        would stay)."""
        outs = render.render(replies, attachment_limit=self.attachment_limit(interaction))
        return await self.send_outs(interaction, outs, ephemeral=ephemeral)

    @staticmethod
    def attachment_limit(interaction: discord.Interaction) -> int:
        """The largest file this interaction's answers may carry (Discord says so in every interaction)."""
        return int(getattr(interaction, "filesize_limit", 0) or render.ATTACHMENT_LIMIT)

    async def send_outs(
        self, interaction: discord.Interaction, outs: list[render.Out], *, ephemeral: bool
    ) -> list[tuple[render.Out, discord.WebhookMessage]]:
        outs = outs or [render.Out(content="Done.")]
        sent: list[tuple[render.Out, discord.WebhookMessage]] = []
        for out in outs:
            message = await interaction.followup.send(
                **out.send_kwargs(), ephemeral=ephemeral, allowed_mentions=NO_PINGS, wait=True
            )
            sent.append((out, message))
        return sent

    async def tell_failure(self, interaction: discord.Interaction, text: str = SORRY) -> None:
        """A polite word to the learner; the details are in the log, never in the chat."""
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
            else:
                await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("could not tell the learner that their request failed")

    async def tell_unreadable(self, interaction: discord.Interaction) -> None:
        """A request the adapter cannot read (the caller logs why): a clean refusal, never a traceback."""
        await self.tell_failure(interaction, COULD_NOT_READ)

    # -- buttons, menus, modals ---------------------------------------------------------------------
    async def on_button(self, interaction: discord.Interaction, click: parse.Click) -> None:
        private = interaction.guild_id is not None  # in a DM everything is private already
        try:
            if click.action == "f" and click.arg == "e":
                # a modal must be the first response: nothing slow may come before it
                await interaction.response.send_modal(
                    render.answer_modal(click.session_id, self.tutor.max_text)
                )
                return
            if click.action == "f":
                await interaction.response.defer(ephemeral=private, thinking=True)
                out = await asyncio.to_thread(self._form, click.session_id, "", "")
                await interaction.followup.send(
                    **out.send_kwargs(), ephemeral=private, allowed_mentions=NO_PINGS
                )
                return
            if click.action == "r":
                await interaction.response.defer()
                out = await asyncio.to_thread(self._form, click.session_id, "", "")
                await interaction.edit_original_response(**out.edit_kwargs(), allowed_mentions=NO_PINGS)
                return
            if click.action == "c":
                await self._close_by_button(interaction, click)
                return
            event = parse.click_event(click, self.who(interaction), self.where(interaction))
            if event is None:
                await interaction.response.send_message("That button does nothing.", ephemeral=True)
                return
            if click.action == "g":
                # the answer form is replaced by the verdict; the answer is recorded before the defer
                replies = await self.record(event)
                await interaction.response.defer()
                outs = render.render(replies) or [render.Out(content="Done.")]
                await interaction.edit_original_response(**outs[0].edit_kwargs(), allowed_mentions=NO_PINGS)
                for out in outs[1:]:
                    await interaction.followup.send(
                        **out.send_kwargs(), ephemeral=private, allowed_mentions=NO_PINGS
                    )
                return
            if isinstance(event, E.Answer):
                replies = await self.record(event)
                await interaction.response.defer(ephemeral=private, thinking=True)
            else:
                await interaction.response.defer(ephemeral=private, thinking=True)
                replies = await self.handle(event)
            await self.send(interaction, replies, ephemeral=private)
        except parse.BadPayload as exc:
            log.warning("button %s: could not read the request: %s", click.action, exc)
            await self.tell_unreadable(interaction)
        except Exception:
            log.exception("button %s failed", click)
            await self.tell_failure(interaction)

    async def _close_by_button(self, interaction: discord.Interaction, click: parse.Click) -> None:
        await interaction.response.defer()  # nothing shown yet: the results are for the whole class
        event = E.CloseRound(
            self.who(interaction), session_id=click.session_id, where=self.where(interaction)
        )
        replies = await self.handle(event)
        if not any(isinstance(r, R.RoundResult) for r in replies):  # not theirs to close, or closed already
            await self.send(interaction, replies, ephemeral=True)
            return
        await self.send(interaction, replies, ephemeral=False)
        self.round_messages.pop(click.session_id, None)
        try:
            await interaction.edit_original_response(view=None)  # the round message loses its buttons
        except discord.HTTPException:
            log.warning("could not remove the buttons of round %s", click.session_id, exc_info=True)

    async def on_forget(self, interaction: discord.Interaction, user_id: str, confirm: bool) -> None:
        """/forget-me's buttons: delete everything (ForgetMe(confirm=True)) or keep it. The prompt is
        replaced by the outcome, so a second click finds no button."""
        try:
            if str(interaction.user.id) != user_id:  # ephemeral prompts are seen by one learner; DMs too
                await interaction.response.send_message(
                    "This button belongs to someone else's /forget-me.", ephemeral=True
                )
                return
            if not confirm:
                await interaction.response.edit_message(
                    content="Nothing was deleted. /my-data shows what the tutor keeps about you.",
                    embeds=[],
                    view=None,
                    allowed_mentions=NO_PINGS,
                )
                return
            await interaction.response.defer()
            event = E.ForgetMe(self.who(interaction), confirm=True, where=self.where(interaction))
            outs = render.render(await self.handle(event)) or [render.Out(content="Done.")]
            await interaction.edit_original_response(**outs[0].edit_kwargs(), allowed_mentions=NO_PINGS)
            for out in outs[1:]:
                await interaction.followup.send(
                    **out.send_kwargs(),
                    ephemeral=interaction.guild_id is not None,
                    allowed_mentions=NO_PINGS,
                )
        except Exception:
            log.exception("/forget-me confirmation failed")
            await self.tell_failure(interaction)

    async def on_pick(
        self, interaction: discord.Interaction, session_id: int, kind: str, picks: str, value: str
    ) -> None:
        try:
            await interaction.response.defer()
            out = await asyncio.to_thread(self._form, session_id, picks, value, kind)
            await interaction.edit_original_response(**out.edit_kwargs(), allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("answer form of session %s failed", session_id)
            await self.tell_failure(interaction)

    def _form(self, session_id: int, picks: str, value: str, kind: str = "") -> render.Out:
        """The answer form after one more pick (or fresh), from the session as stored."""
        found = self.tutor.shown(session_id)
        if found is None:
            return render.Out(content="That question is no longer available. Start a new one with /quiz.")
        row, shown = found
        refusal = self.tutor.closed(row)
        if refusal:
            return render.Out(content=refusal)
        question = self.tutor.course.questions[row.question_id]
        if question.type not in ("ordering", "matching"):
            return render.Out(content="This question is answered with the buttons on it.")
        expected = "o" if question.type == "ordering" else "m"
        if value and kind == expected:
            picks = parse.pick(kind, len(question.options), picks, value)
        elif kind and kind != expected:
            picks = ""
        return render.form(shown, picks)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions (the essay answer): handled here by their custom_id, so a modal opened
        before a restart is still answered after it. A component or a modal that is not the tutor's (another
        app's custom_id, an old version's) gets a clean refusal. Everything else is dispatched by discord.py."""
        if interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            try:
                parse.check_component(data.get("custom_id"))
            except parse.BadPayload as exc:  # discord.py has no item for it: nobody else answers
                log.warning("a component interaction could not be read: %s", exc)
                await self.tell_unreadable(interaction)
            return
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = interaction.data or {}  # type: ignore[assignment]
        private = interaction.guild_id is not None
        session_id: int | None = None
        try:
            session_id = parse.parse_modal_id(data.get("custom_id"))
            if session_id is None:
                raise parse.BadPayload("the modal's custom_id is not the tutor's")
            text = parse.modal_text(data.get("components"))
            event = E.Answer(
                self.who(interaction), response=text, session_id=session_id, where=self.where(interaction)
            )
            replies = await self.record(event)
            await interaction.response.defer(ephemeral=private, thinking=True)
            await self.send(interaction, replies, ephemeral=private)
        except parse.BadPayload as exc:
            log.warning("a modal submission could not be read: %s", exc)
            await self.tell_unreadable(interaction)
        except Exception:
            log.exception("essay answer to session %s failed", session_id)
            await self.tell_failure(interaction)

    # -- DMs and mentions ---------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        me = self.client.user if self.client else None
        if me is None or message.author.bot or message.author.id == me.id:
            return
        # a server the bot has no cache of (message.guild None) is still a server: its id is on the channel
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        is_dm = guild_id is None
        own_role = message.guild.self_role if message.guild else None
        replied = message.reference.resolved if message.reference else None
        try:
            text = parse.question_in_message(
                message.content,
                me.id,
                is_dm=is_dm,
                bot_role_id=own_role.id if own_role else None,
                replies_to_bot=isinstance(replied, discord.Message) and replied.author.id == me.id,
            )
        except parse.BadPayload as exc:  # not known to be for the tutor: nobody to answer
            log.warning("message %s could not be read: %s", message.id, exc)
            return
        if text is None:
            return
        author = message.author
        perms = getattr(author, "guild_permissions", None)
        who = parse.learner(
            author.id,
            getattr(author, "global_name", None) or author.name,
            manage_guild=bool(perms and (perms.manage_guild or perms.administrator)),
            role_ids=tuple(r.id for r in getattr(author, "roles", ())),
            instructors=frozenset(self.tutor.instructors),
        )
        where = parse.class_ref(
            guild_id,
            message.channel.id,
            getattr(message.channel, "name", "") or "",
        )
        try:
            if not text or text.startswith("/"):
                # a bare mention, or "/quiz" typed as text (not a command): show the commands
                await message.reply(render.help_text(self.tutor.course.title), allowed_mentions=PING_ASKER)
                return
            event = E.Ask(who, text=text, where=where)
            async with message.channel.typing():
                replies = await asyncio.to_thread(self._handle_once, f"message:{message.id}", event)
            if replies is None:  # delivered twice (e.g. to two workers): answered once
                return
            for i, out in enumerate(render.render(replies) or [render.Out(content="Done.")]):
                if i == 0:
                    await message.reply(**out.send_kwargs(), allowed_mentions=PING_ASKER)
                else:
                    await message.channel.send(**out.send_kwargs(), allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("answering message %s failed", message.id)
            with contextlib.suppress(Exception):
                await message.reply(SORRY, allowed_mentions=NO_PINGS)

    def _handle_once(self, key: str, event: E.Event) -> list[R.Reply] | None:
        if not self.tutor.store.first_delivery(parse.PLATFORM, key, self.tutor.clock()):
            return None
        return self.tutor.handle(event)

    # -- the worker's ticks, from the event loop (tests, an instructor's answer) --------------------------
    async def close_due_rounds(self) -> int:
        """Post the results of the rounds that are due in their channels; returns how many."""
        return await asyncio.to_thread(self.worker.close_due_rounds)

    async def send_digests(self) -> int:
        """Send each due digest as a direct message; returns how many were delivered."""
        return await asyncio.to_thread(self.worker.send_digests)

    async def send_notices(self, notices: list[R.DirectMessage] | None = None) -> int:
        """The learners' outbox as DMs: the messages a command just made, or (None) what this tick finds owed
        (answers still undelivered, the outcomes of instructors' reviews of answers); how many arrived."""
        return await asyncio.to_thread(self.worker.send_notices, notices)


# -- `tutor serve discord` ---------------------------------------------------------------------------
def _error(message: str) -> None:
    print(f"tutor: {message}", file=sys.stderr)


def serve(
    tutor: Tutor, settings: Settings, args: Any, discord_settings: DiscordSettings | None = None
) -> int:
    """Run the Discord bot until stopped; the exit code for `tutor serve discord`. The DISCORD_* settings come
    from the environment unless given."""
    discord_settings = discord_settings or DiscordSettings()
    token = discord_settings.token.get_secret_value().strip() if discord_settings.token else ""
    if not token:
        _error(
            "DISCORD_TOKEN is not set: put the bot's token from the Discord Developer Portal "
            "(Bot → Reset Token) in it; see deploy/discord.md"
        )
        return EXIT_USAGE
    try:
        guilds = parse.guild_ids(discord_settings.guild_ids)
    except ValueError as exc:
        _error(f"DISCORD_GUILD_IDS: {exc}; give comma-separated server ids")
        return EXIT_USAGE
    try:
        configure_endpoints(discord_settings.api_url, discord_settings.gateway_url)
    except ValueError as exc:
        _error(str(exc))
        return EXIT_USAGE
    adapter = DiscordAdapter(
        tutor,
        sharded=bool(getattr(args, "sharded", False)),
        guild_ids=guilds,
        gateway_url=discord_settings.gateway_url,
        digest_every=float(settings.digest_interval),
    )
    port = settings.health_port if getattr(args, "health_port", None) is None else int(args.health_port)
    try:  # no HTTP port of its own: /healthz and /metrics on TUTOR_HEALTH_PORT
        probe = health.start_health_server(tutor, "0.0.0.0", port, [adapter.platform.health])
    except OSError as exc:
        _error(
            f"cannot listen on port {port} for /healthz: {exc.strerror or exc} "
            "(set TUTOR_HEALTH_PORT to a free port, or 0 to turn it off)"
        )
        return EXIT_USAGE
    try:
        return _run_discord(adapter, token)
    finally:
        if probe is not None:
            probe.stop()


def _run_discord(adapter: DiscordAdapter, token: str) -> int:
    try:
        asyncio.run(adapter.serve_forever(token))
    except discord.LoginFailure:
        _error(
            "Discord rejected DISCORD_TOKEN: copy the bot token again (Developer Portal → Bot → Reset Token)"
        )
        return EXIT_USAGE
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:
            _error(
                "Discord rejected DISCORD_TOKEN: copy the bot token again (Developer Portal → Bot → Reset Token)"
            )
            return EXIT_USAGE
        if exc.code == 4011:
            _error("Discord requires sharding for this many servers: run `tutor serve discord --sharded`")
            return EXIT_USAGE
        _error(f"the Discord gateway closed the connection (code {exc.code})")
        return EXIT_FAILED
    except (aiohttp.ClientError, OSError) as exc:
        _error(
            f"cannot reach Discord ({type(exc).__name__}): check the network, DISCORD_API_URL and DISCORD_GATEWAY_URL"
        )
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        return 0
    return 0
