"""Fit the open-ended grader's per-point decision (bot/quiz/open_ended_weights.json) on development sets.

    PYTHONPATH=$PWD python eval/fit_grader.py eval/grading-dev.jsonl eval/grading-dev2.jsonl [--write]

Every (answer, rubric point) pair of the sets is one example: FEATURES from bot.quiz.open_ended (the signals
the grader computes) in, the hand judgement (covered or not) out, fitted by an L2-regularised logistic
regression (numpy, Newton's method: deterministic). Cross-validation leaves one question out at a time, so
the figures say how the decision carries over to questions it was not fitted on; they are printed per set
next to the hand-threshold grader's. --write fits on every example and saves the coefficients.
Never run this on eval/grading.jsonl: it is the held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from bot.course import load_course
from bot.progress import PASS_SCORE
from bot.quiz import open_ended as oe
from bot.runtime import make_embedder
from bot.settings import Settings
from tutor_cli.evaluate_grading import Result, load_grading_set, summarise

WEIGHTS = Path(oe.__file__).with_name("open_ended_weights.json")


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising log loss + l2/2 |w|^2 (intercept not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


class Model:
    def __init__(self, x: np.ndarray, y: np.ndarray, l2: float, keep: list[int]):
        self.keep = keep
        xs = x[:, keep]
        self.mean, self.scale = xs.mean(axis=0), xs.std(axis=0) + 1e-9
        self.w, self.b = fit_logistic((xs - self.mean) / self.scale, y, l2)

    def prob(self, x: np.ndarray) -> np.ndarray:
        z = ((x[:, self.keep] - self.mean) / self.scale) @ self.w + self.b
        return 1 / (1 + np.exp(-z))

    def export(self, threshold: float) -> dict:
        # folded into raw feature units: z = x . coef + intercept
        coef = self.w / self.scale
        return {
            "features": [oe.FEATURES[k] for k in self.keep],
            "coef": [round(float(c), 6) for c in coef],
            "intercept": round(float(self.b - (self.mean * coef).sum()), 6),
            "threshold": threshold,
        }


def examples(sets, course, encode):
    """Per set: a list of (item, features points x F or None for a non-prose answer)."""
    out = []
    for path, items in sets:
        rows = []
        for item in items:
            q = course.questions[item.question_id]
            s = oe.analyse(q.rubric_points or q.rubric, item.answer, encode, q.model_answer)
            rows.append((item, None if s is None else oe.point_features(s)))
        out.append((path, rows))
    return out


def results_from(rows, probs, threshold: float) -> list[Result]:
    out = []
    for (item, f), p in zip(rows, probs, strict=True):
        if f is None:
            out.append(Result(item, 0.0, False, (), (), ()))
            continue
        cov = tuple(int(i) for i in np.flatnonzero(p >= threshold))
        con_col = oe.FEATURES.index("rule_contra")
        con = tuple(int(i) for i in np.flatnonzero((p < threshold) & (f[:, con_col] > 0)))
        score = max(0.0, (len(cov) - len(con)) / len(p))
        out.append(Result(item, round(score, 3), score >= PASS_SCORE, cov, con, ()))
    return out


def line(name: str, s: dict) -> str:
    m = s["mean_score"]
    return (
        f"{name:<34} kappa {s['kappa']:.3f} (hon {s['honest']['kappa']:.3f}) P {s['precision']:.2f} "
        f"R {s['recall']:.2f} contra {s['contradicting_passed']}/{s['contradicting']} "
        f"salad {s['salad_passed']}/{s['salad']} spw {s['strong_partial_weak_ordered']}/"
        f"{s['strong_partial_weak_questions']} | "
        + " ".join(f"{k[:4]} {m[k]:.2f}" for k in ("strong", "partial", "weak", "off-topic", "contradicting"))
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--features", default="", help="comma-separated subset of FEATURES (default: all)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    if any(Path(p).name == "grading.jsonl" for p in args.sets):
        sys.exit("eval/grading.jsonl is the held-out set: never fit on it")
    settings = Settings()
    course = load_course(settings.course_path)
    encode = make_embedder(settings).encode
    sets = [(p, load_grading_set(p, course)) for p in args.sets]
    data = examples(sets, course, encode)
    keep = (
        [oe.FEATURES.index(f) for f in args.features.split(",")]
        if args.features
        else list(range(len(oe.FEATURES)))
    )

    every = [(item, f) for _, rows in data for item, f in rows if f is not None]
    x = np.vstack([f for _, f in every])
    y = np.concatenate([[i in item.covered for i in range(len(f))] for item, f in every]).astype(float)
    qids = np.concatenate([[item.question_id] * len(f) for item, f in every])

    # leave one question out
    cv_prob = np.zeros(len(y))
    for q in sorted(set(qids)):
        test = qids == q
        cv_prob[test] = Model(x[~test], y[~test], args.l2, keep).prob(x[test])

    offset = 0
    probs_by_item: dict[int, np.ndarray] = {}
    for item, f in every:
        probs_by_item[id(item)] = cv_prob[offset : offset + len(f)]
        offset += len(f)
    for path, rows in data:
        probs = [probs_by_item.get(id(item), np.zeros(0)) for item, _ in rows]
        rule = [
            f[:, oe.FEATURES.index("rule_cover")] - 0.5 + 0.5 if f is not None else np.zeros(0)
            for _, f in rows
        ]
        print(line(f"{Path(path).name} rules", summarise(results_from(rows, rule, 0.5), course)))
        print(
            line(
                f"{Path(path).name} learned (CV)",
                summarise(results_from(rows, probs, args.threshold), course),
            )
        )

    if args.write:
        model = Model(x, y, args.l2, keep)
        WEIGHTS.write_text(json.dumps(model.export(args.threshold), indent=1) + "\n")
        print(f"wrote {WEIGHTS}")
        for name, c in zip(model.export(args.threshold)["features"], model.w, strict=True):
            print(f"  {name:<16} {c:+.3f} (standardised)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
