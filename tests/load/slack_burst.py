"""A lecture hall's burst against the real Slack worker on loopback: N signed answer clicks within one second.

    .venv/bin/python -m tests.load.slack_burst [--n 300] [--seconds 1] [--db URL]

The real Bolt app behind its HTTP endpoint (`SlackHTTPServer`), requests signed as Slack signs them, the
fake Web API of the tests on another loopback port, a class round opened by `/quiz`, then N students click
an answer, spread evenly over `--seconds`. Prints how many clicks were acknowledged within 3 s (Slack's
limit), lost (a reset, a timeout or a non-200), recorded (attempt rows), and the acknowledgement times.
Answers are recorded before they are acknowledged, so "recorded" must equal "acknowledged". A load script,
not a test: it measures and prints, and never fails on timing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bot.course import bundled_course_path, load_course
from bot.retrieval import HashingEmbedder, Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.slack.harness import INSTRUCTOR, Workspace, question_of_type
from tests.fakes.slack_api import FakeSlackAPI


def burst(n: int, seconds: float, url: str) -> dict[str, float]:
    course = load_course(bundled_course_path())
    engine = make_engine(url)
    tutor = Tutor(course, Store(engine), Retriever(course, HashingEmbedder()), rate_limit=0)
    api = FakeSlackAPI().start()
    workspace = Workspace(tutor, api)
    try:
        workspace.command("/quiz", f"{question_of_type(tutor, 'single_choice')} 600s", user=INSTRUCTOR[0])
        message = workspace.round_question()
        for i in range(n):
            api.add_user(f"U{i:05d}", f"student {i}")
        results: list[tuple[int, float]] = [(0, 0.0)] * n
        start = time.monotonic() + 0.5

        def click(i: int) -> None:
            time.sleep(max(0.0, start + seconds * i / n - time.monotonic()))
            sent = time.monotonic()
            try:
                response, _ = workspace.click(message, text="ABCD"[i % 4], user=f"U{i:05d}", wait=False)
                results[i] = (response.status, time.monotonic() - sent)
            except OSError:  # reset, refused, timed out: the click is lost
                results[i] = (0, time.monotonic() - sent)

        threads = [threading.Thread(target=click, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        workspace.settle(60)
        acked = [dt for status, dt in results if status == 200 and dt <= 3.0]
        times = sorted(dt for status, dt in results if status == 200)
        return {
            "clicks": n,
            "acknowledged within 3 s": len(acked),
            "lost": sum(1 for status, _ in results if status != 200),
            "recorded": tutor.store.attempt_count(),
            "ack p50 (s)": statistics.median(times) if times else float("nan"),
            "ack p99 (s)": times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan"),
        }
    finally:
        workspace.close()
        api.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="how many clicks (default 300)")
    parser.add_argument("--seconds", type=float, default=1.0, help="spread over this long (default 1)")
    parser.add_argument("--db", help="a database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'burst.sqlite'}"
        figures = burst(args.n, args.seconds, url)
    for name, value in figures.items():
        print(f"{name:>24}: {value:.3f}" if isinstance(value, float) else f"{name:>24}: {value}")


if __name__ == "__main__":
    main()
