"""Micro-batching: questions that arrive together (a class asking at once) are encoded in one batch.

No thread of its own and no fixed wait: a question that finds the encoder idle is encoded at once, alone.
Questions that arrive while a batch is being encoded queue up, and when it is done they go together as the
next batch (up to `max_batch`), so a question waits at most for the one batch ahead of it: a few
milliseconds. The thread whose question heads the queue encodes that batch and hands every row to its
question; then it passes the turn to the next queued question's thread, so no caller keeps encoding for
others after its own answer is ready.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np


class _Request:
    __slots__ = ("text", "vector", "error", "ready", "lead")

    def __init__(self, text: str):
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.lead = False


class MicroBatcher:
    """Thread-safe: `encode_one` from any number of threads; each batch goes through `encode` once."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 32):
        self._encode = encode
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Request] = []
        self._busy = False
        self.batches = 0  # batches encoded, and the questions in them: for the bench and the tests
        self.questions = 0

    def encode_one(self, text: str) -> np.ndarray:
        request = _Request(text)
        with self._lock:
            self._queue.append(request)
            if not self._busy:
                self._busy = True
                request.lead = True
        if not request.lead:
            request.ready.wait()  # set when the vector is in, or when this thread's turn to encode comes
        if request.lead and request.vector is None and request.error is None:
            self._serve()
        if request.error is not None:
            raise request.error
        assert request.vector is not None
        return request.vector

    def _serve(self) -> None:
        """Encode the queue's head batch (the caller's question is in it), then hand the turn on."""
        with self._lock:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        try:
            vectors = self._encode([r.text for r in batch])
        except (
            BaseException
        ) as exc:  # every question of the batch learns of it, not only the encoding thread's
            for r in batch:
                r.error = exc
        else:
            for r, v in zip(batch, vectors, strict=True):
                r.vector = v
        self.batches += 1
        self.questions += len(batch)
        with self._lock:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
            else:
                nxt = None
                self._busy = False
        for r in batch:
            r.ready.set()
        if nxt is not None:
            nxt.ready.set()


class BatchingEmbedder:
    """An embedder whose single texts (questions) go through a MicroBatcher, encoded by the inner embedder's
    `encode_questions` when it has one (the ONNX encoder's one-thread session); lists go straight through."""

    def __init__(self, inner: object, max_batch: int = 32):
        self.inner = inner
        self.name: str = inner.name  # type: ignore[attr-defined]
        encode = getattr(inner, "encode_questions", None) or inner.encode  # type: ignore[attr-defined]
        self.batcher = MicroBatcher(encode, max_batch=max_batch)

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return self.batcher.encode_one(texts[0])[None, :]
        return self.inner.encode(texts)  # type: ignore[attr-defined]

    def warm_up(self) -> None:
        self.encode(["warm up"])
