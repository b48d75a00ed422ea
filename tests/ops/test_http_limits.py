"""The HTTP server every worker uses (the Slack endpoint, /healthz): a lecture hall's burst queues instead of
being reset, a silent peer loses its connection, an oversized body is refused unread, and a database that
stops answering makes /healthz say 503 within seconds."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot import health
from bot.health import HealthServer, WSGIServerThread
from tests.conftest import http_get


def _slow_ok(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    time.sleep(0.01)  # a little work per request, as a click that records an answer
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok %d\n" % len(body)]


@pytest.fixture
def server():
    srv = WSGIServerThread(_slow_ok, "127.0.0.1", 0, "test-http")
    srv.start()
    yield srv
    srv.stop()


def _raw(port: int, request: bytes, timeout: float = 20) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
        return b"".join(chunks)


def test_a_burst_of_300_simultaneous_connections_is_queued_not_reset(server):
    """300 clients connect at the same instant (a class clicking at once): every one is answered."""
    start = threading.Barrier(300)

    def one(i: int) -> bytes:
        start.wait()
        body = b"x" * (i % 50)
        request = b"POST /click HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
            len(body),
            body,
        )
        return _raw(server.port, request)

    with ThreadPoolExecutor(300) as pool:
        answers = list(pool.map(one, range(300)))
    assert all(a.startswith(b"HTTP/1.0 200") for a in answers), [a[:40] for a in answers if b" 200" not in a]
    assert all(a.endswith(b"ok %d\n" % (i % 50)) for i, a in enumerate(answers))


def test_an_oversized_body_is_refused_before_it_is_read(server):
    """A 100 MB body is refused with 413 from its headers alone: the server never reads or buffers it."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: t\r\nContent-Length: 104857600\r\n\r\n" + b"x" * 4096
        )
        answer = b""
        try:
            while data := s.recv(65536):
                answer += data
        except ConnectionResetError:  # the server closes with the body unread: the kernel may reset
            pass
    assert answer.startswith(b"HTTP/1.0 413") and b"too large" in answer
    assert time.monotonic() - started < 5


def test_a_body_without_a_length_is_refused(server):
    answer = _raw(
        server.port,
        b"POST /slack/events HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.0 411")


def test_a_silent_peer_loses_its_connection(monkeypatch):
    """A client that connects and sends nothing (or half a request) is dropped after the read timeout, so
    hundreds of half-open connections cannot hold hundreds of threads."""
    monkeypatch.setattr(health.QuietHandler, "timeout", 0.5)
    srv = WSGIServerThread(_slow_ok, "127.0.0.1", 0, "test-http")
    srv.start()
    try:
        socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(20)]
        socks[0].sendall(b"POST /slack/events HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly-part")
        started = time.monotonic()
        for s in socks:
            while s.recv(65536):  # whatever it says (nothing, or an error for the half request), it closes
                pass
            s.close()
        assert time.monotonic() - started < 5
        assert http_get(f"http://127.0.0.1:{srv.port}/after")[0] == 200  # still serving
    finally:
        srv.stop()


class _StalledTutor:
    """A tutor whose database check never returns, as when the link to PostgreSQL stalls."""

    def __init__(self) -> None:
        self.release = threading.Event()
        from bot.metrics import Metrics

        self.metrics = Metrics()

    def health(self) -> list[str]:
        self.release.wait(30)
        return []


def test_healthz_says_503_within_the_deadline_when_the_database_stalls(monkeypatch):
    monkeypatch.setattr(health, "HEALTH_DEADLINE", 0.5)
    tutor = _StalledTutor()
    probe = HealthServer(tutor, "127.0.0.1", 0)  # type: ignore[arg-type]
    probe.start()
    try:
        started = time.monotonic()
        status, body = http_get(f"http://127.0.0.1:{probe.port}/healthz")
        assert status == 503 and body.startswith("database unreachable: no answer within 0.5 s")
        assert time.monotonic() - started < 3
    finally:
        tutor.release.set()
        probe.stop()
