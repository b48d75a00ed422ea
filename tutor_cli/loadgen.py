"""Load on the answer path: several worker processes recording quiz answers into one database.

Used by the tests (the invariants under contention) and by `tutor bench` (answers per second).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import UTC, datetime

from bot.events import ClassRef, LearnerRef
from bot.progress import points_for
from bot.storage import Store, make_engine

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def prepare(url: str, rounds: int, learners: int) -> list[int]:
    """A class, `learners` learners and `rounds` open rounds; returns the round ids."""
    engine = make_engine(url)
    store = Store(engine)
    room = store.class_room(ClassRef("bench", "w", "c1", "bench class"))
    for i in range(learners):
        store.learner(LearnerRef("bench", "w", f"u{i}", f"learner {i}"))
    ids = []
    for r in range(rounds):
        row = store.open_round(room.id or 0, f"q{r % 7}", f"c{r % 5}", [0, 1, 2, 3], T0, T0, created_by=None)  # type: ignore[arg-type]
        ids.append(row.id or 0)
    engine.dispose()
    return ids


def _worker(
    url: str, worker: int, round_ids: list[int], learners: list[int], start: object, out: object
) -> None:
    engine = make_engine(url, create=False)
    store = Store(engine)
    sessions = {rid: store.session(rid) for rid in round_ids}
    store_learners = [store.find_learner("bench", "w", f"u{i}") for i in learners]
    start.wait()  # type: ignore[attr-defined]
    t = time.perf_counter()
    recorded = 0
    for rid in round_ids:
        for learner in store_learners:
            assert learner is not None
            session = sessions[rid]
            assert session is not None
            correct = (rid + (learner.id or 0)) % 3 != 0
            got = store.record_attempt(
                session,
                learner.id or 0,
                correct=correct,
                score=float(correct),
                response="A" if correct else "B",
                points=points_for(correct, True),
                first_try=True,
                now=T0,
            )
            recorded += got is not None
    out.put((worker, recorded, time.perf_counter() - t))  # type: ignore[attr-defined]
    engine.dispose()


def run(url: str, workers: int, round_ids: list[int], learner_sets: list[list[int]]) -> tuple[int, float]:
    """Start `workers` processes at once, worker i answering every round for learner_sets[i];
    returns (attempts recorded, wall seconds)."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(url, i, round_ids, learner_sets[i], start, out))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every process import and connect before the start signal
    t = time.perf_counter()
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join(timeout=60)
    return sum(r[1] for r in results), wall
