"""The torch-free ONNX encoder: the PyTorch model's vectors and neighbours, no torch when serving, one export per
model that is redone when the model changes, and micro-batching of questions that arrive together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.retrieval import CachedEmbedder, SentenceTransformerEmbedder, make_encoder, onnx_export
from bot.retrieval.batcher import BatchingEmbedder, MicroBatcher
from bot.retrieval.onnx_export import EncoderUnavailable, ensure_export

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def _questions(name: str, n: int) -> list[str]:
    lines = (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip() and not line.startswith("#")][:n]


@pytest.mark.model
def test_onnx_gives_the_pytorch_vectors_and_the_same_neighbours(retriever, embedder, torch_model):
    """fp32 export: every vector within 1e-5 of PyTorch's (long passages included, which the package's
    tokenizer.json would cut at 128 tokens), and each question's five nearest passages in the same order."""
    onnx = embedder.inner
    assert onnx.name.endswith("@onnx")
    longest = sorted(retriever.passages.texts, key=len, reverse=True)[:12]
    passages = longest + retriever.passages.texts[::8]
    questions = _questions("heldout", 40) + _questions("students", 40)
    a_p, b_p = torch_model.encode(passages), onnx.encode(passages)
    a_q = torch_model.encode(questions)
    b_q = np.vstack([onnx.encode([q]) for q in questions])  # one at a time, as questions are served
    assert a_p.shape == b_p.shape and a_q.shape == b_q.shape
    assert float(np.abs(a_p - b_p).max()) < 1e-5
    assert float(np.abs(a_q - b_q).max()) < 1e-5
    sims = a_q @ a_p.T
    top_torch = np.argsort(-sims, axis=1)[:, :5]
    top_onnx = np.argsort(-(b_q @ b_p.T), axis=1)[:, :5]
    # the same passages in the same order, but for two passages equally near (within what the vectors may differ
    # by): a tie may fall either way
    rows, places = np.nonzero(top_torch != top_onnx)
    gaps = np.abs(sims[rows, top_torch[rows, places]] - sims[rows, top_onnx[rows, places]])
    assert (gaps < 2e-5).all(), [(questions[r], float(g)) for r, g in zip(rows, gaps, strict=True)]
    assert (top_torch == top_onnx).mean() > 0.98


@pytest.mark.model
def test_long_texts_are_cut_at_256_tokens_not_128(embedder):
    """The package's tokenizer.json cuts at 128 tokens; sentence-transformers (and so the tutor) at 256."""
    onnx = embedder.inner.inner
    onnx.encode(["load the tokenizer"])
    words = " ".join(f"reward model {i % 7} preference" for i in range(90))  # about 450 tokens
    tokens = onnx._tokenizer.encode(words)
    assert len(tokens.ids) == 256
    full, at_256, at_128 = onnx.encode(
        [words, onnx._tokenizer.decode(tokens.ids[1:255]), onnx._tokenizer.decode(tokens.ids[1:127])]
    )
    assert np.abs(full - at_256).max() < 1e-5  # the first 254 word pieces (and [CLS], [SEP]) are what counts
    assert np.abs(full - at_128).max() > 1e-3  # a cut at 128 would give another vector


