"""`tutor eval --grading FILE`: how well the open-ended grader agrees with hand-judged answers.

FILE holds JSON lines `{"question_id", "kind", "answer", "covered": [0-based rubric point indices]}`, kinds
strong, partial, weak, off-topic, contradicting and salad, and instructor (students' answers an instructor
re-scored in /review-answers, from `tutor export calibration`). Every answer is graded by the current grader
(reads assertions, a learned decision per point), by the same signals with hand thresholds (the grader before
it) and by the first one (similarity to the rubric), so one run gives before and after.
The current grader's doubts say which answers would go to the instructors' review queue: the summary counts
them, and how many of the grader's wrong pass/fail decisions they hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot.course.model import Course, Question
from bot.progress import PASS_SCORE
from bot.quiz.open_ended import doubts, grade_assertions, similarity_grade

KINDS = ("strong", "partial", "weak", "off-topic", "contradicting", "salad", "instructor")
HONEST = ("strong", "partial", "weak", "off-topic")
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class GradedItem:
    question_id: str
    kind: str
    answer: str
    covered: frozenset[int]  # judged by hand
    line: int


@dataclass(frozen=True)
class Result:
    item: GradedItem
    score: float
    passed: bool
    covered: tuple[int, ...]
    contradicted: tuple[int, ...]
    doubts: tuple[str, ...] | None = None  # None: a grader without doubts (the previous one)


def load_grading_set(path: str | Path, course: Course) -> list[GradedItem]:
    """Read and check the set; every problem names the file and line."""
    items: list[GradedItem] = []
    problems: list[str] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("each line is a JSON object")
            qid, kind, answer, covered = row["question_id"], row["kind"], row["answer"], row["covered"]
            if not isinstance(answer, str) or not answer.strip():
                raise ValueError("'answer' must be non-empty text")
            if not isinstance(covered, list) or not all(isinstance(c, int) for c in covered):
                raise ValueError("'covered' must be a list of rubric point indices (0-based)")
        except (ValueError, KeyError, TypeError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problems.append(f"{path}:{n}: {what}")
            continue
        question = course.questions.get(qid)
        if question is None or question.type != "open_ended":
            problems.append(f"{path}:{n}: '{qid}' is not an open-ended question of the course")
            continue
        if kind not in KINDS:
            problems.append(f"{path}:{n}: kind '{kind}' is not one of {', '.join(KINDS)}")
            continue
        bad = [c for c in covered if not 0 <= c < len(question.rubric)]
        if bad:
            problems.append(
                f"{path}:{n}: covered {bad} out of range: '{qid}' has {len(question.rubric)} rubric points"
            )
            continue
        items.append(GradedItem(qid, kind, answer, frozenset(covered), n))
    if problems:
        raise ValueError("\n".join(problems))
    return items


def grade_items(
    items: Sequence[GradedItem], course: Course, encode: Encode, grader: str = "assertions"
) -> list[Result]:
    """Grade every item with the current grader ("assertions": the learned per-point decision), the same
    signals with the hand thresholds alone ("thresholds") or the first grader ("similarity")."""
    out = []
    for item in items:
        q: Question = course.questions[item.question_id]
        if grader == "similarity":
            covered = tuple(similarity_grade(q.rubric, item.answer, encode))
            score = len(covered) / len(q.rubric)
            out.append(Result(item, round(score, 3), score >= PASS_SCORE, covered, ()))
        else:
            decide_by: Literal["learned", "thresholds"] = (
                "thresholds" if grader == "thresholds" else "learned"
            )
            g = grade_assertions(q.rubric_points or q.rubric, item.answer, encode, q.model_answer, decide_by)
            out.append(Result(item, g.score, g.passed, g.covered, g.contradicted, doubts(g)))
    return out


def _kappa(pred: list[bool], true: list[bool]) -> float:
    n = len(pred)
    if not n:
        return 0.0
    agree = sum(p == t for p, t in zip(pred, true, strict=True)) / n
    p_yes, t_yes = sum(pred) / n, sum(true) / n
    chance = p_yes * t_yes + (1 - p_yes) * (1 - t_yes)
    return 1.0 if chance == 1 else (agree - chance) / (1 - chance)


def _agreement(results: Sequence[Result], course: Course, kinds: Sequence[str]) -> dict[str, float]:
    pred: list[bool] = []
    true: list[bool] = []
    for r in results:
        if r.item.kind not in kinds:
            continue
        for i in range(len(course.questions[r.item.question_id].rubric)):
            pred.append(i in r.covered)
            true.append(i in r.item.covered)
    tp = sum(p and t for p, t in zip(pred, true, strict=True))
    precision = tp / sum(pred) if sum(pred) else 0.0
    recall = tp / sum(true) if sum(true) else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "kappa": round(_kappa(pred, true), 3),
    }


def summarise(results: Sequence[Result], course: Course) -> dict[str, Any]:
    """Mean score per kind, point-level agreement, passes of dishonest answers, and ranking per question."""
    by_kind: dict[str, list[float]] = {}
    for r in results:
        by_kind.setdefault(r.item.kind, []).append(r.score)
    per_question: dict[str, dict[str, list[float]]] = {}
    for r in results:
        per_question.setdefault(r.item.question_id, {}).setdefault(r.item.kind, []).append(r.score)
    ranked = [
        q for q, kinds in per_question.items() if all(k in kinds for k in ("strong", "partial", "weak"))
    ]

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    ordered = [
        q
        for q in ranked
        if mean(per_question[q]["strong"]) > mean(per_question[q]["partial"]) > mean(per_question[q]["weak"])
    ]
    every = _agreement(results, course, KINDS)
    honest = _agreement(results, course, HONEST)
    return {
        "answers": len(results),
        "questions": len(per_question),
        "mean_score": {k: round(mean(by_kind[k]), 3) for k in KINDS if k in by_kind},
        "precision": every["precision"],
        "recall": every["recall"],
        "kappa": every["kappa"],
        "honest": honest,
        "contradicting_passed": sum(r.passed for r in results if r.item.kind == "contradicting"),
        "contradicting": len(by_kind.get("contradicting", [])),
        "salad_passed": sum(r.passed for r in results if r.item.kind == "salad"),
        "salad": len(by_kind.get("salad", [])),
        "strong_partial_weak_ordered": len(ordered),
        "strong_partial_weak_questions": len(ranked),
        **review_queue(results, course),
    }


def human_passes(r: Result, course: Course) -> bool:
    """The pass/fail decision the hand judgement implies: the share of points judged covered, at PASS_SCORE."""
    n = len(course.questions[r.item.question_id].rubric)
    return len(r.item.covered) / n >= PASS_SCORE - 1e-9


def review_queue(results: Sequence[Result], course: Course) -> dict[str, Any]:
    """How many answers the grader's doubts would queue for an instructor, and how many of its wrong pass/fail
    decisions (against the hand judgement) are among them. Empty for a grader without doubts."""
    if any(r.doubts is None for r in results):
        return {}
    wrong = [r for r in results if r.passed != human_passes(r, course)]
    return {
        "queued": sum(bool(r.doubts) for r in results),
        "wrong_decisions": len(wrong),
        "wrong_queued": sum(bool(r.doubts) for r in wrong),
    }


def answer_line(r: Result) -> dict[str, Any]:
    return {
        "question_id": r.item.question_id,
        "kind": r.item.kind,
        "score": r.score,
        "passed": r.passed,
        "covered": list(r.covered),
        "contradicted": list(r.contradicted),
        "doubts": list(r.doubts or ()),
    }


def table(rows: Sequence[tuple[str, str, dict[str, Any]]]) -> str:
    """One row per (set, grader): mean score per kind, P/R/kappa, dishonest passes, strong>partial>weak."""
    head = (
        f"{'set':<24} {'grader':<22} {'n':>4} "
        + " ".join(f"{k[:7]:>7}" for k in KINDS)
        + f" {'P':>5} {'R':>5} {'kappa':>6} {'k(hon)':>6} {'contra':>7} {'salad':>6} {'s>p>w':>6}"
    )
    lines = [head, "-" * len(head)]
    for name, grader, s in rows:
        kinds = " ".join(
            f"{s['mean_score'][k]:>7.2f}" if k in s["mean_score"] else f"{'-':>7}" for k in KINDS
        )
        lines.append(
            f"{name[:24]:<24} {grader:<22} {s['answers']:>4} {kinds} {s['precision']:>5.2f} {s['recall']:>5.2f}"
            f" {s['kappa']:>6.2f} {s['honest']['kappa']:>6.2f}"
            f" {str(s['contradicting_passed']) + '/' + str(s['contradicting']):>7}"
            f" {str(s['salad_passed']) + '/' + str(s['salad']):>6}"
            f" {str(s['strong_partial_weak_ordered']) + '/' + str(s['strong_partial_weak_questions']):>6}"
        )
    lines.append(
        "kinds: mean score per kind; P, R, kappa: point-level precision, recall and Cohen's kappa against the "
        "hand judgement over all answers (k(hon): strong, partial, weak, off-topic only); contra, salad: "
        "answers that pass; s>p>w: questions where strong > partial > weak"
    )
    queues = [(name, grader, s) for name, grader, s in rows if "queued" in s]
    if queues:
        lines += ["", f"{'set':<24} {'grader':<22} {'queued for review':>18} {'wrong pass/fail queued':>23}"]
        for name, grader, s in queues:
            n, wrong = s["answers"], s["wrong_decisions"]
            queued = f"{s['queued']}/{n} ({s['queued'] / n:.0%})"
            caught = f"{s['wrong_queued']}/{wrong}" + (f" ({s['wrong_queued'] / wrong:.0%})" if wrong else "")
            lines.append(f"{name[:24]:<24} {grader:<22} {queued:>18} {caught:>23}")
        lines.append(
            "queued for review: answers the grader is unsure of (an instructor reviews them in /review-answers); "
            "wrong pass/fail queued: of the grader's pass/fail decisions that differ from the hand judgement's "
            "(points judged covered / points >= 60%), those in the queue"
        )
    return "\n".join(lines)


GRADERS = (
    ("similarity (v1)", "similarity"),
    ("thresholds (before)", "thresholds"),
    ("learned (after)", "assertions"),
)
