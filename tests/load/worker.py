"""A worker (`tutor serve PLATFORM`) as a process of its own, for the load scripts and the crash tests:
started, waited for (healthy, then idle), killed with SIGKILL, restarted on the same database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkerProcess:
    """`tutor serve <args>` on `db_url`, with the platform's settings in `env`; ready when `health` says 200."""

    def __init__(
        self,
        args: list[str],
        db_url: str,
        env: dict[str, str],
        *,
        health: str,
        cache_dir: str | None = None,
        log: Path | None = None,
    ):
        self.args, self.health, self.log = args, health, log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        self.env.update(
            TUTOR_DATABASE_URL=db_url,
            TUTOR_RATE_LIMIT="0",
            TUTOR_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            **env,
        )
        if cache_dir:
            self.env["TUTOR_CACHE_DIR"] = cache_dir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115  (the child keeps it)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutor_cli", "serve", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode} (log: {self.log})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not answer {self.health}")
            time.sleep(0.05)
        self.wait_quiet()
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health, timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """The process's CPU time so far (user and system, all threads)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_quiet(self, timeout: float = 30.0) -> None:
        """Until the worker's work is done (start-up: the model's warm-up; a burst: the feedback): it idles
        for 0.3 s."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.cpu_seconds()
            if now - last < 0.02:
                return
            last = now

    def kill(self) -> None:
        """SIGKILL: no signal handler, no shutdown, no flush."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