@pytest.mark.model
def test_serving_from_an_export_imports_neither_torch_nor_sentence_transformers(
    retriever, embedder, tmp_path
):
    """A worker whose cache folder holds the export answers without torch, sentence-transformers, the model
    package or onnx installed (pyproject's [tool.tutor] export-only, left out of the runtime image)."""
    # `retriever`: the course is embedded and the export made in the session cache first
    probe = (
        "import sys, tomllib\n"
        # as in the runtime image: the export-only packages are not installed at all
        f"skip = tomllib.load(open({str(ROOT / 'pyproject.toml')!r}, 'rb'))['tool']['tutor']['export-only']\n"
        "blocked = {n.replace('-', '_') for n in skip} | {'transformers'}\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in blocked: raise ImportError(f'{name} is not installed')\n"
        "sys.meta_path.insert(0, Absent())\n"
        "from bot.runtime import build_tutor\n"
        "tutor = build_tutor()\n"
        "replies = tutor.answer('what is RLHF?')\n"
        "print(repr(replies)[:2000])\n"
        "print('LOADED', sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        TUTOR_CACHE_DIR=str(Path(embedder.path).parent),
        TUTOR_DATABASE_URL=f"sqlite:///{tmp_path / 't.sqlite'}",
        TUTOR_ENCODER="onnx",
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout[-500:]
    assert "reinforcement" in done.stdout.lower()


@pytest.mark.model
@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux's /proc/self/smaps")
def test_the_word_table_stays_out_of_a_worker_that_answers_questions(embedder):
    """The word-embedding table (47 MiB) is read a row at a time, not mapped: after 120 questions a worker holds
    the export's other weights (read whole on every question) and none of the table. Mapped inside the graph,
    the table's rows came in with their 64 KiB neighbourhoods, 29 MiB of it after 200 questions."""
    onnx = embedder.inner.inner
    onnx.encode(["find the export"])
    folder = Path(onnx.folder)
    meta = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
    table = folder / meta["word_embeddings"]["file"]
    assert table.stat().st_size == 30522 * 384 * 4
    probe = (
        "import json, sys\n"
        "from bot.retrieval.onnx_encoder import OnnxEmbedder\n"
        f"e = OnnxEmbedder({str(folder)!r})\n"
        "for q in json.loads(sys.stdin.read()): e.encode([q])\n"
        "rss, path = {}, None\n"
        "for line in open('/proc/self/smaps'):\n"
        "    head = line.split()\n"
        "    if '-' in head[0] and len(head) >= 5: path = head[5] if len(head) > 5 else ''\n"
        "    elif head[0] == 'Rss:': rss[path] = rss.get(path, 0) + int(head[1])\n"
        "print(json.dumps(rss))\n"
    )
    questions = _questions("blind", 120)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(questions),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rss_kib = json.loads(done.stdout.strip().splitlines()[-1])
    assert str(table) not in rss_kib, "the word table is mapped into the worker"
    export_kib = sum(kib for path, kib in rss_kib.items() if path.startswith(str(folder)))
    assert export_kib * 1024 <= (folder / "model.onnx.data").stat().st_size


@pytest.mark.model
def test_a_question_runs_on_one_thread_and_batches_on_more(embedder):
    """Questions and short lists (an instructor's passage and its sentences) run on the one-thread session; only
    a long list (a course's passages) makes the second, multi-threaded session (about 50 MiB)."""
    from bot.retrieval.onnx_encoder import BATCH_SESSION_MIN, OnnxEmbedder

    onnx = OnnxEmbedder(embedder.inner.inner.folder, batch_threads=2)
    onnx.encode(["a question"])
    assert onnx._single.get_session_options().intra_op_num_threads == 1
    onnx.encode(["a passage an instructor added", "and its sentence"])
    assert onnx._batch is None, "a short list made the second session"
    texts = [f"passage number {i}" for i in range(BATCH_SESSION_MIN)]
    onnx.encode(texts)
    assert onnx._batch.get_session_options().intra_op_num_threads == 2
    assert np.allclose(
        onnx.encode(texts[:2]), onnx.encode(texts)[:2], atol=1e-5
    )  # the same vectors either way


def test_the_encoder_is_part_of_the_embedding_cache_key(tmp_path):
    """Vectors cached by one encoder are never served for another (int8 vectors are not PyTorch's)."""
    names = {make_encoder(kind, cache_dir=tmp_path).name for kind in ("torch", "onnx", "onnx-int8")}
    assert names == {"all-MiniLM-L6-v2@torch", "all-MiniLM-L6-v2@onnx", "all-MiniLM-L6-v2@onnx-int8"}

    class Fake:
        def __init__(self, name: str, value: float):
            self.name, self.value = name, value

        def encode(self, texts: list[str]) -> np.ndarray:
            return np.full((len(texts), 4), self.value, dtype="float32")

    first = CachedEmbedder(Fake("m@torch", 1.0), tmp_path / "e.sqlite")
    assert first.encode(["reward model"])[0, 0] == 1.0
    other = CachedEmbedder(Fake("m@onnx", 2.0), tmp_path / "e.sqlite")
    assert other.encode(["reward model"])[0, 0] == 2.0 and other.misses == 1


def test_an_unknown_encoder_is_refused_with_the_choices():
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError, match="onnx, torch or onnx-int8"):
        Settings(encoder="tensorflow")
    with pytest.raises(ValueError, match="torch, onnx, onnx-int8"):
        make_encoder("tensorflow")


# -- the export's cache key: exported once, again when the model changes ----------------------------------
@pytest.fixture
def fake_export(monkeypatch):
    calls: list[str] = []

    def export(model, source, folder, variant, fp):  # the real one needs half a minute and torch
        calls.append(fp)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.onnx").write_bytes(b"onnx")
        (folder / "tokenizer.json").write_text("{}")
        (folder / "encoder.json").write_text(
            json.dumps({"model": model, "variant": variant, "fingerprint": fp})
        )

    monkeypatch.setattr(onnx_export, "export", export)
    return calls


