"""A fake Slack Web API on an ephemeral loopback port, shaped like the real one, recording what it is sent.

It answers the Web API methods the tutor uses (auth.test, chat.postMessage, chat.postEphemeral, chat.update,
views.publish, views.open, users.info, conversations.join, conversations.open, apps.connections.open,
files.getUploadURLExternal, files.completeUploadExternal) the way slack.com/api does: HTTP 200 with
{"ok": true, ...} or {"ok": false, "error": "..."}, and HTTP 429 with Retry-After for `ratelimited`.
Parameters are read from the query string, a form body or a JSON body, as Slack accepts them. It also takes
`response_url` posts (POST /response/<key>) and serves a Socket Mode WebSocket (/socket).

File uploads follow Slack's current flow: files.getUploadURLExternal hands out an upload URL on this fake
(POST /upload/<file_id>, recorded as the call "upload"), the bytes are POSTed there, and
files.completeUploadExternal shares the file in `channel_id`. `api.uploads` holds every upload, with its
bytes, once it is completed (`api.uploaded()` waits for them).

    api = FakeSlackAPI().start()
    WebClient(token="xoxb-test", base_url=api.api_url)
    api.fail("chat.postEphemeral", "channel_not_found")     # the next call fails so
    api.ratelimit("chat.postMessage", retry_after=1)          # the next call gets a 429
    api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1")
    api.fail("upload", "upload failed")                       # the next upload POST answers HTTP 500
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files")


@dataclass
class Call:
    """One request the fake received: a Web API method, or "response_url" for a response_url post."""

    method: str
    args: dict[str, Any]
    token: str = ""
    error: str = ""  # the error the fake answered with, if it was told to fail this call
    path: str = ""
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered

    def texts(self) -> str:
        """All text this call would show, for assertions about content (JSON of the args)."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass
