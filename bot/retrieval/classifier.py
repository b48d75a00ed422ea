"""A concept classifier over question vectors: the course's own questions (its concepts' `asks` and cards) teach a
softmax regression which concept a question is about.

Nearest-neighbour search over the asks finds the ask most like the question; the classifier weighs every ask of a
concept at once and learns which directions of the embedding tell neighbouring concepts apart. As one more channel
in the retriever's fusion (`Retriever.W_CLASSIFIER`) it raised recall@1 on every development set (README,
"Retrieval quality"). Fitted in a fifth of a second with numpy (plain gradient descent from zero: deterministic),
then kept in the embedding cache beside the vectors it was fitted on.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

# Chosen on the development sets (never the blind ones); see README, "Retrieval quality".
TEMPERATURE = 10.0  # logits are cosine-scaled scores times this
L2 = 1e-3
STEPS = 100
STEP_SIZE = 4.0
# Below this many training texts per concept (a course without `asks`: one card each) the channel is left out.
MIN_PER_CONCEPT = 3


class ArrayStore(Protocol):
    def load_array(self, key: str) -> np.ndarray | None: ...

    def store_array(self, key: str, array: np.ndarray) -> None: ...


class ConceptClassifier:
    """Per question vector, the probability of each concept (softmax over `weights.T @ q + bias`, scaled)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray):
        self.weights = np.ascontiguousarray(weights, dtype="float32")  # dim x concepts
        self.bias = np.asarray(bias, dtype="float32")

    def probabilities(self, qvec: np.ndarray) -> np.ndarray:
        z = (np.asarray(qvec, dtype="float32") @ self.weights + self.bias) * TEMPERATURE
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum(), dtype="float32")

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: np.ndarray, n_concepts: int) -> ConceptClassifier:
        """Softmax regression by full-batch gradient descent from zero weights, STEPS steps (stopping early is
        part of the regularisation: the fit is not run to convergence)."""
        x = np.asarray(vectors, dtype="float32")
        y = np.zeros((len(x), n_concepts), dtype="float32")
        y[np.arange(len(x)), labels] = 1.0
        w = np.zeros((x.shape[1], n_concepts), dtype="float32")
        b = np.zeros(n_concepts, dtype="float32")
        for _ in range(STEPS):
            z = (x @ w + b) * TEMPERATURE
            z = np.exp(z - z.max(axis=1, keepdims=True))
            grad = (z / z.sum(axis=1, keepdims=True) - y) / len(x)
            w -= STEP_SIZE * (x.T @ grad + L2 * w)
            b -= STEP_SIZE * grad.sum(axis=0)
        return cls(w, b)

    @classmethod
    def for_course(
        cls, vectors: np.ndarray, labels: np.ndarray, n_concepts: int, store: object = None
    ) -> ConceptClassifier | None:
        """The classifier of these training vectors, from `store`'s cache when it was fitted before; None when
        the course has too few training texts per concept for it to help."""
        if n_concepts < 2 or len(vectors) < MIN_PER_CONCEPT * n_concepts:
            return None
        digest = hashlib.sha256(np.asarray(vectors, dtype="float32").tobytes())
        digest.update(np.asarray(labels, dtype=np.int64).tobytes())
        digest.update(repr((n_concepts, TEMPERATURE, L2, STEPS, STEP_SIZE)).encode())
        key = "concept-classifier:" + digest.hexdigest()
        load = getattr(store, "load_array", None)
        if load is not None:
            cached = load(key)
            if cached is not None and cached.shape == (vectors.shape[1] + 1, n_concepts):
                return cls(cached[:-1], cached[-1])
        fitted = cls.fit(vectors, labels, n_concepts)
        save = getattr(store, "store_array", None)
        if save is not None:
            save(key, np.vstack([fitted.weights, fitted.bias[None, :]]))
        return fitted
