"""A Slack worker process killed with SIGKILL in the middle of a class's burst of answer clicks: every click
that was acknowledged (HTTP 200, which Slack never retries) is in the database after the restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.load.slack_burst import Lecture, student


def test_a_worker_killed_mid_burst_keeps_every_acknowledged_answer(tmp_path, embedder, retriever):
    # `retriever`: the model's export and the course's embeddings are in `embedder`'s cache, so the worker's
    # warm-up at start takes a moment, not a minute
    path = tmp_path / "burst.sqlite"
    n = 40
    lecture = Lecture(
        n, f"sqlite:///{path}", cache_dir=str(Path(embedder.path).parent), log=tmp_path / "worker.log"
    )
    # Halfway through the burst another writer holds the database for a while (a second worker's long
    # transaction, a backup, a slow disk), so the second half of the clicks waits to be recorded when the
    # worker is killed: the moment an ack sent before its answer's commit would be lost.
    other = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        results = lecture.send(
            1.0,
            [
                (0.5, lambda: other.execute("BEGIN IMMEDIATE")),
                (3.3, lecture.worker.kill),
                (3.4, lambda: other.execute("ROLLBACK")),
            ],
        )
        acked = {student(i) for i, (status, _, _) in enumerate(results) if status == 200}
        assert len(acked) >= n // 4, results  # the first half went through before the database was held
        lecture.worker.start()  # restarted on the same database
        recorded = lecture.recorded()
        assert acked <= recorded, f"acknowledged but lost: {sorted(acked - recorded)}"
        # the students whose click got no ack saw Slack's error and click again: each is recorded once
        for i in range(n):
            if student(i) not in acked:
                assert lecture.click(i).status == 200
        assert lecture.recorded() == {student(i) for i in range(n)}
        count = other.execute(
            "SELECT COUNT(*) FROM attempt WHERE session_id = ?", (lecture.session_id,)
        ).fetchone()[0]
        assert count == n
    finally:
        other.close()
        lecture.close()
