"""A loopback Discord for the adapter's tests: the REST API and the gateway, recording what the bot sends.

One aiohttp server on 127.0.0.1 (an ephemeral port) serves the REST API under `/api/v10` (reach it by
setting `DISCORD_API_URL` to `api_url`) and the gateway websocket at `/gateway` (`DISCORD_GATEWAY_URL`).
The gateway speaks Discord's protocol as the real discord.py client expects it: HELLO, then IDENTIFY and
heartbeats (acknowledged), READY (with `application {id, flags}`) and GUILD_CREATE; the tests then
dispatch INTERACTION_CREATE and MESSAGE_CREATE payloads shaped like Discord's. The REST fake answers as
Discord does (`Content-Type: application/json` exactly; interaction callbacks with `?with_response=1`
answered 200 with the callback's resource) and records every request: callbacks, follow-ups, edits,
channel messages, DM channels opened and command registration. Messages the bot posts are kept,
components and attachments included, so a test can click a button on the message the bot really sent.

Uploads are checked as Discord checks them: a multipart body carries `payload_json` and `files[n]`, and
every `attachments` entry with a new id must name an uploaded `files[n]` (400 otherwise); a file over
the interaction's `attachment_size_limit` is refused with 413, content over 2,000 characters with 400.
Refused requests are recorded with kind "rejected". Opening a DM (`POST /users/@me/channels`) answers a
DM channel with its recipient; a user whose DMs are closed gets Discord's 403 (code 50007) on posting.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 1 << 6
LOADING = 1 << 7
CONTENT_LIMIT = 2000
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_snowflakes = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_snowflakes))


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Upload:
    """One file of a multipart request: the `files[n]` part, with what `attachments` said about it."""

    index: int
    filename: str
    data: bytes
    description: str | None = None


@dataclass
class Request:
    """One REST call the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # the JSON payload (payload_json of a multipart body), or None
    kind: str  # callback | followup | edit_original | channel_message | channel_edit | commands | ...
    token: str = ""  # the interaction token, for callbacks, follow-ups and edits
    files: list[str] = field(default_factory=list)  # names of attached files
    message: dict | None = None  # the message created or edited, as the fake stored it
    uploads: list[Upload] = field(default_factory=list)  # the attached files, their bytes included
    at: float = field(default_factory=time.monotonic)  # when the fake received it (the load script reads it)

    def upload(self, filename: str) -> Upload:
        found = [u for u in self.uploads if u.filename == filename]
        assert found, f"no upload named {filename}: {[u.filename for u in self.uploads]}"
        return found[0]


@dataclass
class User:
    id: str
    name: str
    manage_guild: bool = False
    roles: tuple[str, ...] = ()

    def payload(self) -> dict:
        return {
            "id": self.id,
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": False,
            "public_flags": 0,
        }


@dataclass
class Interaction:
    """An interaction the fake sent; its id and token tie the bot's callbacks and follow-ups to it."""

    id: str
    token: str
    payload: dict


