"""Faults: the database going away and coming back, a worker killed mid-round, rate limits, internal errors."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import events as E
from bot.health import HealthServer
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.conftest import Clock, http_get

ROOT = Path(__file__).resolve().parents[2]
ADA = E.LearnerRef("console", "local", "ada", display_name="ada")


class CuttableProxy:
    """A TCP proxy on loopback whose link to the database can be cut and restored, like a network outage."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.stalled = False
        self.conns: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                if self.stalled:  # a partition: the bytes wait in the kernel, acknowledged, never forwarded
                    time.sleep(0.02)
                    continue
                ready, _, _ = select.select([a], [], [], 0.05)
                if not ready:
                    continue
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except (OSError, ValueError):  # ValueError: select on a socket that cut() closed
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        self.up = False
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns.clear()

    def restore(self) -> None:
        self.up = True
        self.stalled = False

    def stall(self) -> None:
        """Stop forwarding without closing anything, as a partition does: peers see a silent, open link."""
        self.stalled = True

    def close(self) -> None:
        self._stop = True
        self.cut()
        self.listener.close()


@pytest.mark.postgres
def test_database_outage_gets_a_short_reply_and_the_worker_recovers(course, mini_retriever, caplog):
    from tests.conftest import _postgres_schema_url

    gen = _postgres_schema_url()
    url = next(gen)
    proxy = CuttableProxy(("127.0.0.1", 5432))
    try:
        proxied = url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
        tutor = Tutor(course, Store(make_engine(proxied)), mini_retriever)
        probe = HealthServer(tutor, "127.0.0.1", 0)
        probe.start()
        healthz = f"http://127.0.0.1:{probe.port}/healthz"
        assert "No answers yet" in tutor.handle(E.ShowProgress(ADA))[0].plain()
        assert http_get(healthz) == (200, "ok\n")
        proxy.cut()
        reply = tutor.handle(E.ShowProgress(ADA))
        assert len(reply) == 1 and "try again in a moment" in reply[0].plain()
        assert "Traceback" not in reply[0].plain()
        status, body = http_get(healthz)  # an orchestrator sees why the worker cannot serve
        assert status == 503 and body.startswith("database unreachable")
        proxy.restore()
        assert "No answers yet" in tutor.handle(E.ShowProgress(ADA))[0].plain()  # no restart needed
        assert http_get(healthz) == (200, "ok\n")
        assert 'tutor_errors_total{command="showprogress",kind="database"} 1' in tutor.metrics.render()
        probe.stop()
    finally:
        proxy.close()
        for _ in gen:
            pass


