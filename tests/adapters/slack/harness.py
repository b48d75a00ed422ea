"""A Slack workspace as the tutor sees it: requests signed and shaped as Slack sends them, posted over real
HTTP to the real Bolt app (adapters.slack.app behind its WSGI server on an ephemeral loopback port), which
talks back to a fake Web API (tests.fakes.slack_api) that records every call."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from adapters.slack.app import SlackHTTPServer, SlackTutor
from bot.tutor import Tutor
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.tutorbot import right_answer  # noqa: F401  (the Slack tests import it from here)

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-test"
CLASS = ("C0CLASS", "cs-101")
STUDENTS = {"U0ADA": "ada", "U0BOB": "bob", "U0CY": "cy"}
INSTRUCTOR = ("U0PROF", "prof")
MASS_MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "@everyone")


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """How Slack signs a request: v0= HMAC-SHA256 of 'v0:<timestamp>:<body>' with the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def question_of_type(tutor: Tutor, qtype: str, skip: int = 0) -> str:
    return [q.id for q in tutor.course.questions.values() if q.type == qtype][skip]


def find_element(blocks: list[dict[str, Any]], *, text: str | None = None, action_id: str | None = None):
    """(block, element) of the first interactive element with this label or action_id."""
    for block in blocks:
        for element in block.get("elements") or []:
            label = (element.get("text") or {}).get("text") if isinstance(element.get("text"), dict) else None
            if (text is not None and label == text) or (
                action_id is not None and element.get("action_id") == action_id
            ):
                return block, element
        accessory = block.get("accessory")
        if accessory and action_id is not None and accessory.get("action_id") == action_id:
            return block, accessory
    raise AssertionError(f"no element {text or action_id!r} in {json.dumps(blocks)[:2000]}")


def all_text(calls: list[Call]) -> str:
    return "\n".join(c.texts() for c in calls)


