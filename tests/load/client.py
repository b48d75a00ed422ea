"""The load generator's own process: raw HTTP requests, each on a connection of its own, sent on a schedule
by one asyncio loop. Standard library only, so that the process starts in a moment; its work does not
compete with the worker's (or the fake platform's) for an interpreter lock."""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CLIENT_TIMEOUT = 10.0


def raw_request(path: str, host: str, port: int, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _send_all(
    port: int, requests: Sequence[bytes], start: float, seconds: float
) -> list[tuple[int, float, float]]:
    n = len(requests)

    async def one(i: int) -> tuple[int, float, float]:
        await asyncio.sleep(max(0.0, start + seconds * i / n - time.monotonic()))
        sent = time.monotonic()
        status = 0
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), CLIENT_TIMEOUT
            )
            try:
                writer.write(requests[i])
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), CLIENT_TIMEOUT)
                parts = line.split()
                status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            finally:
                writer.close()
        except (TimeoutError, OSError):
            status = 0  # reset, refused, timed out: the request is lost
        return status, sent, time.monotonic() - sent

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def send_burst(
    port: int,
    requests: Sequence[bytes],
    seconds: float,
    *,
    schedule: Sequence[tuple[float, Callable[[], Any]]] = (),
) -> list[tuple[int, float, float]]:
    """Each request sent on a connection of its own, spread evenly over `seconds`, by a process of its own
    (`python -m tests.load.client`): (HTTP status or 0 when lost, sent at, seconds to the status line) per
    request. `schedule`: (seconds after the first request, what to do then) in this process while the burst
    runs (kill the worker, ...)."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    client = subprocess.Popen(
        [sys.executable, "-m", "tests.load.client"],
        cwd=root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert client.stdin is not None and client.stdout is not None
    try:
        pickle.dump((port, list(requests), seconds), client.stdin)
        client.stdin.flush()
        if client.stdout.readline() != b"ready\n":
            raise RuntimeError("the load generator did not start")
        start = time.monotonic() + 0.2  # the same clock in every process of the machine
        client.stdin.write(f"{start!r}\n".encode())
        client.stdin.close()
        for at, action in sorted(schedule, key=lambda x: x[0]):
            time.sleep(max(0.0, start + at - time.monotonic()))
            action()
        results: list[tuple[int, float, float]] = pickle.load(client.stdout)
    finally:
        if client.poll() is None:
            try:
                client.wait(seconds + 2 * CLIENT_TIMEOUT + 30)
            except subprocess.TimeoutExpired:
                client.kill()
    return results


def main() -> None:
    port, requests, seconds = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    start = float(sys.stdin.buffer.readline())
    pickle.dump(asyncio.run(_send_all(port, requests, start, seconds)), sys.stdout.buffer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
