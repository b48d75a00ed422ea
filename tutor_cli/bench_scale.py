"""`tutor bench --scale`: the answer path with 1, 2 and 4 workers, leaderboards and the class report at
10,000 learners and 1,000,000 attempts, and /ask's vector search at 100,000 passages. It prints; it never fails."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from bot import events as E
from bot.storage import Workspace
from tutor_cli import loadgen

PG_URL = os.environ.get("TUTOR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_schema() -> tuple[str, object] | None:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        print(f"  PostgreSQL at {PG_URL} not reachable ({str(exc).splitlines()[0]}): skipped")
        return None
    sep = "&" if "?" in PG_URL else "?"

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


def _database(label: str):  # type: ignore[no-untyped-def]
    """(URL, drop) for a fresh SQLite file or PostgreSQL schema; None when PostgreSQL is not reachable."""
    if label == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite", (lambda: None)
    return _pg_schema()


def bench_answers(per_worker: int = 600) -> None:
    print("\nquiz answers recorded per second (each worker a process; distinct learners, shared rounds):")
    print(f"  {'database':<12} {'workers':>7} {'answers':>8} {'seconds':>8} {'answers/s':>10}")
    for label in ("sqlite", "postgresql"):
        for workers in (1, 2, 4):
            made = _database(label)
            if made is None:
                break
            url, drop = made
            rounds = 30
            learners_per = max(1, per_worker // rounds)
            round_ids = loadgen.prepare(url, rounds, learners_per * workers)
            sets = [list(range(w * learners_per, (w + 1) * learners_per)) for w in range(workers)]
            n, wall = loadgen.run(url, workers, round_ids, sets)
            print(f"  {label:<12} {workers:>7} {n:>8} {wall:>8.2f} {n / wall:>10.0f}")
            drop()  # type: ignore[operator]


def _fill(url: str, learners: int, attempts: int, classes: int = 20) -> int:
    """Bulk-load learners, rounds and attempts over eight weeks; returns the id of the busiest class."""
    import sqlalchemy as sa

    from bot.storage import make_engine
    from bot.storage.models import Attempt, ClassRoom, Learner, QuizSession
    from bot.storage.repo import rebuild_weekly_standings

    engine = make_engine(url, serving=False)  # a bulk load: no statement timeout
    rng = random.Random(7)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ClassRoom),
            [
                {
                    "platform": "bench",
                    "workspace": "w",
                    "channel": f"c{i}",
                    "name": f"class {i}",
                    "created_at": now,
                    "timezone": "UTC",
                }
                for i in range(classes)
            ],
        )
        for start in range(0, learners, 5000):
            conn.execute(
                sa.insert(Learner),
                [
                    {
                        "platform": "bench",
                        "workspace": "w",
                        "user_id": f"u{i}",
                        "display_name": f"learner {i}",
                        "created_at": now,
                        "privacy": "visible",
                        "pseudonym": "",
                        "timezone": "",
                        "digest": False,
                        "quiet_start": 22,
                        "quiet_end": 8,
                        "digest_sent_on": "",
                    }
                    for i in range(start, min(learners, start + 5000))
                ],
            )
        rounds = max(1, attempts // 40)
        class_of = {i + 1: (1 + (i % classes) if i % 3 else 1) for i in range(rounds)}
        for start in range(0, rounds, 5000):
            conn.execute(
                sa.insert(QuizSession),
                [
                    {
                        "kind": "round",
                        "class_id": class_of[i + 1],
                        "question_id": f"q{i % 280}",
                        "concept_id": f"c{i % 60}",
                        "presentation": "[0,1,2,3]",
                        "status": "closed",
                        "hints_used": 0,
                        "created_at": now,
                        "version": 0,
                    }
                    for i in range(start, min(rounds, start + 5000))
                ],
            )
    seen: set[tuple[int, int]] = set()
    batch: list[dict] = []
    with engine.begin() as conn:
        while len(seen) < attempts:
            session = rng.randrange(1, rounds + 1)
            learner = rng.randrange(1, learners + 1)
            if (session, learner) in seen:
                continue
            seen.add((session, learner))
            correct = rng.random() < 0.6
            batch.append(
                {
                    "session_id": session,
                    "class_id": class_of[session],
                    "learner_id": learner,
                    "question_id": f"q{session % 280}",
                    "concept_id": f"c{session % 60}",
                    "correct": correct,
                    "score": float(correct),
                    "response": "A",
                    "points": 10 if correct else 0,
                    "first_try": False,
                    "answered_at": now - timedelta(minutes=rng.randrange(0, 8 * 7 * 24 * 60)),
                }
            )
            if len(batch) == 20000:
                conn.execute(sa.insert(Attempt), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Attempt), batch)
        # the standings record_attempt keeps as it goes, built at once (as migration 0002 backfills them)
        conn.execute(
            sa.text(
                "INSERT INTO class_standing (learner_id, class_id, points, correct, answers) "
                "SELECT learner_id, COALESCE(class_id, 0), SUM(points), SUM(CASE WHEN correct THEN 1 ELSE 0 END), "
                "COUNT(*) FROM attempt GROUP BY learner_id, COALESCE(class_id, 0)"
            )
        )
        rebuild_weekly_standings(conn, "UTC")  # and the weekly ones (as migration 0004 backfills them)
    if (
        engine.dialect.name == "postgresql"
    ):  # as autovacuum would, before the timings: plans and visibility maps
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return 1


REPORT = E.ClassReport(
    E.LearnerRef("bench", "w", "prof", is_instructor=True), where=E.ClassRef("bench", "w", "c0")
)


def bench_leaderboard(
    learners: int = 10_000, attempts: int = 1_000_000, databases=("sqlite", "postgresql")
) -> None:
    from bot.course import bundled_course_path, load_course
    from bot.retrieval import HashingEmbedder, Retriever
    from bot.storage import Store, make_engine
    from bot.tutor import Tutor

    print(
        f"\nleaderboards and the class report at {learners:,} learners and {attempts:,} attempts (median of 5):"
    )
    course = load_course(bundled_course_path())
    for label in databases:
        made = _database(label)
        if made is None:
            continue
        url, drop = made
        t = time.perf_counter()
        busiest = _fill(url, learners, attempts)
        fill = time.perf_counter() - t
        engine = make_engine(url)
        tutor = Tutor(course, Store(engine), lambda: Retriever(course, HashingEmbedder()))
        timings = {}
        for name, call in (
            (
                "weekly leaderboard, busiest class",
                lambda t=tutor, b=busiest: t.leaderboard(b, "week", top=10, me=1),
            ),
            (
                "all-time leaderboard, busiest class",
                lambda t=tutor, b=busiest: t.leaderboard(b, "all", top=10, me=1),
            ),
            (
                "all-time leaderboard, workspace",
                lambda t=tutor: t.leaderboard(Workspace("bench", "w"), "all", top=10, me=1),
            ),
            ("class report, busiest class", lambda t=tutor: t.handle(REPORT)),
        ):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                call()
                runs.append(time.perf_counter() - t)
            timings[name] = statistics.median(runs)
        print(f"  {label} (loaded in {fill:.0f} s):")
        for name, sec in timings.items():
            print(f"    {name:<40} {sec * 1000:8.1f} ms")
        engine.dispose()
        drop()  # type: ignore[operator]


def bench_vectors(passages: int = 100_000, dim: int = 384, queries: int = 200) -> None:
    from bot.retrieval.index import FlatIndex, HNSWIndex

    print(
        f"\nvector search at {passages:,} synthetic passages ({dim}-d unit vectors in 2,000 topic clusters; "
        f"{queries} queries near a random passage):"
    )
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((2000, dim)).astype("float32")
    data = centres[rng.integers(0, 2000, passages)] + 0.6 * rng.standard_normal((passages, dim)).astype(
        "float32"
    )
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    picks = rng.integers(0, passages, queries)
    qs = data[picks] + 0.3 * rng.standard_normal((queries, dim)).astype("float32")
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    flat = FlatIndex(dim)
    flat.add(data)
    truth = [set(flat.search(q, 10)[1].tolist()) for q in qs]
    index: FlatIndex | HNSWIndex | None
    for label, index in (("flat (exact)", flat), ("HNSW M=32 efSearch=512", None)):
        if index is None:
            t = time.perf_counter()
            index = HNSWIndex(dim)
            index.add(data)
            print(f"  HNSW built in {time.perf_counter() - t:.1f} s")
        times, recall = [], []
        for q, exact in zip(qs, truth, strict=True):
            t = time.perf_counter()
            _, ids = index.search(q, 10)
            times.append(time.perf_counter() - t)
            recall.append(len(exact & set(ids.tolist())) / 10)
        print(
            f"  {label:<24} search p50 {statistics.median(times) * 1000:6.2f} ms   recall@10 {np.mean(recall):.3f}"
        )
    print(
        "  a warm /ask adds this search to the query encode (see the floor above); the tutor switches to HNSW at "
        "50,000 vectors"
    )


def bench_ask_at_scale(passages: int = 100_000, queries: int = 200) -> None:
    """The whole warm /ask path (normalise, encode, dense search, sentence and BM25 scores, quote) on the bundled
    course grown by `passages` synthetic passages of one sentence each: clustered unit vectors stand in for
    their embeddings (embedding 100,000 real passages takes most of an hour here), owned by random concepts."""
    from bot.course import bundled_course_path, load_course
    from bot.retrieval import Retriever
    from bot.runtime import make_embedder
    from bot.settings import Settings

    course = load_course(bundled_course_path())
    retriever = Retriever(course, make_embedder(Settings()))
    questions = [q for c in course.concepts.values() for q in c.asks][:queries]
    base = _ask_times(retriever, questions)
    rng = np.random.default_rng(5)
    dim = retriever.dim
    centres = rng.standard_normal((2000, dim)).astype("float32")
    vecs = centres[rng.integers(0, 2000, passages)] + 0.6 * rng.standard_normal((passages, dim)).astype(
        "float32"
    )
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = list(course.concepts)
    added = [
        (ids[int(i)], f"Synthetic passage {n} about topic {int(i)}.")
        for n, i in enumerate(rng.integers(0, len(ids), passages))
    ]
    t = time.perf_counter()
    retriever.add_embedded(added, vecs, added, vecs)
    grown = time.perf_counter() - t
    big = _ask_times(retriever, questions)
    print(
        f"\nwarm /ask over {len(questions)} questions, the whole path (tutor's retriever: search and quote):"
    )
    print(f"  {'units searched':<34} {'index':<8} {'p50':>9} {'p99':>9}")
    for label, (n, kind, times) in (
        ("the bundled course", base),
        (f"+ {passages:,} synthetic passages", big),
    ):
        print(f"  {label:<34} {kind:<8} {_ms(times, 50):>7.2f}ms {_ms(times, 99):>7.2f}ms   ({n:,} units)")
    print(f"  (adding the passages and rebuilding the index took {grown:.0f} s)")


def _ask_times(retriever, questions: list[str]) -> tuple[int, str, list[float]]:  # type: ignore[no-untyped-def]
    for q in questions[:5]:
        retriever.search(q, k=3)
    times = []
    for q in questions:
        t = time.perf_counter()
        retriever.search(q, k=3)
        times.append(time.perf_counter() - t)
    return len(retriever.unit_index), type(retriever.unit_index).__name__.replace("Index", ""), times


def _ms(times: list[float], pct: int) -> float:
    return float(np.percentile(times, pct)) * 1000


def run_scale(
    answers: bool = True, leaderboard: bool = True, vectors: bool = True, attempts: int = 1_000_000
) -> int:
    if answers:
        bench_answers()
    if leaderboard:
        bench_leaderboard(attempts=attempts)
    if vectors:
        bench_vectors()
        bench_ask_at_scale()
    return 0