def test_the_export_is_made_once_and_again_when_the_model_changes(tmp_path, fake_export):
    model = tmp_path / "my-model"
    model.mkdir()
    weights = model / "model.safetensors"
    weights.write_bytes(b"weights v1")
    cache = tmp_path / "cache"
    folder = ensure_export(str(model), cache, "onnx")
    assert folder.parent == cache / "onnx" and len(fake_export) == 1
    assert ensure_export(str(model), cache, "onnx") == folder and len(fake_export) == 1  # found, not redone
    weights.write_bytes(b"weights v2, fine-tuned on the course")
    os.utime(weights, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert ensure_export(str(model), cache, "onnx") == folder and len(fake_export) == 2
    int8 = ensure_export(str(model), cache, "onnx-int8")  # its own folder, its own key
    assert int8 != folder and len(fake_export) == 3 and len(set(fake_export)) == 3


def test_an_export_without_the_model_files_is_used_as_it_is(tmp_path, fake_export, monkeypatch):
    """The runtime image has the export but neither torch nor the model package: it serves the export."""
    cache = tmp_path / "cache"
    monkeypatch.setattr(onnx_export, "model_source", lambda model: None)
    with pytest.raises(EncoderUnavailable, match="TUTOR_ENCODER=torch"):
        ensure_export("all-MiniLM-L6-v2", cache, "onnx")
    assert not fake_export
    onnx_export.export(
        "all-MiniLM-L6-v2", None, onnx_export.export_dir(cache, "all-MiniLM-L6-v2", "onnx"), "onnx", "x"
    )
    assert ensure_export("all-MiniLM-L6-v2", cache, "onnx").name == "all-MiniLM-L6-v2-onnx"
    assert len(fake_export) == 1


# -- micro-batching ----------------------------------------------------------------------------------------
def test_questions_that_arrive_together_are_encoded_in_one_batch():
    batches: list[list[str]] = []
    first_started, release = threading.Event(), threading.Event()

    def encode(texts: list[str]) -> np.ndarray:
        batches.append(list(texts))
        if len(batches) == 1:
            first_started.set()
            release.wait(10)  # the first question holds the encoder while nine more arrive
        return np.array([[float(len(t)), 1.0] for t in texts], dtype="float32")

    batcher = MicroBatcher(encode)
    results: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        results[text] = batcher.encode_one(text)

    first = threading.Thread(target=ask, args=("q",))
    first.start()
    assert first_started.wait(10)
    others = [threading.Thread(target=ask, args=("q" * (i + 2),)) for i in range(9)]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(batcher._queue) < 10 and time.monotonic() < deadline:  # the first's own request is still queued
        time.sleep(0.001)
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert [len(b) for b in batches] == [1, 9]  # the nine that waited went together
    assert all(results[t][0] == len(t) for t in results) and len(results) == 10  # each got its own row


def test_a_failed_batch_raises_in_every_waiting_thread_and_the_next_one_works():
    calls = 0

    def encode(texts: list[str]) -> np.ndarray:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("model broke")
        return np.ones((len(texts), 2), dtype="float32")

    embedder = BatchingEmbedder(type("E", (), {"name": "e", "encode": staticmethod(encode)})())
    with pytest.raises(RuntimeError, match="model broke"):
        embedder.encode(["first"])
    assert embedder.encode(["second"]).shape == (1, 2)
    assert embedder.encode(["a", "list", "goes straight through"]).shape == (3, 2)


@pytest.mark.model
def test_a_burst_of_questions_from_many_threads_gets_the_vectors_each_gets_alone(embedder):
    onnx = embedder.inner
    questions = _questions("students", 48)
    alone = {q: onnx.inner.encode([q])[0] for q in questions}
    got: dict[str, np.ndarray] = {}

    def ask(q: str) -> None:
        got[q] = onnx.encode([q])[0]

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    before_questions = onnx.batcher.questions
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == len(questions)
    assert max(float(np.abs(got[q] - alone[q]).max()) for q in questions) < 1e-5
    assert onnx.batcher.questions - before_questions == len(questions)


# -- the CLI: both encoders in one table -------------------------------------------------------------------
@pytest.mark.model
def test_eval_prints_every_set_for_each_encoder_in_one_table(embedder, tmp_path):
    from tests.conftest import MINI_COURSE

    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text(
        '{"question": "how is a model adapted to a task with labelled data", "concepts": ["fine-tuning"]}\n'
        '{"question": "what scores responses from human comparisons", "concepts": ["reward-models"]}\n'
    )
    two.write_text(
        '{"question": "self-supervised training on unlabeled text", "concepts": ["pretraining"]}\n'
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        TUTOR_CACHE_DIR=str(Path(embedder.path).parent),
        TUTOR_DATABASE_URL=f"sqlite:///{tmp_path / 't.sqlite'}",
        TUTOR_KNOWLEDGE=str(MINI_COURSE),
    )
    run = [sys.executable, "-m", "tutor_cli", "eval"]
    done = subprocess.run(
        [*run, "--encoders", "torch,onnx", str(one), str(two)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [
        line.split("|")[1:-1]
        for line in done.stdout.splitlines()
        if line.startswith("| one") or line.startswith("| two")
    ]
    assert len(rows) == 8  # two sets x two methods x two encoders
    by = {(r[0].strip(), r[2].strip(), r[3].strip()): [c.strip() for c in r[4:7]] for r in rows}
    for name in ("one", "two"):
        for method in ("tutor", "dense"):
            assert by[(name, "torch", method)] == by[(name, "onnx", method)]
    assert "largest difference from torch: 0.000 (within 0.01)" in done.stdout
    bad = subprocess.run([*run, "--encoders", "torch,tf", str(one)], env=env, capture_output=True, text=True)
    assert (
        bad.returncode == 2
        and "--encoders takes a comma-separated list of torch, onnx, onnx-int8" in bad.stderr
    )
