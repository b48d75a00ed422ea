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
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.tutor import Tutor

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

# an adapter's own check: None when fine, else what is wrong ("discord: not connected to the gateway")
Check = Callable[[], str | None]


def problems(tutor: Tutor, checks: Iterable[Check] = ()) -> list[str]:
    found = tutor.health()
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
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


class WSGIServerThread:
    """A WSGI application on (host, port), served by a threaded server in a background thread; port 0 picks
    a free one. Raises OSError when it cannot listen there. The Slack HTTP endpoint and the health server."""

    def __init__(self, application: Callable[..., Any], host: str, port: int, name: str):
        self.httpd = make_server(
            host, port, application, server_class=ThreadingWSGIServer, handler_class=QuietHandler
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
