"""Whether a new question is one already asked: the same words once normalised, or the same question reworded
(its embedding within SAME_QUESTION of the other's). The instructors' inbox merges such questions into one
item with a count.

`python -m bot.retrieval.duplicates eval/inbox-duplicates.jsonl` measures the threshold on hand-labelled
pairs of questions taken from the evaluation sets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

import numpy as np

# Two questions whose embeddings (all-MiniLM-L6-v2, as the ask path computes them: of the typo-mended text)
# are at least this close are the same question reworded. Measured on eval/inbox-duplicates.jsonl (30
# rewordings, 24 pairs that ask different things): the closest different pair is at 0.917 ("Why has AI
# alignment become more relevant recently?" / "... more urgent as AI becomes more capable?"); 0.93 keeps a
# margin above it, so a merge never tells a learner the answer to another question. The price: half the
# rewordings (those below 0.93, such as "dpo vs rlhf" / "How does DPO differ from RLHF?") stay apart.
SAME_QUESTION = 0.93

_WORD = re.compile(r"[^\W_]+")

K = TypeVar("K", bound=Hashable)
# what a question is compared with: (its key, its text, its embedding as float32 bytes or None, the model)
Candidate = tuple[K, str, bytes | None, str]


def normalise(text: str) -> str:
    """A question's words, lower case, without punctuation or extra spaces: "When is the exam??" and
    "when is the exam" are the same question."""
    return " ".join(_WORD.findall(text.casefold()))


def same_question(
    text: str, vector: np.ndarray | None, model: str, candidates: Sequence[Candidate[K]]
) -> tuple[K, float] | None:
    """The candidate a question repeats, and how close (1.0 for the same normalised words): the first whose
    words normalise to the same, else the closest whose embedding (of the same model) is within
    SAME_QUESTION. None when it repeats none."""
    key = normalise(text)
    if key:
        for found, other, _, _ in candidates:
            if normalise(other) == key:
                return found, 1.0
    if vector is None or not model:
        return None
    query = np.asarray(vector, dtype="float32")
    best: tuple[K, float] | None = None
    for found, _, embedding, their_model in candidates:
        if not embedding or their_model != model or len(embedding) != query.nbytes:
            continue
        sim = float(np.frombuffer(embedding, dtype="float32") @ query)
        if sim >= SAME_QUESTION and (best is None or sim > best[1]):
            best = (found, sim)
    return best


def measure(files: Iterable[str]) -> str:
    """Over hand-labelled pairs (JSON lines {"a", "b", "same"}): each pair's cosine as the ask path embeds
    the questions, and at each threshold how many rewordings would merge and how many different questions."""
    from pathlib import Path

    from bot.course import load_course
    from bot.retrieval import Retriever
    from bot.runtime import make_embedder
    from bot.settings import Settings

    settings = Settings()
    retriever = Retriever(load_course(settings.course_path), make_embedder(settings))
    pairs = [
        json.loads(line)
        for name in files
        for line in Path(name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]

    def vector(text: str) -> np.ndarray:
        return retriever.prepare(text)[1]

    scored = [(float(vector(p["a"]) @ vector(p["b"])), bool(p["same"]), p) for p in pairs]
    same = sorted(s for s, ok, _ in scored if ok)
    different = sorted(s for s, ok, _ in scored if not ok)
    exact = sum(1 for _, ok, p in scored if ok and normalise(p["a"]) == normalise(p["b"]))
    lines = [
        f"{len(same)} rewordings (cosine {same[0]:.3f} to {same[-1]:.3f}; {exact} equal once normalised), "
        f"{len(different)} different questions (cosine {different[0]:.3f} to {different[-1]:.3f})",
        "",
        "| threshold | rewordings merged | different questions merged |",
        "|---:|---:|---:|",
    ]
    for threshold in (0.80, 0.85, 0.88, 0.90, 0.92, SAME_QUESTION, 0.95):
        merged = sum(1 for s in same if s >= threshold)
        wrong = sum(1 for s in different if s >= threshold)
        mark = " (SAME_QUESTION)" if threshold == SAME_QUESTION else ""
        lines.append(f"| {threshold:.2f}{mark} | {merged}/{len(same)} | {wrong}/{len(different)} |")
    score, pair = max(((s, p) for s, ok, p in scored if not ok), key=lambda x: x[0])
    lines += ["", f'closest different questions ({score:.3f}): "{pair["a"]}" / "{pair["b"]}"']
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a measuring tool
    import sys

    print(measure(sys.argv[1:] or ["eval/inbox-duplicates.jsonl"]))