@pytest.mark.postgres
def test_a_silent_database_makes_healthz_503_within_seconds_and_it_recovers(course, mini_retriever):
    """A partition (the link stays open, nothing comes back) must not hang /healthz for minutes."""
    from tests.conftest import _postgres_schema_url

    gen = _postgres_schema_url()
    url = next(gen)
    proxy = CuttableProxy(("127.0.0.1", 5432))
    try:
        proxied = url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
        tutor = Tutor(course, Store(make_engine(proxied)), mini_retriever)
        probe = HealthServer(tutor, "127.0.0.1", 0)
        probe.start()
        healthz = f"http://127.0.0.1:{probe.port}/healthz"
        assert http_get(healthz) == (200, "ok\n")
        assert "No answers yet" in tutor.handle(E.ShowProgress(ADA))[0].plain()
        proxy.stall()
        started = time.monotonic()
        reply = tutor.handle(E.ShowProgress(ADA))  # a learner waits seconds, then hears why
        assert len(reply) == 1 and "try again in a moment" in reply[0].plain()
        assert time.monotonic() - started < 5.5
        started = time.monotonic()
        status, body = http_get(healthz, timeout=30)
        assert status == 503 and body.startswith("database unreachable")
        assert time.monotonic() - started < 5
        proxy.restore()  # the stalled bytes flow again: the held connection answers and health comes back
        deadline = time.monotonic() + 20
        while http_get(healthz)[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert http_get(healthz) == (200, "ok\n")
        assert "No answers yet" in tutor.handle(E.ShowProgress(ADA))[0].plain()  # no restart needed
        probe.stop()
    finally:
        proxy.close()
        for _ in gen:
            pass


@pytest.mark.postgres
def test_serving_connections_bound_statements_and_keep_the_urls_own_options():
    import sqlalchemy as sa

    from tests.conftest import _postgres_schema_url

    gen = _postgres_schema_url()
    url = next(gen)
    try:
        schema = url.rsplit("search_path%3D", 1)[1]
        with make_engine(url).connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "5s"
            assert schema in conn.execute(sa.text("SHOW search_path")).scalar()
        with make_engine(url, serving=False).connect() as conn:  # migrations and bulk loads: unbounded
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
    finally:
        for _ in gen:
            pass


def test_rate_limit_per_learner(mini_course, mini_retriever, sqlite_url):
    clock = Clock()
    tutor = Tutor(
        mini_course, Store(make_engine(sqlite_url)), mini_retriever, clock=clock, rate_limit=3, rate_window=60
    )
    for _ in range(3):
        assert (
            "faster than I can keep up"
            not in tutor.handle(E.Ask(ADA, text="what is pre-training"))[0].plain()
        )
    blocked = tutor.handle(E.StartQuiz(ADA))
    assert "please wait" in blocked[0].plain()
    other = E.LearnerRef("console", "local", "bob")
    assert not any("please wait" in r.plain() for r in tutor.handle(E.StartQuiz(other)))  # per learner
    assert not any(
        "please wait" in r.plain() for r in tutor.handle(E.ShowProgress(ADA))
    )  # only asks and quizzes
    clock.advance(seconds=61)
    assert not any("please wait" in r.plain() for r in tutor.handle(E.StartQuiz(ADA)))


def test_an_internal_error_is_logged_not_shown(mini_course, mini_retriever, sqlite_url, caplog, monkeypatch):
    tutor = Tutor(mini_course, Store(make_engine(sqlite_url)), mini_retriever)

    def boom(event, ctx):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(tutor, "handlers", {**tutor.handlers, E.Next: boom})  # this tutor's registry only
    reply = tutor.handle(E.Next(ADA))
    assert "went wrong on my side" in reply[0].plain() and "secret" not in reply[0].plain()
    assert "secret internals" in caplog.text
    metrics = tutor.metrics.render()
    assert 'tutor_errors_total{command="next",kind="internal"} 1' in metrics
    assert 'tutor_request_seconds_count{command="next"} 1' in metrics


def _chat(env: dict, user: str, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor_cli", "chat", "--user", user, "--class", "cs-101", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
        bufsize=1,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:  # a thread reads, so no line sits unseen in a buffer while we wait on the pipe
        assert proc.stdout
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    proc.lines = lines  # type: ignore[attr-defined]
    return proc


def _say(proc: subprocess.Popen, line: str, until: str, timeout: float = 60) -> str:
    assert proc.stdin
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    seen = ""
    deadline = time.monotonic() + timeout
    while until not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {until!r} in {seen!r}"
        try:
            got = proc.lines.get(timeout=remaining)  # type: ignore[attr-defined]
        except queue.Empty:
            continue
        assert got, f"the process ended: {seen!r}"
        seen += got
    return seen


def test_a_worker_killed_mid_round_loses_nothing(tmp_path, course, embedder):
    env = dict(
        os.environ,
        TUTOR_DATABASE_URL=f"sqlite:///{tmp_path / 'kill.sqlite'}",
        TUTOR_CACHE_DIR=str(Path(embedder.path).parent),
    )
    q = next(q for q in course.questions.values() if q.type == "single_choice")
    prof = _chat(env, "prof", "--instructor")
    shown = _say(prof, f"/round {q.id}", "Answer with")
    # options are shuffled per round: find the letter the correct option was shown under
    listed = dict(re.findall(r"^\s*([A-H])\) (.+)$", shown, flags=re.M))
    right = next(k for k, text in listed.items() if q.options[q.correct_index].text.startswith(text.strip()))
    wrong = "A" if right != "A" else "B"
    ada = _chat(env, "ada")
    _say(ada, f"/answer {right}", "recorded")
    ada.send_signal(signal.SIGKILL)  # killed while the round is open
    ada.wait(timeout=10)
    prof.send_signal(signal.SIGKILL)
    prof.wait(timeout=10)
    bob = _chat(env, "bob")  # a restarted worker
    _say(bob, f"/answer {wrong}", "recorded")
    out = _say(bob, f"/answer {wrong}", "first answer counts")  # still once per student
    prof2 = _chat(env, "prof", "--instructor")
    out = _say(prof2, "/close", "Scores:")
    out += _say(prof2, "/help", "/help")
    for p in (bob, prof2):
        p.stdin.close()
        p.wait(timeout=30)
    assert "ada: right, +15" in out and "bob: wrong, +0" in out
    export = subprocess.run(
        [sys.executable, "-m", "tutor_cli", "export", "attempts", "--format", "jsonl"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = [json.loads(x) for x in export.stdout.splitlines()]
    assert sorted((r["user_id"], r["correct"]) for r in rows) == [("ada", True), ("bob", False)]
