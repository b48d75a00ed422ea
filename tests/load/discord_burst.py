"""A lecture hall's burst against a Discord worker process on loopback: N answer clicks within a second.

    .venv/bin/python -m tests.load.discord_burst [--n 300] [--seconds 1] [--runs 1] [--db URL]

The worker (`tutor serve discord`, on a temporary SQLite file unless --db names a database) connects to
the fake Discord of the tests (its gateway and REST API on loopback, in this process). A class round is
opened with /quiz, then N students each click an answer button on the round's message: N
INTERACTION_CREATE events on the gateway, spread evenly over `--seconds`. Prints how many interactions
were acknowledged (the interaction callback, a defer, reached the fake) within 3 s (Discord's limit),
lost (no callback within 10 s), recorded (attempt rows), and the acknowledgement times; with --runs,
each run on a fresh worker and database, then the medians. (tests/adapters/discord/test_burst.py checks
that each answer is in the database when its callback arrives.)

A load script, not a test: it measures and prints, and never fails on timing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.course import bundled_course_path, load_course
from tests.fakes.discord_api import FakeDiscord, Interaction, component_ids
from tests.load import report
from tests.load.worker import WorkerProcess, free_port

ACK_LIMIT = 3.0  # seconds Discord waits for an interaction's first response
LOST_AFTER = 10.0
TOKEN = "test-token"


class DiscordWorker(WorkerProcess):
    """`tutor serve discord` as a process of its own, against the fake's gateway and REST API."""

    def __init__(
        self, fake: FakeDiscord, db_url: str, *, cache_dir: str | None = None, log: Path | None = None
    ):
        port = free_port()
        super().__init__(
            ["discord", "--health-port", str(port)],
            db_url,
            {
                "DISCORD_TOKEN": TOKEN,
                "DISCORD_API_URL": fake.api_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "DISCORD_GUILD_IDS": fake.guild_id,
            },
            health=f"http://127.0.0.1:{port}/healthz",
            cache_dir=cache_dir,
            log=log,
        )


def answers_of(db_url: str, session_id: int) -> set[str]:
    """The Discord user ids with an attempt in the round, read from the database."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT l.user_id FROM attempt a JOIN learner l ON l.id = a.learner_id "
                    "WHERE a.session_id = :session"
                ),
                {"session": session_id},
            ).all()
        return {r[0] for r in rows}
    finally:
        engine.dispose()


@dataclass
class Burst:
    clicks: int
    within_limit: int = 0
    lost: int = 0
    times: list[float] = field(default_factory=list)
    recorded: int = 0
    cpu: float = float("nan")

    def figures(self) -> dict[str, Any]:
        times = sorted(self.times)
        return {
            "clicks": self.clicks,
            "acknowledged within 3 s": self.within_limit,
            "lost": self.lost,
            "recorded": self.recorded,
            "ack p50 (s)": percentile(times, 0.50),
            "ack p99 (s)": percentile(times, 0.99),
            "worker CPU (s)": self.cpu,
        }


def percentile(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] if times else float("nan")


async def open_round(fake: FakeDiscord, qid: str) -> tuple[dict[str, Any], int]:
    """/quiz <question> in the class channel by an instructor: the round's message and its session id."""
    teacher = fake.user("teacher", manage_guild=True)
    it = await fake.slash("quiz", teacher, topic=qid)
    [posted] = await fake.followups(it, timeout=30)
    assert posted.message is not None
    button = next(c for c in component_ids(posted.message) if c.startswith("tutor:a:"))
    return posted.message, int(button.split(":")[2])


async def click_burst(
    fake: FakeDiscord,
    message: dict[str, Any],
    session_id: int,
    n: int,
    seconds: float,
    check: Any = None,
) -> tuple[list[tuple[Interaction, float]], list[Any]]:
    """N students click an answer, spread over `seconds`: each interaction and when it was dispatched.
    `check(user_id)`, if given, runs when each callback reaches the fake (is the answer recorded yet?)."""
    users = [fake.user(f"student {i}") for i in range(n)]
    seen: list[Any] = []
    if check is not None:
        route = fake._callback

        def callback(token, body, rec, uploads):  # type: ignore[no-untyped-def]
            interaction = fake._interactions[token]
            seen.append(check(interaction.payload["member"]["user"]["id"]))
            return route(token, body, rec, uploads)

        fake._callback = callback  # type: ignore[method-assign]
    sent: list[tuple[Interaction, float]] = []
    start = time.monotonic() + 0.2
    for i, user in enumerate(users):
        await asyncio.sleep(max(0.0, start + seconds * i / n - time.monotonic()))
        at = time.monotonic()
        sent.append((await fake.click(message, f"tutor:a:{session_id}:{'ABCD'[i % 4]}", user), at))
    return sent, seen


async def acks(fake: FakeDiscord, sent: list[tuple[Interaction, float]]) -> list[float | None]:
    """Seconds from each click to its callback (None: none came within LOST_AFTER)."""
    deadline = max(at for _, at in sent) + LOST_AFTER
    while time.monotonic() < deadline:
        if len(fake.kinds("callback")) >= len(sent) + 1:  # + the /quiz's own
            break
        await asyncio.sleep(0.05)
    out: list[float | None] = []
    for interaction, at in sent:
        callbacks = fake.of(interaction, "callback")
        out.append(callbacks[0].at - at if callbacks else None)
    return out


async def burst(n: int, seconds: float, db_url: str, *, log: Path | None = None) -> Burst:
    fake = await FakeDiscord().start()
    worker = DiscordWorker(fake, db_url, log=log)
    try:
        await asyncio.to_thread(worker.start)
        course = load_course(bundled_course_path())
        qid = next(q.id for q in course.questions.values() if q.type == "single_choice")
        message, session_id = await open_round(fake, qid)
        await asyncio.to_thread(worker.wait_quiet)
        cpu = worker.cpu_seconds()
        sent, _ = await click_burst(fake, message, session_id, n, seconds)
        times = await acks(fake, sent)
        await asyncio.to_thread(worker.wait_quiet)
        out = Burst(clicks=n, cpu=worker.cpu_seconds() - cpu)
        for dt in times:
            if dt is None:
                out.lost += 1
            else:
                out.times.append(dt)
                out.within_limit += dt <= ACK_LIMIT
        out.recorded = len(answers_of(db_url, session_id))
        return out
    finally:
        await asyncio.to_thread(worker.stop)
        await fake.stop()


def main() -> None:
    parser = report.arguments(__doc__.split("\n\n")[0])
    args = parser.parse_args()
    report.run(args, lambda url: asyncio.run(burst(args.n, args.seconds, url, log=args.log)).figures())


if __name__ == "__main__":
    main()
