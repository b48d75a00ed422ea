"""`tutor bench`: latency of a warm /ask beside its floor, start-up, `tutor --help`, and peak memory, for each
encoder (PyTorch, ONNX, ONNX int8) side by side. It prints; it never fails.

Each encoder runs in a worker process of its own (the ONNX ones then never import torch, as in production),
and the bench interleaves them: question i goes to every worker before question i+1 goes to any, in a rotating
order, so a noisy, shared machine slows them alike and the ratios within one run hold."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

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


ENCODERS = ("torch", "onnx", "onnx-int8")
BURST = 300  # questions in one second: a class asking at once


def _question(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" ({i})")


# -- the worker: one process per encoder, driven over stdin/stdout ------------------------------------------
def worker() -> None:
    """`python -c "from tutor_cli.bench import worker; worker()"` with TUTOR_ENCODER set: builds the tutor,
    answers one question, then answers the parent's requests, one JSON line each way."""
    from bot.runtime import build_tutor
    from bot.settings import Settings

    settings = Settings()
    tutor = build_tutor(settings)
    built = time.perf_counter()
    tutor.answer("what is RLHF?")
    answered = time.perf_counter()
    retriever = tutor.retriever
    model = getattr(retriever.embedder, "inner", retriever.embedder)
    peak_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = sys.stdout
    print(
        json.dumps(
            {"built": built, "answered": answered, "peak_first": peak_first, "torch": "torch" in sys.modules}
        ),
        file=out,
        flush=True,
    )
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        res: dict[str, Any] = {}
        if op == "floor":
            t = time.perf_counter()
            vec = model.encode([req["q"]])[0]
            retriever.passage_index.search(vec, 5)
            res["s"] = time.perf_counter() - t
        elif op == "ask":
            t = time.perf_counter()
            tutor.answer(req["q"])
            res["s"] = time.perf_counter() - t
        elif op == "batch":
            texts = [_question(i) + " in batch" for i in range(req["size"])]
            bare = getattr(model, "inner", model)  # a list goes straight to the encoder anyway
            bare.encode(texts)
            times = []
            for r in range(req["rounds"]):
                t = time.perf_counter()
                bare.encode([f"{x} {r}" for x in texts])
                times.append(time.perf_counter() - t)
            res["qps"] = req["size"] / statistics.median(times)
        elif op == "burst":
            res.update(_burst(tutor, model, req["n"], req["seconds"], req.get("max_batch")))
        elif op == "mem":
            res["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            res["torch"] = "torch" in sys.modules
        print(json.dumps(res), file=out, flush=True)


def _burst(tutor: Any, model: Any, n: int, seconds: float, max_batch: int | None) -> dict[str, Any]:
    """`n` questions arriving evenly over `seconds`, each on its own thread through tutor.answer; latency from
    its arrival to its answer. `max_batch` 1 turns micro-batching off (questions then wait their turn)."""
    batcher = getattr(model, "batcher", None)
    saved = batcher.max_batch if batcher else None
    if batcher and max_batch:
        batcher.max_batch = max_batch
    batches_before = batcher.batches if batcher else 0
    latencies = [0.0] * n
    threads = []
    start = time.perf_counter() + 0.05

    def ask(i: int, due: float) -> None:
        tutor.answer(_question(i + 1000))
        latencies[i] = time.perf_counter() - due

    for i in range(n):
        due = start + seconds * i / n
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        th = threading.Thread(target=ask, args=(i, due))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    if batcher:
        batcher.max_batch = saved
    batches = (batcher.batches - batches_before) if batcher else n
    return {
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "batches": batches,
        "wall": wall,
    }


class _Worker:
    def __init__(self, encoder: str, env: dict[str, str]):
        self.encoder = encoder
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tutor_cli.bench import worker; worker()"],
            env=dict(env, TUTOR_ENCODER=encoder),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.hello: dict[str, Any] = {}
        # its warnings (an export, embedding the course) are read on a thread, so a full pipe never blocks it
        self.errors: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.errors = [*self.errors[-19:], line.rstrip()]

    def ready(self) -> dict[str, Any]:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            self.proc.wait(10)
            why = "\n".join(self.errors[-5:])
            raise RuntimeError(f"the {self.encoder} worker ended before it was ready:\n{why}")
        self.hello = json.loads(line)
        return self.hello

    def ask(self, **req: Any) -> dict[str, Any]:
        self.proc.stdin.write(json.dumps(req) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(60)


def _cold_start(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, float]:
    """(seconds, peak MiB) of one fresh process, its own peak from wait4 (not the largest child's so far)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env=env,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if stdin is not None:
        proc.stdin.write(stdin)  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def run_bench(settings: Settings, queries: int = 200, encoders: tuple[str, ...] = ENCODERS) -> int:
    print("tutor bench: one machine, one run; medians and ratios compare within this run only")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; default encoder {settings.encoder}"
    )
    # its own throw-away database: the bench never writes to (or depends on the schema of) the learners' one
    scratch = tempfile.mkdtemp(prefix="tutor-bench-")
    env = dict(os.environ, TUTOR_DATABASE_URL=f"sqlite:///{scratch}/bench.sqlite")
    try:
        return _run_bench(settings, queries, encoders, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_bench(settings: Settings, queries: int, encoders: tuple[str, ...], env: dict[str, str]) -> int:
    encoders = tuple(
        dict.fromkeys(("torch", *encoders))
    )  # PyTorch is the floor everything is measured against
    # One at a time: a first run embeds the course (and exports the ONNX models) into the cache.
    workers = {}
    for enc in encoders:
        w = _Worker(enc, env)
        hello = w.ready()
        workers[enc] = w
        print(
            f"  {enc:<9} worker: first answer {time.perf_counter() - w.started:5.2f} s after spawn, "
            f"peak {hello['peak_first']:.0f} MiB, torch imported: {'yes' if hello['torch'] else 'no'}"
        )
    default = settings.encoder if settings.encoder in workers else encoders[0]

    floor: dict[str, list[float]] = {e: [] for e in encoders}
    ask: dict[str, list[float]] = {e: [] for e in encoders}
    order = list(encoders)
    for i in range(queries):
        q = _question(i)
        order = order[1:] + order[:1]
        for enc in order:
            floor[enc].append(workers[enc].ask(op="floor", q=q)["s"])
        for enc in order:
            ask[enc].append(workers[enc].ask(op="ask", q=q)["s"])

    torch_floor = statistics.median(floor["torch"])
    f50, a50 = statistics.median(floor[default]), statistics.median(ask[default])
    print(
        f"\nwarm /ask over {queries} questions (tutor.answer: normalise, encode, fuse dense+BM25, quote), {default}:"
    )
    print(
        f"  floor (bare encode + 1 faiss search)  p50 {_ms(f50)}   p99 {_ms(percentile(floor[default], 0.99))}"
    )
    print(
        f"  tutor /ask                            p50 {_ms(a50)}   p99 {_ms(percentile(ask[default], 0.99))}"
    )
    print(f"  ratio p50 /ask : floor = {a50 / f50:.2f}x (goal: at most 1.5x)")

    print(f"\neach encoder, interleaved question by question ({queries} questions, one worker process each):")
    print(
        f"  {'encoder':<10} {'floor p50':>10} {'floor p99':>10} {'/ask p50':>10} {'/ask p99':>10}"
        f" {'/ask p50 : torch floor p50':>27}"
    )
    for enc in encoders:
        print(
            f"  {enc:<10} {statistics.median(floor[enc]) * 1000:8.2f}ms {percentile(floor[enc], 0.99) * 1000:8.2f}ms"
            f" {statistics.median(ask[enc]) * 1000:8.2f}ms {percentile(ask[enc], 0.99) * 1000:8.2f}ms"
            f" {statistics.median(ask[enc]) / torch_floor:26.2f}x"
        )
    print("  (goal: the default's /ask p50 at most 0.33x the PyTorch floor)")

    print(
        f"\na burst of {BURST} questions in one second (tutor.answer, a thread each; latency from arrival):"
    )
    print(f"  {'encoder':<22} {'p50':>9} {'p99':>9} {'batches':>8} {'done in':>8}")
    runs: list[tuple[str, str, int | None]] = [("torch", "torch (no batching)", None)]
    for enc in encoders:
        if enc != "torch":
            runs += [(enc, f"{enc}, one at a time", 1), (enc, f"{enc}, micro-batched", None)]
    for enc, label, max_batch in runs:
        b = workers[enc].ask(op="burst", n=BURST, seconds=1.0, max_batch=max_batch)
        print(f"  {label:<22} {_ms(b['p50'])} {_ms(b['p99'])} {b['batches']:>8} {b['wall']:7.2f}s")

    serving = {enc: workers[enc].ask(op="mem") for enc in encoders}
    print(f"\npeak memory of each serving worker: {queries} questions, then the bursts (MiB):")
    print(
        "  "
        + "   ".join(f"{enc} {p['peak']:.0f}" for enc, p in serving.items())
        + "   (goal: at most 250 with onnx)"
    )

    print(
        "\nbatch throughput, 32 questions a batch (median of 10 batches; batches use TUTOR_ENCODER_THREADS):"
    )
    qps: dict[str, list[float]] = {e: [] for e in encoders}
    for _ in range(2):  # interleaved twice; the better of the two is the machine's, not the noise's
        for enc in encoders:
            qps[enc].append(workers[enc].ask(op="batch", size=32, rounds=10)["qps"])
    print("  " + "   ".join(f"{enc} {max(v):.0f} questions/s" for enc, v in qps.items()))

    peaks = {enc: workers[enc].ask(op="mem") for enc in encoders}
    for w in workers.values():
        w.close()
    print("peak memory after batches of 32 on the batch threads too (a course's first embedding) (MiB):")
    print("  " + "   ".join(f"{enc} {p['peak']:.0f}" for enc, p in peaks.items()))

    exe = [sys.executable, "-m", "tutor_cli"]
    helps = _timed_subprocess([*exe, "--help"], env, 5)
    print(
        f"\n`tutor --help`: median {statistics.median(helps) * 1000:.0f} ms over 5 runs (goal: under 500 ms)"
    )
    starts: dict[str, list[tuple[float, float]]] = {e: [] for e in encoders}
    chats: dict[str, list[tuple[float, float]]] = {e: [] for e in encoders}
    for _ in range(3):
        for enc in encoders:
            e_env = dict(env, TUTOR_ENCODER=enc)
            starts[enc].append(_cold_start([*exe, "ask", "what is RLHF?"], e_env))
            chats[enc].append(_cold_start([*exe, "chat", "--user", "bench"], e_env, stdin="what is RLHF?\n"))
    print("start-up to the first answer, a fresh process, embeddings cached (median of 3, interleaved):")
    for enc in encoders:
        ask_s = statistics.median(s for s, _ in starts[enc])
        chat_s = statistics.median(s for s, _ in chats[enc])
        peak = max(m for _, m in starts[enc] + chats[enc])
        print(
            f'  {enc:<10} `tutor ask "what is RLHF?"` {ask_s:5.2f} s   `tutor chat` (one question piped) '
            f"{chat_s:5.2f} s   peak {peak:.0f} MiB"
        )
    print("  (goal: at most 2 s and 250 MiB with the default encoder)")
    d_start = statistics.median(s for s, _ in starts[default])
    print(
        f'start-up to the first answer (`tutor ask "what is RLHF?"`, embeddings cached): '
        f"median {d_start:.2f} s over 3 runs"
    )
    d_peak = max(m for _, m in starts[default])
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: a `tutor ask` process {d_peak:.0f} MiB; this bench process {self_peak:.0f} MiB")
    return 0
