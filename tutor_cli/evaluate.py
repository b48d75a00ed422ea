"""`tutor eval FILE`: retrieval quality on a set of student questions, for the tutor and two baselines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.retrieval import Retriever

METHODS = (("tutor (hybrid)", "hybrid"), ("BM25 baseline", "bm25"), ("dense baseline", "dense"))


@dataclass(frozen=True)
class EvalItem:
    question: str
    concepts: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Scores:
    recall1: float
    recall3: float
    mrr: float
    misses: tuple[tuple[str, tuple[str, ...], str], ...]  # (question, expected, got) at rank 1


def load_eval(path: str | Path, known: set[str]) -> list[EvalItem]:
    """JSON lines of {"question": ..., "concepts": [ids]}; problems name the file and line."""
    items, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
            question, concepts = row["question"], row["concepts"]
            if not isinstance(question, str) or not isinstance(concepts, list) or not concepts:
                raise ValueError("needs a text 'question' and a non-empty list 'concepts'")
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path}:{n}: {exc}")
            continue
        unknown = [c for c in concepts if c not in known]
        if unknown:
            problems.append(f"{path}:{n}: unknown concept {', '.join(unknown)}")
            continue
        items.append(EvalItem(question, tuple(concepts), n))
    if problems:
        raise ValueError("\n".join(problems))
    return items


def evaluate(retriever: Retriever, items: list[EvalItem], method: str) -> Scores:
    r1 = r3 = rr = 0.0
    misses = []
    for item in items:
        ranked = [h.concept_id for h in retriever.search(item.question, k=10, method=method)]
        rank = next((i + 1 for i, c in enumerate(ranked) if c in item.concepts), None)
        r1 += rank == 1
        r3 += rank is not None and rank <= 3
        rr += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append((item.question, item.concepts, ranked[0] if ranked else ""))
    n = len(items) or 1
    return Scores(r1 / n, r3 / n, rr / n, tuple(misses))


def report(retriever: Retriever, items: list[EvalItem], show_misses: bool = False) -> str:
    lines = [
        f"{len(items)} questions, {len(retriever.concept_ids)} concepts",
        "",
        f"| {'method':<16} | recall@1 | recall@3 |   MRR |",
        f"|{'-' * 18}|----------|----------|-------|",
    ]
    results = {}
    for label, method in METHODS:
        s = evaluate(retriever, items, method)
        results[method] = s
        lines.append(f"| {label:<16} |    {s.recall1:.3f} |    {s.recall3:.3f} | {s.mrr:.3f} |")
    if show_misses:
        lines += ["", "tutor misses at rank 1 (question -> expected | got):"]
        lines += [f"  {q!r} -> {', '.join(exp)} | {got}" for q, exp, got in results["hybrid"].misses]
    return "\n".join(lines)


def encoder_report(retrievers: dict[str, Retriever], sets: dict[str, list[EvalItem]]) -> tuple[str, float]:
    """Every set with every encoder, in one table: the tutor's ranking and the dense baseline (the encoder's own
    effect, before fusion), each row beside the first encoder's. Returns (table, the largest difference)."""
    names = list(retrievers)
    lines = [
        f"| {'set':<10} | {'n':>3} | {'encoder':<9} | {'method':<6} | recall@1 | recall@3 |   MRR | max diff vs {names[0]} |",
        f"|{'-' * 12}|-----|{'-' * 11}|--------|----------|----------|-------|{'-' * (14 + len(names[0]))}|",
    ]
    worst = 0.0
    for set_name, items in sets.items():
        for label, method in (("tutor", "hybrid"), ("dense", "dense")):
            base: Scores | None = None
            for name in names:
                s = evaluate(retrievers[name], items, method)
                if base is None:
                    base, diff = s, "-"
                else:
                    d = max(
                        abs(s.recall1 - base.recall1), abs(s.recall3 - base.recall3), abs(s.mrr - base.mrr)
                    )
                    worst = max(worst, d)
                    diff = f"{d:.3f}"
                lines.append(
                    f"| {set_name:<10} | {len(items):>3} | {name:<9} | {label:<6} |    {s.recall1:.3f} |"
                    f"    {s.recall3:.3f} | {s.mrr:.3f} | {diff:>{12 + len(names[0])}} |"
                )
    return "\n".join(lines), worst
