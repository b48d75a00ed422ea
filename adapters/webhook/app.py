"""The webhook adapter: POST /webhook/events with a JSON event (see parse.py), and the answer is the replies
for whoever sent it, as JSON: {"replies": [{"type", "text", ...}]}. What the whole class is to see (a round's
question, its results) and what is sent to a learner directly (a review digest, an instructor's answer, the
outcome of a review) goes to the outbox: each delivery is kept in `outbox` and, when TUTOR_WEBHOOK_URL is set,
POSTed there as JSON ({"to": {"channel": ...} or {"user": ...}, "replies": [...]}; a round's question whose
round closed comes again as {"update": message id, "buttons": []}). A delivery the URL does not take (not
2xx) is a failed one: a notice then waits for the worker's next tick.

The shared worker (bot/worker.py) closes this platform's rounds at their deadline and sends its digests and
notices through `WebhookTutor`, its side of the Platform port. GET /healthz and /metrics as every worker.
When TUTOR_WEBHOOK_TOKEN is set, every event must carry it in the X-Tutor-Token header (else 401)."""

from __future__ import annotations

import argparse
import hmac
import itertools
import json
import logging
import os
import sys
import threading
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import Any

from adapters.webhook import parse as P
from adapters.webhook.render import render_all
from bot import events as E
from bot import health, worker
from bot import replies as R
from bot.settings import Settings
from bot.tutor import Tutor

log = logging.getLogger(__name__)

EVENTS_PATH = "/webhook/events"
OUTBOX_KEPT = 1000  # deliveries kept in memory (the outgoing URL has them all)

Delivery = dict[str, Any]


class WebhookTutor:
    """The tutor behind the webhook: `handle(body)` answers one event; the Platform port's methods deliver to
    the outbox. `deliver` sends one delivery and says whether it arrived (default: POST to `out_url` if set,
    else keep it only)."""

    name = P.PLATFORM

    def __init__(
        self,
        tutor: Tutor,
        *,
        out_url: str = "",
        token: str = "",
        deliver: Callable[[Delivery], bool] | None = None,
        round_interval: float = worker.ROUND_INTERVAL,
        digest_interval: float | None = worker.DIGEST_INTERVAL,
    ):
        self.tutor, self.out_url, self.token = tutor, out_url, token
        self.outbox: deque[Delivery] = deque(maxlen=OUTBOX_KEPT)
        self._deliver = deliver or self._post_out
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.worker = worker.Worker(
            tutor, self, round_interval=round_interval, digest_interval=digest_interval
        )

    # -- events in ---------------------------------------------------------------------------------------
    def handle(self, body: Any) -> list[dict[str, Any]]:
        """One event's replies for its sender, as JSON (raises P.BadPayload for one it cannot read). A round
        started in a channel is posted there; a round closed by a click has its results posted there; an
        instructor's answer goes to each asker directly."""
        event = P.parse_event(body)
        key = P.event_id(body)
        if event is None or (
            key and not self.tutor.store.first_delivery(self.name, f"event:{key}", self.tutor.clock())
        ):
            return []
        replies, notices = worker.split_direct(self.tutor.handle(event))
        if isinstance(event, E.StartRound) and event.where is not None:
            replies = self._post_round(event.where.channel, replies)
        results = [r for r in replies if isinstance(r, R.RoundResult)]
        for result in results:
            self.worker.publish_round(self._channel_of(result.session_id), result)
        if notices:
            self.worker.send_notices(notices)
        return render_all([r for r in replies if r not in results])

    def _post_round(self, channel: str, replies: list[R.Reply]) -> list[R.Reply]:
        """A round's question goes to the class's channel, its message stored with the round (whoever closes
        it takes its buttons off); the rest is for the one who started it."""
        question = next((r for r in replies if isinstance(r, R.Question) and r.is_round), None)
        if question is None:
            return replies
        message = self._send({"to": {"channel": channel}, "replies": render_all([question])})
        if message is None:  # nobody can see the question, so nobody can answer: closed unposted
            self.tutor.close_round(question.session_id)
            return [R.Text("I couldn't post the round in this channel; try again.", kind="error")]
        self.tutor.store.set_round_message(question.session_id, message)
        return [r for r in replies if r is not question]

    def _channel_of(self, session_id: int) -> str:
        """The channel of a round's class (where its results go, wherever the click came from)."""
        row = self.tutor.store.session(session_id)
        room = self.tutor.store.class_by_id(row.class_id) if row and row.class_id else None
        return room.channel if room else ""

    # -- the Platform port ---------------------------------------------------------------------------------
    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        return self._send({"to": {"channel": channel}, "replies": render_all(replies)}) is not None

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        return self._send({"to": {"user": to.user}, "replies": render_all(replies)}) is not None

    def retire_round(self, session_id: int) -> None:
        row = self.tutor.store.session(session_id)
        if row is not None and row.message:
            self._send({"update": row.message, "buttons": []})

    def deliverable(self, to: E.LearnerRef) -> bool:
        return to.platform == P.PLATFORM and to.workspace == P.WORKSPACE

    def health(self) -> str | None:
        return None

    # -- the outbox ------------------------------------------------------------------------------------------
    def _send(self, delivery: Delivery) -> str | None:
        """Deliver one message; its id ("webhook/7") if it arrived, else None. Kept in `outbox` either way."""
        with self._lock:
            message = f"{P.PLATFORM}/{next(self._ids)}"
        delivery = {"message": message, **delivery}
        try:
            arrived = self._deliver(delivery)
        except Exception as exc:
            log.warning("webhook: delivering %s failed: %s", message, exc)
            arrived = False
        self.outbox.append({**delivery, "delivered": arrived})
        return message if arrived else None

    def _post_out(self, delivery: Delivery) -> bool:
        if not self.out_url:
            return True
        request = urllib.request.Request(
            self.out_url, json.dumps(delivery).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return 200 <= response.status < 300

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self, warm_up: bool = False) -> None:
        if warm_up:
            self.worker.warm_up_soon()
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop(timeout)


