"""Fit the open-ended grader's per-point decision (bot/quiz/open_ended_weights.json) on development sets.

    PYTHONPATH=$PWD python eval/fit_grader.py eval/grading-dev.jsonl eval/grading-dev2.jsonl [--write]

Every (answer, rubric point) pair of the sets is one example: FEATURES from bot.quiz.open_ended (the signals
the grader computes) in, the hand judgement (covered or not) out, fitted by an L2-regularised logistic
regression (numpy, Newton's method: deterministic). A point the answer does not cover is contradicted, as
before, by the hand thresholds (rule_contra). Cross-validation leaves one question out at a time (its
answers in every set), so the figures say how the decision carries over to questions it was not fitted on;
they are printed per set next to the hand-threshold grader's. --search picks the features by forward
selection on that cross-validation (objective: kappa + half the strong > partial > weak share per set,
less 0.1 per contradicting or salad answer that passes); --write fits on every example and saves the
coefficients. Never run this on eval/grading.jsonl: it is the
held-out set.
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


NAMES = oe.FEATURES


class Model:
    def __init__(self, x: np.ndarray, y: np.ndarray, l2: float, keep: list[int], threshold: float):
        self.keep, self.threshold = keep, threshold
        xs = x[:, keep]
        self.mean, self.scale = xs.mean(axis=0), xs.std(axis=0) + 1e-9
        self.w, self.b = fit_logistic((xs - self.mean) / self.scale, y, l2)

    def export(self) -> dict:
        # in raw feature units: z = x . coef + intercept
        coef = self.w / self.scale
        return {
            "features": [NAMES[k] for k in self.keep],
            "coef": [round(float(c), 6) for c in coef],
            "intercept": round(float(self.b - (self.mean * coef).sum()), 6),
            "threshold": self.threshold,
        }

    def logistic(self) -> oe.Logistic:
        return oe.Logistic.load(self.export())


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


def results_from(rows, probs, threshold: float = 0.5) -> list[Result]:
    """`probs`: per answer, (p_cover, p_contradicted) per point, or None for a non-prose answer."""
    out = []
    for (item, f), p in zip(rows, probs, strict=True):
        if f is None or p is None:
            out.append(Result(item, 0.0, False, (), (), ()))
            continue
        p_cov, denied = p
        cov = tuple(int(i) for i in np.flatnonzero(p_cov >= threshold))
        con = tuple(int(i) for i in np.flatnonzero((p_cov < threshold) & denied))
        score = oe.net_score(len(cov) - len(con), len(p_cov))
        out.append(Result(item, round(score, 3), score >= PASS_SCORE, cov, con, ()))
    return out


def line(name: str, s: dict) -> str:
    m = s["mean_score"]
    return (
        f"{name:<34} kappa {s['kappa']:.3f} (hon {s['honest']['kappa']:.3f}) P {s['precision']:.2f} "
        f"R {s['recall']:.2f} contra {s['contradicting_passed']}/{s['contradicting']} "
        f"salad {s['salad_passed']}/{s['salad']} spw {s['strong_partial_weak_ordered']}/"
        f"{s['strong_partial_weak_questions']} | "
        + " ".join(
            f"{k[:4]} {m[k]:.2f}" for k in ("strong", "partial", "weak", "off-topic", "contradicting") if k in m
        )
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, default=0.5, help="probability from which a point counts")
    ap.add_argument("--features", default="", help="comma-separated FEATURES (default: the saved model's)")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--search", action="store_true", help="choose the features by forward selection")
    ap.add_argument(
        "--errors", action="store_true", help="print the points where CV disagrees with the judgement"
    )
    args = ap.parse_args(argv)
    if any(Path(p).name == "grading.jsonl" for p in args.sets):
        sys.exit("eval/grading.jsonl is the held-out set: never fit on it")
    settings = Settings()
    course = load_course(settings.course_path)
    encode = make_embedder(settings).encode
    sets = [(p, load_grading_set(p, course)) for p in args.sets]
    data = examples(sets, course, encode)
    if args.features:
        keep = [NAMES.index(f) for f in args.features.split(",")]
    else:
        keep = list(oe.learned_decision().columns)

    every = [(item, f) for _, rows in data for item, f in rows if f is not None]
    x = np.vstack([f for _, f in every])
    y = np.concatenate([[i in item.covered for i in range(len(f))] for item, f in every]).astype(float)
    qids = np.concatenate([[item.question_id] * len(f) for item, f in every])
    contra = x[:, oe.FEATURES.index("rule_contra")] > 0

    def cross_validate(keep: list[int]) -> list[list]:
        """Leave one question out: per set, per answer, (p_cover, contradicted) per point."""
        p_cov = np.zeros(len(y))
        for q in sorted(set(qids)):
            test = qids == q
            p_cov[test] = Model(x[~test], y[~test], args.l2, keep, args.threshold).logistic().prob(x[test])
        offset = 0
        by_item: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for item, f in every:
            span = slice(offset, offset + len(f))
            by_item[id(item)] = (p_cov[span], contra[span])
            offset += len(f)
        return [[by_item.get(id(item)) for item, _ in rows] for _, rows in data]

    def objective(keep: list[int]) -> float:
        total = 0.0
        for (_, rows), probs in zip(data, cross_validate(keep), strict=True):
            s = summarise(results_from(rows, probs, args.threshold), course)
            spw = s["strong_partial_weak_ordered"] / max(1, s["strong_partial_weak_questions"])
            total += s["kappa"] + 0.5 * spw - 0.1 * (s["contradicting_passed"] + s["salad_passed"])
        return total

    if args.search:
        chosen: list[int] = []
        best = -np.inf
        while True:
            trials = [(objective(chosen + [k]), k) for k in range(len(NAMES)) if k not in chosen]
            if not trials:
                break
            value, k = max(trials)
            if value <= best + 1e-4:
                break
            best, chosen = value, chosen + [k]
            print(f"+{NAMES[k]:<20} objective {value:.3f}")
        keep = chosen
        print("features:", ",".join(NAMES[k] for k in keep))

    cover_col, contra_col = oe.FEATURES.index("rule_cover"), oe.FEATURES.index("rule_contra")
    for (path, rows), probs in zip(data, cross_validate(keep), strict=True):
        rule = [None if f is None else (f[:, cover_col], f[:, contra_col] > 0) for _, f in rows]
        name = Path(path).name
        print(line(f"{name} rules", summarise(results_from(rows, rule), course)))
        print(line(f"{name} learned (CV)", summarise(results_from(rows, probs, args.threshold), course)))
        if args.errors:
            show_errors(rows, probs, course, args.threshold)

    if args.write:
        model = Model(x, y, args.l2, keep, args.threshold)
        WEIGHTS.write_text(json.dumps(model.export(), indent=1) + "\n")
        print(f"wrote {WEIGHTS}")
        for name, c in zip(model.export()["features"], model.w, strict=True):
            print(f"  {name:<20} {c:+.3f} (standardised)")
    return 0


def show_errors(rows, probs, course, threshold: float) -> None:
    table: dict[str, dict[str, str]] = {}
    for r in results_from(rows, probs, threshold):
        human = len(r.item.covered) / len(course.questions[r.item.question_id].rubric)
        table.setdefault(r.item.question_id, {})[r.item.kind] = f"{r.score:.2f}/{human:.2f}"
    for q, kinds in table.items():
        cells = " ".join(
            f"{k[:4]} {kinds.get(k, '-'):>9}" for k in ("strong", "partial", "weak", "contradicting")
        )
        print(f"  SPW {q[:40]:<40} {cells}")
    for (item, f), p in zip(rows, probs, strict=True):
        if p is None:
            continue
        for i in range(len(p[0])):
            if (p[0][i] >= threshold) != (i in item.covered):
                q = course.questions[item.question_id]
                what = "FN" if i in item.covered else "FP"
                print(
                    f"  {what} {item.kind:<13} {item.question_id[:30]} p{i} {p[0][i]:.2f} {q.rubric[i][:70]}"
                )
                print("      " + " ".join(f"{n}={v:.2f}" for n, v in zip(oe.FEATURES, f[i], strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
