"""GET /healthz and GET /metrics for every worker.

The Slack worker in HTTP mode answers them on its own port, beside /slack/events. The Discord worker and the
Slack worker in Socket Mode have no HTTP port of their own, so they start a `HealthServer` on
TUTOR_HEALTH_PORT (default 8080; 0 turns it off).

/healthz answers 200 "ok" when the worker can serve: the database answers a SELECT 1 and the adapter's own
checks pass (connected to the Discord gateway, the Slack socket open). Otherwise 503 with one line per
problem, so an orchestrator's readiness check (or compose's health status) shows why. A worker whose database
is down recovers by itself when it is back: the check does not restart anything.

/metrics: the tutor's counters and latency histograms in Prometheus' text format.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.tutor import Tutor

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

# an adapter's own check: None when fine, else what is wrong ("discord: not connected to the gateway")
Check = Callable[[], str | None]

# A database that stops answering without closing the link (a partition) would hold /healthz for minutes:
# the check runs on its own thread and counts as failed after this many seconds.
HEALTH_DEADLINE = 4.0
_health_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tutor-healthz")

# The HTTP servers' limits: a class clicking at once must queue, not be reset; a peer that sends nothing
# must not hold a thread; a body must be refused before anything reads it (the signature is checked later).
LISTEN_BACKLOG = 1024
READ_TIMEOUT = 10.0
MAX_BODY = 1024 * 1024


def problems(tutor: Tutor, checks: Iterable[Check] = ()) -> list[str]:
    future = _health_pool.submit(tutor.health)
    try:
        found = future.result(timeout=HEALTH_DEADLINE)
    except FutureTimeout:
        tutor.metrics.error("healthz", "database")
        found = [f"database unreachable: no answer within {HEALTH_DEADLINE:g} s"]
    for check in checks:
        try:
            problem = check()
        except Exception as exc:  # a check that fails is itself a problem, not a crash of the endpoint
            problem = f"{getattr(check, '__name__', 'check')} failed: {type(exc).__name__}"
        if problem:
            found.append(problem)
    return found


def respond(
    environ: dict[str, Any], start_response: Callable[..., Any], tutor: Tutor, checks: Iterable[Check] = ()
) -> list[bytes] | None:
    """Answer GET/HEAD /healthz or /metrics; None for any other request (the caller's own routes)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    path = environ.get("PATH_INFO")
    if path == HEALTH_PATH:
        found = problems(tutor, checks)
        if found:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return ["\n".join(found).encode("utf-8") + b"\n"]
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"ok\n"]
    if path == METRICS_PATH:
        start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")])
        return [tutor.metrics.render().encode("utf-8")]
    return None


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread per connection, a listen backlog sized for a lecture hall, and a close that waits for the
    requests in flight (acknowledged work finishes before the process exits)."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG


class QuietHandler(WSGIRequestHandler):
    """Reads time out (a half-open or silent peer frees its thread after READ_TIMEOUT), and a request whose
    declared body is over MAX_BODY, or that declares none while sending one, is refused before it is read."""

    timeout = READ_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def handle(self) -> None:
        try:
            super().handle()
        except TimeoutError:  # the peer sent nothing for READ_TIMEOUT seconds: drop it quietly
            log.debug("http: a connection timed out")
            self.close_connection = True


def limit_body(application: Callable[..., Any], max_body: int = MAX_BODY) -> Callable[..., Any]:
    """Refuse a body over `max_body` bytes (413) or of unknown length (411) before the application reads
    it: nothing is buffered, logged or verified for it."""

    def limited(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = int(declared) if declared else 0
        except ValueError:
            length = -1
        if chunked or length < 0:
            start_response("411 Length Required", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"a request body needs a Content-Length\n"]
        if length > max_body:
            log.info("http: refused a %d-byte body (the limit is %d)", length, max_body)
            start_response("413 Content Too Large", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"request body too large\n"]
        return application(environ, start_response)

    return limited


class WSGIServerThread:
    """A WSGI application on (host, port), served by a threaded server in a background thread; port 0 picks
    a free one. Raises OSError when it cannot listen there. The Slack HTTP endpoint and the health server."""

    def __init__(self, application: Callable[..., Any], host: str, port: int, name: str):
        self.httpd = make_server(
            host, port, limit_body(application), server_class=ThreadingWSGIServer, handler_class=QuietHandler
        )
        self.port = int(self.httpd.server_port)
        self.name = name
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.5)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(10)


class HealthServer(WSGIServerThread):
    """/healthz and /metrics alone (the workers without an HTTP port of their own)."""

    def __init__(self, tutor: Tutor, host: str = "0.0.0.0", port: int = 8080, checks: Iterable[Check] = ()):
        checks = list(checks)

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            answer = respond(environ, start_response, tutor, checks)
            if answer is not None:
                return answer
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found: this port serves GET /healthz and GET /metrics\n"]

        super().__init__(application, host, port, "tutor-health")


def start_health_server(
    tutor: Tutor, host: str, port: int, checks: Iterable[Check] = ()
) -> HealthServer | None:
    """The health server for a worker without an HTTP port; None when `port` is 0 (turned off). OSError (with
    the reason) when the port is taken."""
    if not port:
        return None
    server = HealthServer(tutor, host, port, checks)
    server.start()
    log.warning("tutor: /healthz and /metrics on %s:%d", host, server.port)
    return server
