"""A lecture hall's burst against a Slack worker process on loopback: N signed answer clicks within a second.

    .venv/bin/python -m tests.load.slack_burst [--n 300] [--seconds 1] [--runs 1] [--db URL] [--kill-at F]

Three processes, as in production: the worker (`tutor serve slack`, on a temporary SQLite file unless
--db names a database), the fake Slack Web API of the tests (it opens the round's message and takes the
feedback posted to each click's response_url), and the load generator (its own process, so that its work
does not compete with the worker's for the worker's interpreter lock). A class round is opened with
`/quiz`, then N students each click an answer, spread evenly over `--seconds`, every request signed as
Slack signs it. Prints how many clicks were acknowledged (HTTP 200) within 3 s (Slack's limit), lost (a
reset, a refusal, a timeout or a non-200), recorded (attempt rows), and the acknowledgement times; with
--runs, each run on a fresh worker and database, then the medians.

`--kill-at 0.5` kills the worker with SIGKILL when half the clicks have been sent, restarts it on the same
database and checks that every click that got its 200 is recorded (Slack never retries an acknowledged
click); then the students whose click was lost click again, as they would, and all are recorded once.

A load script, not a test: it measures and prints, and never fails on timing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.course import bundled_course_path, load_course
from tests.adapters.slack.harness import BOT_TOKEN, INSTRUCTOR, SIGNING_SECRET, SlackSide
from tests.fakes.slack_api import FakeSlackAPI
from tests.load import report
from tests.load.client import raw_request, send_burst
from tests.load.worker import WorkerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
ACK_LIMIT = 3.0  # seconds Slack waits for an acknowledgement
EVENTS = "/slack/events"


class SlackWorker(WorkerProcess):
    """`tutor serve slack` in HTTP mode as a process of its own, against the fake Web API."""

    def __init__(self, db_url: str, api_url: str, *, cache_dir: str | None = None, log: Path | None = None):
        port = free_port()
        super().__init__(
            ["slack", "--host", "127.0.0.1", "--port", str(port)],
            db_url,
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api_url},
            health=f"http://127.0.0.1:{port}/healthz",
            cache_dir=cache_dir,
            log=log,
        )
        self.port = port
        self.base = f"http://127.0.0.1:{port}"


# -- a burst ------------------------------------------------------------------------------------------
@dataclass
class Burst:
    clicks: int
    acked: list[str] = field(default_factory=list)  # the students whose click got a 200
    within_limit: int = 0
    lost: int = 0
    times: list[float] = field(default_factory=list)
    recorded: set[str] = field(default_factory=set)
    after_kill: dict[str, Any] = field(default_factory=dict)
    cpu: float = float("nan")  # the worker's CPU seconds for the burst, feedback included

    def figures(self) -> dict[str, Any]:
        times = sorted(self.times)
        out: dict[str, Any] = {
            "clicks": self.clicks,
            "acknowledged within 3 s": self.within_limit,
            "lost": self.lost,
            "recorded": len(self.recorded),
            "acknowledged, not recorded": len(set(self.acked) - self.recorded),
            "ack p50 (s)": percentile(times, 0.50),
            "ack p99 (s)": percentile(times, 0.99),
            "worker CPU (s)": self.cpu,
        }
        out.update(self.after_kill)
        return out


def percentile(times: Sequence[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] if times else float("nan")


def recorded_users(db_url: str, session_id: int) -> set[str]:
    """The Slack users with an attempt in the round, read from the database (as any worker would see it)."""
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


def student(i: int) -> str:
    return f"U{i:05d}"


class Lecture:
    """The fake Web API, a worker process on `db_url`, a class round opened by `/quiz`, and `n` students'
    answer clicks on it, signed and ready to send."""

    def __init__(self, n: int, db_url: str, *, cache_dir: str | None = None, log: Path | None = None):
        self.n, self.db_url = n, db_url
        self.api = FakeSlackAPI().start()
        try:
            self.worker = SlackWorker(db_url, self.api.api_url, cache_dir=cache_dir, log=log).start()
            self.side = SlackSide(self.worker.base, self.api)
            course = load_course(bundled_course_path())
            qid = next(q.id for q in course.questions.values() if q.type == "single_choice")
            response, _ = self.side.command("/quiz", f"{qid} 600s", user=INSTRUCTOR[0])
            assert response.status == 200, response
            post = self.api.wait_for("chat.postMessage", lambda c: "Close round" in c.texts())[-1]
            self.message = {"type": "message", "ts": post.response["ts"], "blocks": post.args["blocks"]}
            self.session_id = self.side.session_of(self.message)
        except BaseException:
            self.close()
            raise
        for i in range(n):
            self.api.add_user(student(i), f"student {i}")

    def click(self, i: int) -> Any:
        return self.side.click(self.message, text="ABCD"[i % 4], user=student(i))[0]

    def requests(self) -> list[bytes]:
        """Each student's click as raw HTTP (signed now: Slack's signatures are good for 5 minutes)."""
        out = []
        for i in range(self.n):
            body, _ = self.side.click_body(self.message, text="ABCD"[i % 4], user=student(i))
            out.append(
                raw_request(EVENTS, "127.0.0.1", self.worker.port, body, self.side.signed_headers(body))
            )
        return out

    def send(
        self, seconds: float, schedule: Sequence[tuple[float, Callable[[], Any]]] = ()
    ) -> list[tuple[int, float, float]]:
        return send_burst(self.worker.port, self.requests(), seconds, schedule=schedule)

    def recorded(self) -> set[str]:
        return recorded_users(self.db_url, self.session_id)

    def close(self) -> None:
        if getattr(self, "worker", None) is not None:
            self.worker.stop()
        self.api.stop()


def burst(
    n: int, seconds: float, db_url: str, *, kill_at: float | None = None, log: Path | None = None
) -> Burst:
    """One burst of `n` answer clicks on a fresh round; with `kill_at`, the worker is killed and restarted."""
    lecture = Lecture(n, db_url, log=log)
    try:
        schedule = [(seconds * kill_at, lecture.worker.kill)] if kill_at is not None else []
        cpu = lecture.worker.cpu_seconds()
        results = lecture.send(seconds, schedule)
        out = Burst(clicks=n)
        if kill_at is None:
            lecture.worker.wait_quiet()  # the feedback is sent too
            out.cpu = lecture.worker.cpu_seconds() - cpu
        for i, (status, _, dt) in enumerate(results):
            if status == 200:
                out.acked.append(student(i))
                out.times.append(dt)
                out.within_limit += dt <= ACK_LIMIT
            else:
                out.lost += 1
        if kill_at is not None:
            lecture.worker.start()  # a restart on the same database
            out.recorded = lecture.recorded()
            # the students whose click was lost click again (Slack showed them an error), as they would
            again = [i for i, (status, _, _) in enumerate(results) if status != 200]
            retried = [lecture.click(i).status for i in again]
            out.after_kill = {
                "clicked again after the restart": len(again),
                "  of which acknowledged": sum(1 for s in retried if s == 200),
                "recorded after the restart": len(lecture.recorded()),
            }
        else:
            out.recorded = lecture.recorded()
        return out
    finally:
        lecture.close()


def main() -> None:
    parser = report.arguments(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kill-at",
        type=float,
        help="SIGKILL the worker when this fraction of the clicks is sent (0.5: half), then restart it",
    )
    args = parser.parse_args()
    report.run(
        args, lambda url: burst(args.n, args.seconds, url, kill_at=args.kill_at, log=args.log).figures()
    )


if __name__ == "__main__":
    main()