class FakeDiscord:
    def __init__(self, *, allow_message_content: bool = True, gateway_bot_url: str | None = None):
        self.allow_message_content = allow_message_content
        self.gateway_bot_url = gateway_bot_url  # what GET /gateway/bot answers (None: this gateway)
        self.app_id = snowflake()
        self.bot = {
            "id": self.app_id,
            "username": "tutor",
            "global_name": "Tutor",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
        }
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.channel_name = "cs-101"
        self.instructor_role = snowflake()
        self.bot_role = snowflake()  # the role Discord makes for the bot when it joins (managed, tags.bot_id)
        self.requests: list[Request] = []
        self.messages: dict[str, dict] = {}
        self.users: dict[str, User] = {}
        self.closed_dms: set[str] = set()  # user ids whose DMs are closed to the bot (403, code 50007)
        self.attachments: dict[str, bytes] = {}  # attachment id -> the bytes uploaded
        self.identifies: list[dict] = []
        self.closed_codes: list[int] = []
        self.commands: dict[str, list[dict]] = {}  # "global" or a guild id -> the registered commands
        self.reject_login = False
        self._originals: dict[str, str] = {}  # interaction token -> the id of its original message
        self._interactions: dict[str, Interaction] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server --------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Wait until predicate() is truthy (re-checked on every request and gateway message); return it."""

        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        try:
            return await asyncio.wait_for(check(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s; the bot sent: {[(r.kind, r.path) for r in self.requests]}"
            ) from None

    async def poll(self, predicate: Callable[[], Any], timeout: float = 15.0, every: float = 0.05) -> Any:
        """Wait until predicate() is truthy for what the fake does not see (log lines, the tutor's calls)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate()):
            if loop.time() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
            await asyncio.sleep(every)
        return result

    # -- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:  # heartbeat
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:  # identify
                    await self._identify(ws, data["d"])
                elif (
                    op == 6
                ):  # resume: not kept here, so the session is invalid (the client identifies again)
                    await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            await self._changed_now()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        self.identifies.append(d)
        if d.get("token") != "test-token":
            self.closed_codes.append(4004)
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if d.get("intents", 0) & MESSAGE_CONTENT_INTENT and not self.allow_message_content:
            self.closed_codes.append(4014)
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = d.get("shard") or [0, 1]
        self._sockets.append(ws)
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": self.bot,
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": snowflake(),
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": self.app_id, "flags": 0},
                "private_channels": [],
            },
        )
        await self._send(ws, "GUILD_CREATE", self.guild_payload())
        await self._changed_now()

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a gateway event to the connected bot (waiting for it to connect first)."""
        await self.wait_for(lambda: self._sockets, timeout=15)
        await self._send(self._sockets[-1], event, data)

    async def close_gateway(self, code: int) -> None:
        """Close every gateway connection with `code` (4004: the token was revoked)."""
        for ws in list(self._sockets):
            self.closed_codes.append(code)
            await ws.close(code=code)

    @property
    def connected(self) -> bool:
        return bool(self._sockets)

    def guild_payload(self) -> dict:
        return {
            "id": self.guild_id,
            "name": "Course server",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": snowflake(),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                self._role(self.guild_id, "@everyone", (1 << 10) | (1 << 11), 0),
                self._role(self.instructor_role, "Instructor", 0, 1),
                {
                    **self._role(self.bot_role, "Tutor", 0, 2),
                    "managed": True,
                    "tags": {"bot_id": self.app_id},
                },
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _now(),
            "large": False,
            "unavailable": False,
            "member_count": 5,
            "voice_states": [],
            "members": [self._member_payload(self.bot, roles=())],
            "channels": [self._channel_payload()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    @staticmethod
    def _role(role_id: str, name: str, permissions: int, position: int) -> dict:
        return {
            "id": role_id,
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _channel_payload(self) -> dict:
        return {
            "id": self.channel_id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": self.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _member_payload(self, user: dict, roles: tuple[str, ...], permissions: int | None = None) -> dict:
        member = {
            "user": user,
            "roles": list(roles),
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    # -- interactions --------------------------------------------------------------------------
    def user(self, name: str, *, manage_guild: bool = False, instructor_role: bool = False) -> User:
        roles = (self.instructor_role,) if instructor_role else ()
        user = User(snowflake(), name, manage_guild, roles)
        self.users[user.id] = user
        return user

    def dm_channel_id(self, user: User) -> str:
        return str(int(user.id) + 7)

    def _base(self, itype: int, user: User, *, dm: bool, data: dict, message: dict | None = None) -> dict:
        iid, token = snowflake(), f"token-{snowflake()}"
        payload: dict = {
            "id": iid,
            "application_id": self.app_id,
            "type": itype,
            "token": token,
            "version": 1,
            "data": data,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str((1 << 10) | (1 << 11) | (1 << 14)),
        }
        if dm:
            payload["channel_id"] = self.dm_channel_id(user)
            payload["channel"] = {
                "id": self.dm_channel_id(user),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user.payload()],
            }
            payload["user"] = user.payload()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": self.guild_id}
        else:
            permissions = (1 << 10) | (1 << 11) | ((1 << 5) if user.manage_guild else 0)
            payload["guild_id"] = self.guild_id
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": self.guild_id, "locale": "en-US", "features": []}
            payload["channel_id"] = self.channel_id
            payload["channel"] = self._channel_payload()
            payload["member"] = self._member_payload(user.payload(), user.roles, permissions)
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": self.guild_id}
        if message is not None:
            payload["message"] = message
        return payload

    async def _send_interaction(self, payload: dict) -> Interaction:
        interaction = Interaction(payload["id"], payload["token"], payload)
        self._interactions[interaction.token] = interaction
        if "message" in payload:
            self._originals[interaction.token] = payload["message"]["id"]
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def _command_id(self, name: str) -> str:
        for commands in self.commands.values():
            for c in commands:
                if c["name"] == name:
                    return c["id"]
        return snowflake()

    async def slash(
        self, name: str, user: User, /, *, dm: bool = False, subcommand: str = "", **options: Any
    ) -> Interaction:
        """A user runs /name (or /name subcommand) with options (strings, integers) in the class channel
        or in a DM."""
        given = [
            {"name": k, "type": 4 if isinstance(v, int) else 3, "value": v}
            for k, v in options.items()
            if v is not None
        ]
        data = {
            "id": self._command_id(name),
            "name": name,
            "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": given}] if subcommand else given,
        }
        if not dm:
            data["guild_id"] = self.guild_id
        return await self._send_interaction(self._base(2, user, dm=dm, data=data))

    async def autocomplete(
        self, name: str, option: str, typed: str, user: User, /, *, subcommand: str = "", **others: Any
    ) -> Interaction:
        given = [{"name": option, "type": 3, "value": typed, "focused": True}]
        given += [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in others.items()]
        data = {
            "id": self._command_id(name),
            "name": name,
            "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": given}] if subcommand else given,
        }
        return await self._send_interaction(self._base(4, user, dm=False, data=data))

    async def click(self, message: dict, custom_id: str, user: User) -> Interaction:
        """A user clicks the button `custom_id` on `message` (a message the bot posted)."""
        assert custom_id in component_ids(message), (
            f"{custom_id} is not on the message: {component_ids(message)}"
        )
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(
            self._base(3, user, dm=self._is_dm(message), data=data, message=message)
        )

    async def choose(self, message: dict, custom_id: str, values: list[str], user: User) -> Interaction:
        """A user picks `values` in the select menu `custom_id` on `message`."""
        assert custom_id in component_ids(message), (
            f"{custom_id} is not on the message: {component_ids(message)}"
        )
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._send_interaction(
            self._base(3, user, dm=self._is_dm(message), data=data, message=message)
        )

    async def submit_modal(
        self, custom_id: str, values: dict[str, str], user: User, *, dm: bool = False
    ) -> Interaction:
        """A user submits the modal `custom_id` with text inputs filled in (as Label components, like Discord)."""
        components = [
            {"type": 18, "id": i + 1, "component": {"type": 4, "id": i + 10, "custom_id": k, "value": v}}
            for i, (k, v) in enumerate(values.items())
        ]
        data = {"custom_id": custom_id, "components": components}
        return await self._send_interaction(self._base(5, user, dm=dm, data=data))

    def _is_dm(self, message: dict) -> bool:
        return message.get("channel_id") != self.channel_id

    async def say(
        self,
        content: str,
        user: User,
        *,
        dm: bool = False,
        mention: bool = False,
        guild_id: str = "",
        **extra: Any,
    ) -> dict:
        """A user posts a message in the class channel (mentioning the bot or not), or in a DM; `guild_id`
        names another server (one the bot has no cache of), `extra` adds or replaces message fields."""
        message = {
            "id": snowflake(),
            "channel_id": self.dm_channel_id(user) if dm else self.channel_id,
            "author": user.payload(),
            "content": (f"<@{self.app_id}> " if mention else "") + content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [self.bot] if mention else [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if not dm:
            message["guild_id"] = guild_id or self.guild_id
            message["member"] = {k: v for k, v in self._member_payload({}, user.roles).items() if k != "user"}
        message.update(extra)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    # -- what the bot sent ---------------------------------------------------------------------
    def of(self, interaction: Interaction, kind: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.token == interaction.token and (kind is None or r.kind == kind)]

    async def response(self, interaction: Interaction, timeout: float = 15.0) -> Request:
        """The bot's callback to the interaction (defer, message, modal, autocomplete)."""
        found = await self.wait_for(lambda: self.of(interaction, "callback"), timeout)
        return found[0]

    async def followups(
        self, interaction: Interaction, count: int = 1, timeout: float = 20.0
    ) -> list[Request]:
        return await self.wait_for(
            lambda: f if len(f := self.of(interaction, "followup")) >= count else None, timeout
        )

    async def edits(self, interaction: Interaction, count: int = 1, timeout: float = 20.0) -> list[Request]:
        return await self.wait_for(
            lambda: e if len(e := self.of(interaction, "edit_original")) >= count else None, timeout
        )

    def kinds(self, kind: str) -> list[Request]:
        return [r for r in self.requests if r.kind == kind]

    # -- REST ----------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, uploads = await self._body(request)
        files = [u.filename for u in uploads]
        if self.reject_login and path == "/users/@me":
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        if request.headers.get("Authorization", "").startswith("Bot ") and not request.headers[
            "Authorization"
        ].endswith("test-token"):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        refused = self._refuse(path, body, uploads)
        try:
            if refused is not None:
                status, answer = refused
                record: Request | None = Request(request.method, path, dict(request.query), body, "rejected")
            else:
                status, answer, record = self._route(request.method, path, dict(request.query), body, uploads)
        except KeyError:
            status, answer, record = 404, {"message": "Unknown route", "code": 0}, None
        if record is not None:
            record.files = files
            record.uploads = uploads
            self.requests.append(record)
            await self._changed_now()
        if status == 204:
            return web.Response(status=204)
        return self._json(answer, status)

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py reads a body as JSON only when the content type is exactly application/json
        return web.Response(
            status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )

    @staticmethod
    async def _body(request: web.Request) -> tuple[Any, list[Upload]]:
        """The JSON payload, and the uploaded files of a multipart body (payload_json + files[n])."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body = json.loads(str(form.get("payload_json", "{}")))
            message = (body.get("data") if "type" in body and "data" in body else body) or {}
            described = {str(a.get("id")): a.get("description") for a in message.get("attachments") or []}
            uploads = []
            for key, part in form.items():
                m = re.fullmatch(r"files\[(\d+)\]", key)
                if m and isinstance(part, web.FileField):
                    index = int(m.group(1))
                    uploads.append(Upload(index, part.filename, part.file.read(), described.get(str(index))))
            return body, uploads
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _refuse(self, path: str, body: Any, uploads: list[Upload]) -> tuple[int, dict] | None:
        """Discord's answer to a message it would not take (None: it takes it)."""
        if not isinstance(body, dict):
            return None
        message = body
        if re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            message = body.get("data") or {}
        if not isinstance(message, dict):
            return None
        content = message.get("content") or ""
        if len(content) > CONTENT_LIMIT:
            errors = {
                "content": {
                    "_errors": [
                        {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                    ]
                }
            }
            return 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}
        if any(len(u.data) > ATTACHMENT_SIZE_LIMIT for u in uploads):
            return 413, {"code": 40005, "message": "Request entity too large"}
        indexes = {u.index for u in uploads}
        for i, a in enumerate(message.get("attachments") or []):
            ident = str(a.get("id", ""))
            is_new = ident.isdigit() and int(ident) < 1_000_000  # an upload's index, not a snowflake
            if (is_new and int(ident) not in indexes) or (not is_new and ident not in self.attachments):
                errors = {
                    "attachments": {
                        str(i): {
                            "_errors": [{"code": "ATTACHMENT_NOT_FOUND", "message": "Unknown attachment"}]
                        }
                    }
                }
                return 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}
        return None

    def _route(
        self, method: str, path: str, query: dict, body: Any, uploads: list[Upload]
    ) -> tuple[int, Any, Request | None]:
        def rec(kind: str, token: str = "", message: dict | None = None) -> Request:
            return Request(method, path, query, body, kind, token, message=message)

        if method == "GET" and path == "/users/@me":
            return 200, self.bot, rec("login")
        if method == "GET" and path == "/oauth2/applications/@me":
            return 200, self._application(), rec("application")
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            url = self.gateway_bot_url or self.gateway_url
            limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return 200, {"url": url, "shards": 1, "session_start_limit": limits}, rec("gateway")
        if m := re.fullmatch(r"/applications/(\d+)/commands", path):
            return self._register(method, "global", body, rec("commands"))
        if m := re.fullmatch(r"/applications/(\d+)/guilds/(\d+)/commands", path):
            return self._register(method, m.group(2), body, rec("guild_commands"))
        if method == "POST" and (m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)):
            return self._callback(m.group(2), body, rec, uploads)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/@original", path):
            token = m.group(2)
            original = self.messages[self._originals[token]]
            if method == "GET":
                return 200, original, None
            if method == "PATCH":
                self._apply_edit(original, body, uploads)
                return 200, original, rec("edit_original", token, original)
            if method == "DELETE":
                return 204, None, rec("delete_original", token)
        if method == "POST" and (m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path)):
            token = m.group(2)
            channel = self._interactions[token].payload["channel_id"]
            message = self._new_message(
                channel, body, flags=(body or {}).get("flags", 0), webhook=True, uploads=uploads
            )
            return 200, message, rec("followup", token, message)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/(\d+)", path):
            message = self.messages[m.group(3)]
            self._apply_edit(message, body, uploads)
            return 200, message, rec("edit_followup", m.group(2), message)
        if method == "POST" and (m := re.fullmatch(r"/channels/(\d+)/messages", path)):
            closed = [u for u in self.closed_dms if self.dm_channel_id(self.users[u]) == m.group(1)]
            if closed:
                refusal = {"code": 50007, "message": "Cannot send messages to this user"}
                return 403, refusal, rec("dm_refused")
            message = self._new_message(m.group(1), body, flags=(body or {}).get("flags", 0), uploads=uploads)
            return 200, message, rec("channel_message", message=message)
        if method == "PATCH" and (m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            message = self.messages[m.group(2)]
            self._apply_edit(message, body, uploads)
            return 200, message, rec("channel_edit", message=message)
        if method == "POST" and re.fullmatch(r"/channels/(\d+)/typing", path):
            return 204, None, rec("typing")
        if method == "POST" and path == "/users/@me/channels":
            return 200, self._open_dm(str((body or {}).get("recipient_id", ""))), rec("open_dm")
        raise KeyError(path)

    def _open_dm(self, user_id: str) -> dict:
        """The DM channel with a user, as Discord answers POST /users/@me/channels (the same channel every
        time: a user has one DM channel with the bot)."""
        user = self.users.get(user_id) or User(user_id, f"user-{user_id}")
        self.users.setdefault(user_id, user)
        return {
            "id": self.dm_channel_id(user),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user.payload()],
        }

    def _application(self) -> dict:
        return {
            "id": self.app_id,
            "name": "Tutor",
            "icon": None,
            "description": "A course tutor",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": {**self.bot, "id": snowflake(), "username": "owner", "bot": False},
            "team": None,
            "summary": "",
        }

    def _register(self, method: str, scope: str, body: Any, record: Request) -> tuple[int, Any, Request]:
        if method == "GET":
            return 200, self.commands.get(scope, []), record
        commands = [
            {
                **c,
                "id": snowflake(),
                "application_id": self.app_id,
                "version": snowflake(),
                "default_member_permissions": c.get("default_member_permissions"),
                "type": c.get("type", 1),
                "dm_permission": c.get("dm_permission", True),
                "nsfw": c.get("nsfw", False),
                **({"guild_id": scope} if scope != "global" else {}),
            }
            for c in body or []
        ]
        self.commands[scope] = commands
        return 200, commands, record

    def _callback(
        self, token: str, body: dict, rec: Callable[..., Request], uploads: list[Upload]
    ) -> tuple[int, Any, Request]:
        interaction = self._interactions[token]
        rtype = body["type"]
        data = body.get("data") or {}
        channel = interaction.payload["channel_id"]
        result: dict = {
            "interaction": {
                "id": interaction.id,
                "type": interaction.payload["type"],
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": {"type": rtype},
        }
        message = None
        if rtype in (4, 5):  # a message, or the "thinking..." one a follow-up replaces
            flags = data.get("flags", 0) | (LOADING if rtype == 5 else 0)
            message = self._new_message(
                channel, data if rtype == 4 else {}, flags=flags, webhook=True, uploads=uploads
            )
            self._originals[token] = message["id"]
        elif rtype == 7:  # update the message the component is on
            message = self.messages[self._originals[token]]
            self._apply_edit(message, data, uploads)
        if message is not None:
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"]["message"] = message
        return 200, result, rec("callback", token, message)

    def _new_message(
        self,
        channel_id: str,
        body: dict | None,
        *,
        flags: int = 0,
        webhook: bool = False,
        uploads: list[Upload] | None = None,
    ) -> dict:
        body = body or {}
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": self.bot,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(channel_id, flags, uploads or [], body.get("attachments")),
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": body.get("components") or [],
        }
        if channel_id == self.channel_id:
            message["guild_id"] = self.guild_id
        if webhook:
            message["webhook_id"] = self.app_id
            message["application_id"] = self.app_id
        self.messages[message["id"]] = message
        return message

    def _apply_edit(self, message: dict, body: dict | None, uploads: list[Upload] | None = None) -> None:
        for key in ("content", "embeds", "components"):
            if body and key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if body and ("attachments" in body or uploads):
            # `attachments` lists what stays (existing ids) and what is new (upload indexes)
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message.get("attachments", []) if a["id"] in keep]
            added = self._attachments(
                message["channel_id"], message.get("flags", 0), uploads or [], body.get("attachments")
            )
            message["attachments"] = kept + added
        message["flags"] = message.get("flags", 0) & ~LOADING
        message["edited_timestamp"] = _now()

    def _attachments(
        self, channel_id: str, flags: int, uploads: list[Upload], described: list[dict] | None
    ) -> list[dict]:
        """Attachment objects for the uploaded files, as Discord returns them on the message."""
        out = []
        for upload in sorted(uploads, key=lambda u: u.index):
            ident = snowflake()
            self.attachments[ident] = upload.data
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{ident}/{upload.filename}"
            attachment: dict = {
                "id": ident,
                "filename": upload.filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                "content_type": content_type(upload.filename, upload.data),
            }
            if upload.description:
                attachment["description"] = upload.description
            if flags & EPHEMERAL:
                attachment["ephemeral"] = True
            size = png_size(upload.data)
            if size:
                attachment["width"], attachment["height"] = size
            out.append(attachment)
        return out


