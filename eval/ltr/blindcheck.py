"""Measured once (2026-12-08, session 26): the learned ranker (ltr/ranker.json, fitted on the five dev sets) against
the current fusion on the blind retrieval sets, which no step of the experiment read.

    TUTOR_CACHE_DIR=/tmp/tcache PYTHONPATH=$PWD:$PWD/eval .venv/bin/python -m ltr.blindcheck   # from the checkout
"""
import json
from pathlib import Path

import numpy as np

from ltr.integrate import LearnedScores
from tutor_cli.cli import _tutor

r = _tutor().retriever
learned = LearnedScores(r, json.loads((Path(__file__).resolve().parent / "ranker.json").read_text())["weights"])
for name in ("blind", "blind2"):
    rows = [json.loads(line) for line in Path(f"eval/{name}.jsonl").read_text().splitlines() if line.strip()]
    out = {}
    for label in ("current", "learned"):
        r1 = r3 = mrr = 0.0
        for row in rows:
            text = r.normalize(row["question"])
            v = r.encode_query(text)
            sc = r.scores(text, "hybrid", v)[0] if label == "current" else learned.integrated(text, v)[0]
            order = [r.concept_ids[i] for i in np.argsort(-sc)]
            rank = min(order.index(c) for c in row["concepts"] if c in order) + 1
            r1 += rank == 1
            r3 += rank <= 3
            mrr += 1 / rank
        n = len(rows)
        print(f"{name} ({n}) {label}: r@1 {r1/n:.3f} r@3 {r3/n:.3f} MRR {mrr/n:.3f}")
