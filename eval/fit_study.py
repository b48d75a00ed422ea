"""Fit the study-request decision (bot/compose/study_weights.json) on the read study-chat sets.

    PYTHONPATH=$PWD python eval/fit_study.py [--write]

Every line of the read study-chat sets that asks to be quizzed, for what to study next or for one's own
progress is a positive of its kind; every course question in them, and every question and chat turn of the
retrieval, scope and dialogue sets, is a negative ("none"); so are none of the open-question moves (hint, give
up, unsure: the rules read those with the question open). The features are what `StudyRequests.which` has at
run time: the message's vector (its question part, as the course's encoder gives it) and its best similarity to
the course's units. A multinomial logistic regression (numpy, full-batch gradient descent from zero, classes
weighted to balance: deterministic) is fitted; cross-validation leaves one study-chat set out at a time (and one
fifth of the negatives), and prints per set how many requests the rules alone and the rules with the decision
get, and how many negatives the decision alone would take. Never run with eval/study-chat-blind6.jsonl: it is the
held-out set.
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

import numpy as np

from bot.compose import intent as intents
from bot.compose import study
from bot.runtime import build_tutor

WEIGHTS = Path(study.__file__).with_name("study_weights.json")
CLASSES = ("none", study.QUIZ, study.NEXT, study.PROGRESS)
LABELS = {"quiz-request": study.QUIZ, "what-next": study.NEXT, "progress": study.PROGRESS}
STUDY_SETS = (
    ["eval/study-chat-blind.jsonl"]
    + [f"eval/study-chat-blind{i}.jsonl" for i in (2, 3, 4, 5, 7, 8, 9, 10)]
    # written as training lines only (eval/README-blind.md): every phrasing unusual, many voices
    + ["eval/study-train-a.jsonl", "eval/study-train-b.jsonl"]
)
NEGATIVE_SETS = [
    "eval/questions.jsonl",
    "eval/heldout.jsonl",
    "eval/students.jsonl",
    "eval/informal-dev.jsonl",
    "eval/scope-in.jsonl",
    "eval/scope-out.jsonl",
    "eval/scope-out-blind.jsonl",
]


def rows() -> list[tuple[str, str, str]]:
    """(text, class, the file it came from)."""
    out = []
    for name in STUDY_SETS:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["category"] in LABELS:
                out.append((row["text"], LABELS[row["category"]], name))
            elif row["category"] == "course-question":
                out.append((row["text"], "none", name))
    for name in NEGATIVE_SETS + sorted(glob.glob("eval/dialogues*.jsonl")):
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "question" in row:
                out.append((row["question"], "none", name))
            out.extend((turn, "none", name) for turn in row.get("turns", []) if isinstance(turn, str))
    for kind, examples in study.EXAMPLES.items():
        out.extend((text, kind, "examples") for text in examples)
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 400, rate: float = 5.0) -> np.ndarray:
    """Weights (features + 1) x classes; the last row is the intercept (not penalised)."""
    n, k = len(x), len(CLASSES)
    xb = np.hstack([x, np.ones((n, 1))])
    target = np.eye(k)[y]
    counts = np.bincount(y, minlength=k)
    weight = (n / (k * np.maximum(counts, 1)))[y][:, None]
    w = np.zeros((xb.shape[1], k))
    penalty = np.ones((xb.shape[1], 1))
    penalty[-1] = 0.0
    for _ in range(steps):
        grad = xb.T @ ((softmax(xb @ w) - target) * weight) / n + l2 * penalty * w
        w -= rate * grad
    return w


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--threshold", type=float, default=0.85, help="probability from which a kind is taken")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    tutor = build_tutor()
    retriever = tutor.retriever
    data = rows()
    asked = [intents.question_part(text) for text, _, _ in data]
    vectors = np.asarray(retriever.embedder.encode(asked), dtype="float64")
    best = np.array(
        [
            (hits[0].dense if hits else 0.0)
            for hits in (
                retriever.search(a, k=1, prepared=retriever.prepare(a), excerpts=False) for a in asked
            )
        ]
    )
    x = np.hstack([vectors, best[:, None]])
    y = np.array([CLASSES.index(label) for _, label, _ in data])
    groups = np.array([g for _, _, g in data])
    texts = [t for t, _, _ in data]

    # cross-validation: each study set out in turn, the negatives in five folds
    other = np.array([g in NEGATIVE_SETS or g.startswith("eval/dialogues") for g in groups])
    fold = np.arange(len(y)) % 5
    prob = np.zeros((len(y), len(CLASSES)))
    for name in STUDY_SETS:
        test = groups == name
        train = ~test & ~(other & (fold == 0))
        prob[test] = softmax(
            np.hstack([x[test], np.ones((test.sum(), 1))]) @ fit(x[train], y[train], args.l2)
        )
    for k in range(5):
        test = other & (fold == k)
        prob[test] = softmax(
            np.hstack([x[test], np.ones((test.sum(), 1))]) @ fit(x[~test], y[~test], args.l2)
        )
    taken = np.where(prob[:, 1:].max(axis=1) >= args.threshold, prob[:, 1:].argmax(axis=1) + 1, 0)
    rule = np.array([_rule(t) for t in texts])
    both = np.where(rule != 0, rule, taken)
    print("| set | requests | rules | rules + decision (CV) |\n|---|---:|---:|---:|")
    for name in STUDY_SETS:
        asks = (groups == name) & (y > 0)
        print(
            f"| {Path(name).stem} | {asks.sum()} | {((rule == y) & asks).sum()} | {((both == y) & asks).sum()} |"
        )
    wrong = (rule == 0) & (taken > 0) & (y == 0)
    print(f"negatives the rules leave and the decision takes (CV): {wrong.sum()} of {(y == 0).sum()}")
    for i in np.where(wrong)[0]:
        print(f"  {CLASSES[taken[i]]} {prob[i].max():.2f} {texts[i][:100]}")

    if args.write:
        w = fit(x, y, args.l2)
        WEIGHTS.write_text(
            json.dumps(
                {
                    "classes": list(CLASSES),
                    "coef": [[round(float(v), 6) for v in row] for row in w[:-1].T],
                    "intercept": [round(float(v), 6) for v in w[-1]],
                    "threshold": args.threshold,
                    "l2": args.l2,
                }
            )
            + "\n"
        )
        print(f"wrote {WEIGHTS}")
    return 0


def _rule(text: str) -> int:
    """The kind the intent rules give the message (an index into CLASSES), -1 for small talk, else 0."""
    if intents.quiz_request(text) is not None:
        return 1
    kind = intents.classify(text).kind
    if intents.course_order(text) is not None or kind in (intents.STUDY_NEXT, intents.OVERVIEW):
        return 2
    if kind == intents.MY_PROGRESS:
        return 3
    return -1 if kind in (intents.SMALL_TALK, intents.QUIZ_ANSWER) else 0


if __name__ == "__main__":
    raise SystemExit(main())