# -- HTTP -------------------------------------------------------------------------------------------------
def wsgi_app(hook: WebhookTutor) -> Callable[..., Any]:
    """POST /webhook/events -> 200 {"replies": [...]}, 400 for an event it cannot read, 401 without the token;
    GET /healthz and /metrics."""

    def answer(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body, ensure_ascii=False).encode("utf-8")]

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        probe = health.respond(environ, start_response, hook.tutor, [hook.health])
        if probe is not None:
            return probe
        if environ.get("PATH_INFO") != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return answer(start_response, "404 Not Found", {"error": "not found"})
        if hook.token and not hmac.compare_digest(environ.get("HTTP_X_TUTOR_TOKEN", ""), hook.token):
            log.warning("webhook: refused an event without the right X-Tutor-Token (401)")
            return answer(start_response, "401 Unauthorized", {"error": "unauthorized"})
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(size) or b"null")
            replies = hook.handle(body)
        except (ValueError, P.BadPayload) as exc:  # JSON that does not parse is a ValueError too
            log.warning(
                "webhook: could not read an event: %s", exc if isinstance(exc, P.BadPayload) else "not JSON"
            )
            return answer(start_response, "400 Bad Request", {"error": "I couldn't read that request."})
        return answer(start_response, "200 OK", {"replies": replies})

    return application


class WebhookHTTPServer(health.WSGIServerThread):
    """The HTTP endpoint: a threaded WSGI server on (host, port); port 0 picks a free one."""

    def __init__(self, hook: WebhookTutor, host: str = "127.0.0.1", port: int = 3000):
        super().__init__(wsgi_app(hook), host, port, "tutor-webhook-http")


# -- `serve` --------------------------------------------------------------------------------------------
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve(tutor: Tutor, settings: Settings, args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM (or `args.stop` is set): the HTTP endpoint on --host/--port and the worker."""
    token = os.environ.get("TUTOR_WEBHOOK_TOKEN", "").strip()
    host, port = getattr(args, "host", "127.0.0.1"), getattr(args, "port", 3000)
    if not token and host not in LOOPBACK:
        # without a token anyone who reaches the port speaks as any learner, or as an instructor
        print(
            f"tutor: set TUTOR_WEBHOOK_TOKEN to serve the webhook on {host}; without it, serve on 127.0.0.1 only",
            file=sys.stderr,
        )
        return 2
    hook = WebhookTutor(
        tutor,
        out_url=os.environ.get("TUTOR_WEBHOOK_URL", ""),
        token=token,
        digest_interval=float(settings.digest_interval),
    )
    try:
        server = WebhookHTTPServer(hook, host, port)
    except OSError as exc:
        print(f"tutor: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stop: threading.Event = getattr(args, "stop", None) or threading.Event()
    worker.on_signals(stop.set)
    hook.start(warm_up=True)
    server.start()
    log.warning("tutor: webhook on %s:%d%s", host, server.port, EVENTS_PATH)
    worker.wait(stop)
    server.stop()
    hook.stop()
    return 0