def component_ids(message: dict) -> list[str]:
    """Every custom_id on a message's components (rows and their items)."""
    out = []
    for row in message.get("components", []):
        for item in row.get("components", [row]):
            if "custom_id" in item:
                out.append(item["custom_id"])
    return out


def find_component(message: dict, custom_id: str) -> dict:
    for row in message.get("components", []):
        for item in row.get("components", [row]):
            if item.get("custom_id") == custom_id:
                return item
    raise KeyError(custom_id)


def text_of(request_or_message: Request | dict) -> str:
    """A message's visible text: its content and its embeds' titles, descriptions, fields and footers."""
    message = request_or_message.body if isinstance(request_or_message, Request) else request_or_message
    message = message or {}
    if isinstance(request_or_message, Request) and "data" in message and "type" in message:
        message = message.get("data") or {}
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title", ""), e.get("description", "")]
        for f in e.get("fields", []):
            parts += [f.get("name", ""), f.get("value", "")]
        parts.append((e.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def content_type(filename: str, data: bytes) -> str:
    """What Discord says an upload is: sniffed for pictures, else from the name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if filename.endswith(".gz") or data.startswith(b"\x1f\x8b"):
        return "application/gzip"
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed in ("application/json", "text/plain") else guessed


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk; None for anything else."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height
