"""The torch-free encoder: an exported model (see `onnx_export`) run by onnxruntime, texts tokenised by `tokenizers`,
mean pooling and normalisation in numpy. Imports neither torch nor sentence-transformers.

Threads: questions run on one intra-op thread, alone or micro-batched (on a shared or busy host, more threads
for short questions cost more in waiting than they gain, and the other cores belong to the other workers);
long lists of texts (the course's passages at a first start) run on `batch_threads`, a second session made
the first time such a list comes (about 50 MiB more); short lists (an instructor's passage and its sentences,
added at run time) stay on the one thread, so a serving worker never pays for the second session.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BATCH_ROWS = 32  # as sentence-transformers' encode
BATCH_TOKENS = 4096  # rows x longest row per batch: caps the attention's memory for long passages
BATCH_SESSION_MIN = 16  # shorter lists (an instructor's passage and its sentences) stay on the one thread


def default_batch_threads() -> int:
    """Intra-op threads for batches when TUTOR_ENCODER_THREADS is not set: the cores, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


class OnnxEmbedder:
    """An exported sentence-transformers model served by onnxruntime; the same vectors as the PyTorch model."""

    def __init__(
        self,
        folder: str | Path | Callable[[], Path],
        name: str | None = None,
        batch_threads: int | None = None,
    ):
        """`folder` holds the export, or is a function that finds (or makes) it: called on first use, as the
        PyTorch model is loaded on first use, so a worker that never embeds never exports."""
        self._locate = folder if callable(folder) else (lambda: Path(folder))
        self.folder: Path | None = None
        self.meta: dict[str, Any] = {}
        self.name = name or ""
        self.dim = 0
        self.max_length = 0
        self.inputs: list[str] = []
        self.batch_threads = batch_threads or default_batch_threads()
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._single: Any = None
        self._batch: Any = None
        self._words: WordTable | None = None
        if not name:
            self._read_meta()
            self.name = f"{self.meta['model']}@{self.meta['variant']}"

    def _read_meta(self) -> None:
        if self.folder is None:
            self.folder = Path(self._locate())
            meta = json.loads((self.folder / "encoder.json").read_text(encoding="utf-8"))
            self.meta = meta
            self.dim = int(meta["dimension"])
            self.max_length = int(meta["max_seq_length"])
            self.inputs = list(meta["inputs"])

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # the arena keeps the largest batch's activations for good; without it a worker's memory falls back
        options.enable_cpu_mem_arena = False
        if threads > 1:  # idle pool threads sleep instead of spinning on cores other workers need
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        assert self.folder is not None
        return ort.InferenceSession(
            str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def _load(self) -> None:
        with self._lock:
            if self._single is not None:
                return
            from tokenizers import Tokenizer

            self._read_meta()
            assert self.folder is not None
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            # the model package's tokenizer.json pads every text to 128 tokens and cuts it there: pad to the
            # longest text of a batch and cut where sentence-transformers does (max_seq_length, 256)
            pad_token = _pad_token(tokenizer)
            pad_id = tokenizer.token_to_id(pad_token)
            tokenizer.no_padding()
            tokenizer.enable_padding(pad_id=0 if pad_id is None else int(pad_id), pad_token=pad_token)
            tokenizer.enable_truncation(self.max_length)
            self._tokenizer = tokenizer
            words = self.meta.get("word_embeddings")
            if "inputs_embeds" in self.inputs and isinstance(words, dict):
                self._words = WordTable(
                    self.folder / str(words["file"]), int(words["rows"]), int(words["dimension"])
                )
            self._single = self._session(1)

    def _batch_session(self) -> Any:
        if self.batch_threads <= 1:
            return self._single
        if self._batch is None:
            with self._lock:
                if self._batch is None:
                    self._batch = self._session(self.batch_threads)
        return self._batch

    def warm_up(self) -> None:
        self.encode(["warm up"])

    def _tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Token ids, attention mask (and type ids), right-padded to the longest of `texts`."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        feed = {"attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64)}
        if self._words is not None:  # the graph starts after the lookup: read the rows (see WordTable)
            feed["inputs_embeds"] = self._words.lookup(ids)
        else:  # an export from before EXPORT_VERSION 3, served as it is where it cannot be redone
            feed["input_ids"] = ids
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        return feed

    def _run(self, feed: dict[str, np.ndarray], session: Any) -> np.ndarray:
        mask = feed["attention_mask"]
        hidden = session.run(None, feed)[0]
        if len(mask) == 1:  # one text has no padding: a plain mean (a question's common case, ~0.4 ms less)
            pooled = hidden.mean(axis=1)
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        """Like `encode`, on one thread: for questions, alone or micro-batched."""
        return self.encode(texts, threads=1)

    def encode(self, texts: list[str], threads: int | None = None) -> np.ndarray:
        """One unit-length row per text, in order. Texts are batched longest first (less padding), as
        sentence-transformers does, within BATCH_ROWS rows and BATCH_TOKENS tokens. One text runs on one
        thread, and so does a list shorter than BATCH_SESSION_MIN; a longer one runs on `batch_threads` unless
        `threads` is 1."""
        self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        small = len(texts) < BATCH_SESSION_MIN or threads == 1
        session = self._single if small else self._batch_session()
        feed = self._tokenize([t.strip() for t in texts])  # stripped, as sentence-transformers' tokenize
        lengths = feed["attention_mask"].sum(axis=1)
        if len(texts) <= BATCH_ROWS and len(texts) * int(lengths.max()) <= BATCH_TOKENS:
            return self._run(feed, session)
        order = np.argsort(-lengths, kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(order):
            rows = max(1, min(BATCH_ROWS, BATCH_TOKENS // max(int(lengths[order[start]]), 1)))
            chunk = order[start : start + rows]
            width = int(lengths[chunk].max())  # right padding: the chunk's longest row is all it needs
            out[chunk] = self._run(
                {k: np.ascontiguousarray(v[chunk, :width]) for k, v in feed.items()}, session
            )
            start += rows
        return out


class WordTable:
    """The model's word-embedding table, read a row at a time with `pread` from the export's raw float32 file.

    A question needs a dozen rows of 30,522. Read this way they sit in the page cache (shared by every worker on
    the host, and dropped under pressure) instead of in the worker: the same table mapped inside the ONNX graph
    made 29 of its 47 MiB resident per worker after 200 questions, 64 KiB of neighbours coming in with each row."""

    def __init__(self, path: Path, rows: int, dimension: int):
        self.path, self.rows, self.dim = path, rows, dimension
        self._row_bytes = dimension * 4
        size = path.stat().st_size
        if size != rows * self._row_bytes:
            raise ValueError(f"{path}: {size} bytes, expected {rows} rows of {dimension} float32")
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._map: np.ndarray | None = None
        if not hasattr(os, "pread"):  # pragma: no cover - Windows: a read-only map instead
            self._map = np.memmap(path, dtype="<f4", mode="r", shape=(rows, dimension))

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """ids (batch x sequence) -> float32 (batch x sequence x dimension); each distinct id read once."""
        unique, where = np.unique(ids, return_inverse=True)
        if self._map is not None:  # pragma: no cover
            table = np.asarray(self._map[unique], dtype=np.float32)
        else:
            size = self._row_bytes
            raw = b"".join(os.pread(self._fd, size, int(i) * size) for i in unique)
            table = np.frombuffer(raw, dtype="<f4").reshape(len(unique), self.dim)
        return np.ascontiguousarray(table[where.reshape(ids.shape)], dtype=np.float32)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            os.close(self._fd)


def _pad_token(tokenizer: Any) -> str:
    padding = tokenizer.padding
    if padding and padding.get("pad_token"):
        return str(padding["pad_token"])
    return "[PAD]"
