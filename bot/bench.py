"""`tutor bench`: latency of a warm /ask beside its floor, start-up, `tutor --help`, and peak memory. It prints; it never fails."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

from bot.settings import Settings

QUESTIONS = [
    "what is RLHF?",
    "How does DPO differ from RLHF?",
    "what did norbert wiener warn about",
    "why freeze the encoder when fine-tuning BERT",
    "how is a reward model trained from pairwise comparisons",
    "what is best of n sampling",
    "why is a KL penalty used in PPO",
    "what does helpful honest harmless mean",
    "is prompting cheaper than fine-tuning",
    "what is reward hacking",
    "why do we need several alignment methods",
    "what is instruction fine-tuning",
    "how do self-driving cars relate to alignment",
    "what should a go/no-go review of an internal LLM check",
    "what happens to the pre-training head when fine-tuning",
    "why are human values hard to encode",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def _timed_subprocess(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return times


def run_bench(settings: Settings, queries: int = 200) -> int:
    from bot.runtime import build_tutor

    print("tutor bench: one machine, one run; medians and ratios compare within this run only")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    t0 = time.perf_counter()
    tutor = build_tutor(settings)
    retriever = tutor.retriever
    tutor.answer("warm up")
    warm_s = time.perf_counter() - t0
    course = tutor.course
    print(
        f"course: {len(course.concepts)} concepts, {len(retriever.passages.texts)} passages, "
        f"{len(retriever.sentences.texts)} sentences; model {settings.embedding_model}"
    )
    print(f"in-process start-up (course, database, model, index, first answer): {warm_s:.2f} s")

    qs = [QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" ({i})") for i in range(queries)]
    # The floor: the bare model encoding the question, plus one faiss search over the passages.
    model = retriever.embedder
    inner = getattr(model, "inner", model)
    index = retriever.passage_index
    floor, ask = [], []
    for q in qs:
        t = time.perf_counter()
        vec = inner.encode([q])[0]
        index.search(vec, 5)
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        tutor.answer(q)
        ask.append(time.perf_counter() - t)
    f50, a50 = statistics.median(floor), statistics.median(ask)
    print(f"\nwarm /ask over {queries} questions (tutor.answer: normalise, encode, fuse dense+BM25, quote):")
    print(f"  floor (bare encode + 1 faiss search)  p50 {_ms(f50)}   p99 {_ms(percentile(floor, 0.99))}")
    print(f"  tutor /ask                            p50 {_ms(a50)}   p99 {_ms(percentile(ask, 0.99))}")
    print(f"  ratio p50 /ask : floor = {a50 / f50:.2f}x (goal: at most 1.5x)")

    env = dict(os.environ)
    exe = [sys.executable, "-m", "bot.cli"]
    helps = _timed_subprocess([*exe, "--help"], env, 5)
    print(
        f"\n`tutor --help`: median {statistics.median(helps) * 1000:.0f} ms over 5 runs (goal: under 500 ms)"
    )
    first = _timed_subprocess([*exe, "ask", "what is RLHF?"], env, 3)
    print(
        f'start-up to the first answer (`tutor ask "what is RLHF?"`, embeddings cached): '
        f"median {statistics.median(first):.2f} s over 3 runs"
    )
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: a `tutor ask` process {child_peak:.0f} MiB; this bench process {self_peak:.0f} MiB")
    return 0