class Fault:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class SlackUser:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class Upload:
    """A file uploaded through files.getUploadURLExternal, the upload URL and files.completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    alt_txt: str = ""
    data: bytes = b""
    received: bool = False  # the bytes arrived at the upload URL
    completed: bool = False  # files.completeUploadExternal shared it
    title: str = ""
    channel: str = ""
    initial_comment: str = ""


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    uploads: dict[str, Upload] = field(default_factory=dict)


class FakeSlackAPI:
    def __init__(
        self,
        *,
        team_id: str = "T0CLASS",
        bot_user_id: str = "U0TUTOR",
        bot_id: str = "B0TUTOR",
        app_id: str = "A0TUTOR",
    ):
        self.team_id, self.bot_user_id, self.bot_id, self.app_id = team_id, bot_user_id, bot_id, app_id
        self.users: dict[str, SlackUser] = {}
        self._state = _State()
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        # Socket Mode: envelopes to send, and what the client sent back (acknowledgements)
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_received: list[dict[str, Any]] = []

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> FakeSlackAPI:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-slack-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Slack API did not start")
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            for ws in list(self._sockets):
                await ws.close()
            if self._runner:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)
        self._loop.close()
        self._loop = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to (slack_sdk's base_url)."""
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/response/{key}"

    # -- what tests set up -----------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, is_admin: bool = False, is_owner: bool = False) -> None:
        self.users[user_id] = SlackUser(user_id, name, is_admin, is_owner)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error}."""
        with self._cond:
            for _ in range(times):
                self._state.faults[method].append(Fault(error))

    def ratelimit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 429 with Retry-After, as Slack's rate limiter does."""
        with self._cond:
            for _ in range(times):
                self._state.faults[method].append(Fault("ratelimited", 429, retry_after))

    # -- what tests read -------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._state.calls)

    @property
    def uploads(self) -> list[Upload]:
        """Every completed upload, in the order they were completed."""
        with self._cond:
            return [u for u in self._state.uploads.values() if u.completed]

    def uploaded(
        self, where: Callable[[Upload], bool] | None = None, count: int = 1, timeout: float = 15.0
    ) -> list[Upload]:
        """Wait until `count` completed uploads (matching `where`) are there; return them."""
        deadline = time.monotonic() + timeout

        def found() -> list[Upload]:
            return [u for u in self._state.uploads.values() if u.completed and (where is None or where(u))]

        with self._cond:
            while len(found()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.error) for c in self._state.calls]
                    raise AssertionError(f"no {count} completed upload(s) within {timeout}s; calls: {seen}")
                self._cond.wait(left)
            return found()

    def of(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 15.0,
    ) -> list[Call]:
        """Wait until `count` successful calls of `method` (matching `where`) arrived; return them."""
        deadline = time.monotonic() + timeout

        def found() -> list[Call]:
            return [
                c
                for c in self._state.calls
                if c.method == method and not c.error and (where is None or where(c))
            ]

        with self._cond:
            while len(found()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.error) for c in self._state.calls]
                    raise AssertionError(f"no {count} x {method} within {timeout}s; calls: {seen}")
                self._cond.wait(left)
            return found()

    def reset(self) -> None:
        with self._cond:
            self._state.calls.clear()
            self._state.uploads.clear()

    # -- the HTTP side ---------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            ctype = request.headers.get("Content-Type", "")
            if ctype.startswith("application/json"):
                args.update(json.loads(body))
            else:
                args.update(dict(parse_qsl(body.decode())))
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        return args

    def _record(self, call: Call) -> None:
        with self._cond:
            self._state.calls.append(call)
            self._cond.notify_all()

    def _next_fault(self, method: str) -> Fault | None:
        with self._cond:
            queue = self._state.faults.get(method)
            return queue.popleft() if queue else None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or str(args.get("token", ""))
        fault = self._next_fault(method)
        if fault is not None:
            self._record(Call(method, args, token, error=fault.error, path=request.path))
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=headers
            )
        if not token:
            self._record(Call(method, args, token, error="not_authed", path=request.path))
            return web.json_response({"ok": False, "error": "not_authed"})
        answer = self._answer(method, args, token)
        self._record(Call(method, args, token, path=request.path, response=answer))
        return web.json_response(answer)

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        ts = f"1762074000.{next(self._ts):06d}"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://class.slack.test/",
                "team": "Class",
                "user": "tutor",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            message = {
                "type": "message",
                "ts": ts,
                "text": args.get("text", ""),
                "blocks": args.get("blocks", []),
                "bot_id": self.bot_id,
                "user": self.bot_user_id,
                "team": self.team_id,
            }
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            channel = str(args.get("channel", ""))
            if channel.startswith("U"):  # posting to a user id opens the DM with the app
                channel = "D" + channel[1:]
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": args.get("ts"),
                "text": args.get("text"),
            }
        if method in ("views.publish", "views.open"):
            view = dict(args.get("view") or {})
            view.update({"id": f"V{next(self._ts):08d}", "team_id": self.team_id, "app_id": self.app_id})
            return {"ok": True, "view": view}
        if method == "users.info":
            user = self.users.get(str(args.get("user", "")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": user.id,
                    "team_id": self.team_id,
                    "name": user.name,
                    "is_admin": user.is_admin,
                    "is_owner": user.is_owner,
                    "is_primary_owner": False,
                    "is_bot": False,
                    "profile": {"display_name": user.name, "real_name": user.name},
                },
            }
        if method == "conversations.open":
            users = [u for u in str(args.get("users", "")).split(",") if u]
            if len(users) != 1 or users[0] not in self.users:
                return {"ok": False, "error": "user_not_found"}
            # the app's DM with a user: D + the user id's rest (U0ADA -> D0ADA), as the harness assumes
            return {"ok": True, "channel": {"id": "D" + users[0][1:], "is_im": True, "user": users[0]}}
        if method == "files.getUploadURLExternal":
            try:
                length = int(args.get("length", ""))
            except ValueError:
                return {"ok": False, "error": "invalid_arguments"}
            if not args.get("filename") or length <= 0:
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ts):08d}"
            upload = Upload(file_id, str(args["filename"]), length, str(args.get("alt_txt") or ""))
            with self._cond:
                self._state.uploads[file_id] = upload
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        if method == "conversations.join":
            return {"ok": True, "channel": {"id": args.get("channel"), "is_channel": True, "is_member": True}}
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket=t1"}
        return {"ok": False, "error": "unknown_method"}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(args.get("channel_id") or "")
        shared = []
        with self._cond:
            for item in files:
                upload = self._state.uploads.get(str((item or {}).get("id", "")))
                if upload is None or not upload.received:
                    return {"ok": False, "error": "file_not_found"}
            for item in files:
                upload = self._state.uploads[str(item["id"])]
                upload.completed = True
                upload.title = str(item.get("title") or upload.filename)
                upload.channel = channel
                upload.initial_comment = str(args.get("initial_comment") or "")
                shared.append(
                    {
                        "id": upload.file_id,
                        "name": upload.filename,
                        "title": upload.title,
                        "size": len(upload.data),
                        "channels": [channel] if channel else [],
                    }
                )
            self._cond.notify_all()
        return {"ok": True, "files": shared}

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes, POSTed as they are (not a Web API method: no token)."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        args = {"file_id": file_id, "size": len(data)}
        fault = self._next_fault("upload")
        if fault is not None:
            self._record(Call("upload", args, error=fault.error, path=file_id))
            return web.Response(status=500 if fault.status == 200 else fault.status, text=fault.error)
        with self._cond:
            upload = self._state.uploads.get(file_id)
            if upload is not None:
                upload.data, upload.received = data, True
        if upload is None:
            self._record(Call("upload", args, error="not_found", path=file_id))
            return web.Response(status=404, text="not found")
        self._record(Call("upload", args, path=file_id))
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.read()
        args = json.loads(body) if body else {}
        key = request.match_info["key"]
        fault = self._next_fault(f"response_url:{key}") or self._next_fault("response_url")
        if fault is not None:
            self._record(Call("response_url", args, error=fault.error, path=key))
            return web.Response(status=404 if fault.status == 200 else fault.status, text=fault.error)
        self._record(Call("response_url", args, path=key))
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        self._record(Call("socket.connected", {}))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                with self._cond:
                    self.socket_received.append(data)
                self._record(Call("socket.received", data))
        self._sockets.remove(ws)
        return ws

    def socket_send(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope (events_api, slash_commands, interactive) to every connected client."""
        assert self._loop is not None

        async def send() -> None:
            for ws in list(self._sockets):
                await ws.send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(10)