class SlackSide:
    """The Slack side of the conversation: requests signed and shaped as Slack sends them, posted to the
    tutor's endpoint at `base` (an in-process app, or a worker process: `tutor serve slack`)."""

    def __init__(self, base: str, api: FakeSlackAPI, *, secret: str = SIGNING_SECRET):
        self.api, self.secret, self.base = api, secret, base
        self._ids = itertools.count(1)
        self.names: dict[str, str] = {}  # more users' names, by id (the scenarios' users)
        for uid, name in STUDENTS.items():
            api.add_user(uid, name)
        api.add_user(INSTRUCTOR[0], INSTRUCTOR[1], is_admin=True)

    # -- plumbing --------------------------------------------------------------------------------
    def http(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        request = urllib.request.Request(
            self.base + path, data=body or None, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as r:
                return Response(r.status, r.read(), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read(), dict(e.headers))

    def signed_headers(
        self,
        body: bytes,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> dict[str, str]:
        """The headers Slack sends with `body`: its content type, the timestamp and the signature."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or slack_signature(self.secret, ts, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        extra: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        headers = self.signed_headers(body, content_type, timestamp=timestamp, signature=signature)
        return self.http("POST", "/slack/events", body, {**headers, **(extra or {})})

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every acknowledged request's work is done (a worker process: nothing to wait on)."""

    def next_id(self) -> int:
        return next(self._ids)

    # -- what Slack sends ------------------------------------------------------------------------
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U0ADA",
        channel: tuple[str, str] = CLASS,
        wait: bool = True,
    ) -> tuple[Response, str]:
        """A slash command (form body, as Slack posts it); returns the HTTP response and the response_url key."""
        key = f"cmd{self.next_id()}"
        form = {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "team_domain": "class",
            "channel_id": channel[0],
            "channel_name": channel[1],
            "user_id": user,
            "user_name": self.name_of(user),
            "command": command,
            "text": text,
            "api_app_id": self.api.app_id,
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(key),
            "trigger_id": f"{self.next_id()}.1111.abcdef",
        }
        response = self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")
        if wait:
            self.settle()
        return response, key

    def responses(self, key: str) -> list[Call]:
        return self.api.of("response_url", lambda c: c.path == key and not c.error)

    def name_of(self, user: str) -> str:
        """The user name Slack sends with a user id."""
        return (
            self.names.get(user)
            or STUDENTS.get(user)
            or (INSTRUCTOR[1] if user == INSTRUCTOR[0] else user.lower())
        )

    def _user(self, user: str) -> dict[str, Any]:
        name = self.name_of(user)
        return {"id": user, "username": name, "name": name, "team_id": self.api.team_id}

    def click(self, message: dict[str, Any], *, wait: bool = True, **kw: Any) -> tuple[Response, str]:
        """A click on `message` (as recorded by the fake), posted; see `click_body` for the arguments."""
        body, key = self.click_body(message, **kw)
        response = self.post(body, "application/x-www-form-urlencoded")
        if wait:
            self.settle()
        return response, key

    def click_body(
        self,
        message: dict[str, Any],
        *,
        text: str | None = None,
        action_id: str | None = None,
        user: str = "U0ADA",
        channel: tuple[str, str] | None = CLASS,
        picks: dict[str, str] | None = None,
        ephemeral: bool = False,
    ) -> tuple[bytes, str]:
        """The form body of a block_actions payload for a click on `message` (as recorded by the fake), with
        the clicking user's select state (`picks`: action_id -> option value), as Slack sends it; and the
        key of its response_url."""
        blocks = message.get("blocks") or []
        block, element = find_element(blocks, text=text, action_id=action_id)
        key = f"act{self.next_id()}"
        values: dict[str, dict[str, Any]] = {}
        for b in blocks:
            for e in b.get("elements") or []:
                if e.get("type") == "static_select":
                    chosen = (picks or {}).get(e["action_id"])
                    option = next((o for o in e["options"] if o["value"] == chosen), None)
                    values.setdefault(b["block_id"], {})[e["action_id"]] = {
                        "type": "static_select",
                        "selected_option": option,
                    }
        action = {
            "action_id": element["action_id"],
            "block_id": block.get("block_id", ""),
            "type": element["type"],
            "action_ts": f"{time.time():.6f}",
        }
        if element["type"] == "button":
            action.update({"text": element["text"], "value": element.get("value", "")})
            if element.get("style"):
                action["style"] = element["style"]
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self.api.app_id,
            "token": "legacy-verification-token",
            "trigger_id": f"{self.next_id()}.2222.abcdef",
            "team": {"id": self.api.team_id, "domain": "class"},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": values},
            "actions": [action],
        }
        if channel is None:  # a click on the App Home tab: a view, no channel, no response_url
            payload["container"] = {"type": "view", "view_id": "V0HOME"}
            payload["view"] = {"id": "V0HOME", "type": "home", "blocks": blocks, "state": {"values": values}}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message.get("ts", ""),
                "channel_id": channel[0],
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": channel[0], "name": channel[1]}
            payload["message"] = message
            payload["response_url"] = self.api.response_url(key)
        return urlencode({"payload": json.dumps(payload)}).encode(), key

    def submit_view(
        self, view: dict[str, Any], text: str, *, user: str = "U0ADA", wait: bool = True
    ) -> Response:
        """A view_submission payload for the modal `view` (as the fake recorded it in views.open)."""
        input_block = next(b for b in view["blocks"] if b["type"] == "input")
        payload = {
            "type": "view_submission",
            "team": {"id": self.api.team_id, "domain": "class"},
            "user": self._user(user),
            "api_app_id": self.api.app_id,
            "token": "legacy-verification-token",
            "trigger_id": f"{self.next_id()}.3333.abcdef",
            "view": {
                **view,
                "id": "V0MODAL",
                "team_id": self.api.team_id,
                "state": {
                    "values": {
                        input_block["block_id"]: {
                            input_block["element"]["action_id"]: {"type": "plain_text_input", "value": text}
                        }
                    }
                },
                "hash": "1762074000.abc",
                "app_id": self.api.app_id,
                "bot_id": self.api.bot_id,
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self.post(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        )
        if wait:
            self.settle()
        return response

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        wait: bool = True,
    ) -> Response:
        """An Events API event_callback (JSON body), optionally a redelivery (X-Slack-Retry-Num)."""
        body = {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "api_app_id": self.api.app_id,
            "event": {"event_ts": event.get("ts", f"{time.time():.6f}"), **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{self.next_id():08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.api.team_id,
                    "user_id": self.api.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
        }
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        response = self.post(json.dumps(body).encode(), "application/json", extra=extra)
        if wait:
            self.settle()
        return response

    def mention(
        self, text: str, *, user: str = "U0ADA", channel: str = CLASS[0], ts: str | None = None, **kw
    ):
        ts = ts or f"1762074{self.next_id():03d}.000100"
        return self.event(
            {
                "type": "app_mention",
                "user": user,
                "text": f"<@{self.api.bot_user_id}> {text}",
                "ts": ts,
                "channel": channel,
                "team": self.api.team_id,
            },
            **kw,
        )

    def direct_message(self, text: str, *, user: str = "U0ADA", channel: str = "D0ADA", **kw) -> Response:
        return self.event(
            {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "text": text,
                "ts": f"1762075{self.next_id():03d}.000200",
                "channel": channel,
                "team": self.api.team_id,
            },
            **kw,
        )

    # -- reading what the tutor sent -------------------------------------------------------------
    def round_question(self, index: int = -1) -> dict[str, Any]:
        """The message of a posted round question, as the channel shows it (ts and blocks)."""
        posts = self.api.wait_for("chat.postMessage", lambda c: "Close round" in c.texts())
        post = posts[index]
        return {
            "type": "message",
            "ts": post.response["ts"],
            "blocks": post.args["blocks"],
            "text": post.args["text"],
        }

    def session_of(self, message: dict[str, Any]) -> int:
        """The quiz session id a posted question carries (every button's value starts with it)."""
        for block in message["blocks"]:
            for element in block.get("elements") or []:
                if element.get("type") == "button":
                    return int(str(element["value"]).split(":")[0])
        raise AssertionError("no button in the message")


class Workspace(SlackSide):
    """The tutor's Slack app in-process (the real Bolt app behind its HTTP server), and the Slack side."""

    def __init__(self, tutor: Tutor, api: FakeSlackAPI, *, secret: str = SIGNING_SECRET):
        self.tutor = tutor
        self.bot = SlackTutor(
            tutor,
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=api.api_url,
            round_interval=3600,
        )
        self.server = SlackHTTPServer(self.bot, "127.0.0.1", 0)
        self.server.start()
        super().__init__(f"http://127.0.0.1:{self.server.port}", api, secret=secret)

    def close(self) -> None:
        self.server.stop()
        self.bot.stop()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every acknowledged request's work is done."""
        assert self.bot.wait_idle(timeout), "the tutor's work did not finish"
