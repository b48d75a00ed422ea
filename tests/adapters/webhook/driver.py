"""Drive the webhook platform in-process: its real HTTP endpoint on a loopback port, JSON events in, replies
and the outbox out. For a test (or a cross-platform scenario) it reads as a chat:

    chat = WebhookDriver(tutor)
    chat.say("/round dpo-q1", user="prof")      # the replies for prof; the question is posted in the class
    [question] = chat.channel()[-1]["replies"]
    chat.click(question["session_id"], "B", user="ada")
    chat.tick()                                  # the worker's round closer and digest sender, once
    chat.direct("ada")                           # what ada was sent directly

Users named in `instructors` send events as instructors; `refuse` names learners whose direct messages do not
arrive (a closed DM), to see notices wait and go out on a later tick."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from adapters.webhook.app import EVENTS_PATH, Delivery, WebhookHTTPServer, WebhookTutor
from bot.tutor import Tutor

CLASS = "cs-101"
TOKEN = "webhook-test-token"


class WebhookDriver:
    def __init__(
        self,
        tutor: Tutor,
        *,
        instructors: tuple[str, ...] = ("prof",),
        round_interval: float = 3600.0,
        digest_interval: float | None = None,
    ):
        self.tutor = tutor
        self.instructors = set(instructors)
        self.refuse: set[str] = set()
        self.hook = WebhookTutor(
            tutor,
            token=TOKEN,
            deliver=self._deliver,
            round_interval=round_interval,
            digest_interval=digest_interval,
        )
        self.server = WebhookHTTPServer(self.hook, "127.0.0.1", 0)
        self.server.start()
        self.url = f"http://127.0.0.1:{self.server.port}"
        self._events = 0

    def _deliver(self, delivery: Delivery) -> bool:
        return delivery.get("to", {}).get("user") not in self.refuse

    # -- events in -------------------------------------------------------------------------------------
    def send(self, body: Any, token: str = TOKEN, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
        """POST one event (any JSON, or `raw` bytes) as the platform would; (HTTP status, JSON answer)."""
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + EVENTS_PATH,
            data=data,
            headers={"Content-Type": "application/json", "X-Tutor-Token": token},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def _event(self, kind: str, user: str, place: str | None, **fields: Any) -> list[dict[str, Any]]:
        self._events += 1
        body = {"type": kind, "id": f"evt-{self._events}", "user": user, "place": place, **fields}
        if user in self.instructors:
            body["instructor"] = True
        status, answer = self.send(body)
        assert status == 200, (status, answer)
        return answer["replies"]

    def say(
        self, text: str, user: str = "ada", place: str | None = CLASS, **fields: Any
    ) -> list[dict[str, Any]]:
        """A message from `user` in `place` (None: their direct conversation with the tutor); the replies.
        `fields` go into the event as well (`name="Ada"`)."""
        return self._event("message", user, place, text=text, **fields)

    def click(
        self, session_id: int, value: str, user: str = "ada", place: str | None = CLASS, **fields: Any
    ) -> list[dict[str, Any]]:
        """A click on a question's button (an answer's key, or "close")."""
        return self._event("click", user, place, session_id=session_id, value=value, **fields)

    # -- the worker --------------------------------------------------------------------------------------
    def tick(self) -> None:
        """One tick of each of the worker's loops: close the due rounds, send what is due."""
        self.hook.worker.close_due_rounds()
        self.hook.worker.send_due()

    # -- out -----------------------------------------------------------------------------------------------
    def channel(self, place: str = CLASS) -> list[Delivery]:
        """What was posted in a class's channel (and arrived), oldest first."""
        return [d for d in self.hook.outbox if d.get("to") == {"channel": place} and d["delivered"]]

    def direct(self, user: str) -> list[Delivery]:
        """What `user` was sent directly (and received), oldest first."""
        return [d for d in self.hook.outbox if d.get("to") == {"user": user} and d["delivered"]]

    def updates(self) -> list[Delivery]:
        """Updates of posted messages (a closed round's question losing its buttons)."""
        return [d for d in self.hook.outbox if "update" in d]

    def close(self) -> None:
        self.server.stop()
        self.hook.stop()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)
