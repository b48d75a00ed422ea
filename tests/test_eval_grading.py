"""`tutor eval --grading FILE`: agreement of the open-ended grader with hand-judged answers."""

from __future__ import annotations

import json

import pytest

from bot.course.model import Course
from tests.test_cli import env, tutor  # noqa: F401 - env is a fixture
from tutor_cli.evaluate_grading import GradedItem, Result, summarise

GO = "go-no-go-internal-llm-q1"
LINES = [
    {
        "question_id": GO,
        "kind": "contradicting",
        "answer": "Decision: unqualified go for all staff. The salary leak is not a blocking privacy failure. "
        "There is no need to name an accountable owner.",
        "covered": [],
    },
    {
        "question_id": GO,
        "kind": "salad",
        "answer": "no-go pilot, salary leak privacy retrieval permissions, over-refusal, fairness, accountable owner",
        "covered": [],
    },
]


@pytest.mark.model
def test_grading_eval_prints_one_line_per_answer_then_the_summary(env, tmp_path):  # noqa: F811
    f = tmp_path / "grading.jsonl"
    f.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    out = tutor("eval", "--grading", str(f), "--json", env=env)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 3
    for row, line in zip(rows, LINES, strict=False):
        assert set(row) == {"question_id", "kind", "score", "passed", "covered", "contradicted", "doubts"}
        assert (row["question_id"], row["kind"]) == (line["question_id"], line["kind"])
        assert row["passed"] is False and row["score"] == 0.0
        assert row["doubts"] == []  # a sure fail: nothing for an instructor to review
    assert rows[0]["contradicted"]  # the memo denies the salary-leak point
    summary = rows[2]
    assert summary["contradicting_passed"] == 0 and summary["salad_passed"] == 0
    assert {"mean_score", "precision", "recall", "kappa", "honest", "before"} <= set(summary)
    assert (summary["queued"], summary["wrong_decisions"], summary["wrong_queued"]) == (0, 0, 0)
    table = tutor("eval", "--grading", str(f), env=env)
    assert (
        table.returncode == 0
        and "similarity (v1)" in table.stdout
        and "thresholds (before)" in table.stdout
        and "learned (after)" in table.stdout
    )
    assert "queued for review" in table.stdout and "0/2 (0%)" in table.stdout


def test_grading_eval_names_the_line_of_a_bad_answer(env, tmp_path):  # noqa: F811
    f = tmp_path / "grading.jsonl"
    f.write_text(
        json.dumps({"question_id": GO, "kind": "strong", "answer": "x", "covered": [9]})
        + "\n"
        + json.dumps({"question_id": GO, "kind": "great", "answer": "x", "covered": []})
        + "\n{not json\n"
    )
    out = tutor("eval", "--grading", str(f), env=env)
    assert out.returncode == 1
    assert "grading.jsonl:1: covered [9] out of range" in out.stderr
    assert "grading.jsonl:2: kind 'great'" in out.stderr and "grading.jsonl:3:" in out.stderr
    assert tutor("eval", env=env).returncode == 2  # neither a retrieval set nor --grading


def test_summary_counts_agreement_per_point():
    from bot.course.model import Question

    q = Question("q", "c", "open_ended", "Why?", rubric=("a", "b", "c", "d"))
    course = Course("x", "x", "", "", {}, {"q": q})

    def result(kind: str, judged: set[int], covered: tuple[int, ...], passed: bool) -> Result:
        item = GradedItem("q", kind, "answer", frozenset(judged), 1)
        return Result(item, len(covered) / 4, passed, covered, ())

    s = summarise(
        [
            result("strong", {0, 1, 2, 3}, (0, 1, 2), True),  # 3 agreed, 1 missed
            result("partial", {0, 1}, (0, 1), False),
            result("weak", set(), (), False),
            result("contradicting", set(), (3,), False),  # 1 false cover
        ],
        course,
    )
    # 16 pairs: tp 5, fp 1, fn 1, tn 9
    assert s["precision"] == round(5 / 6, 3) and s["recall"] == round(5 / 6, 3)
    po, pe = 14 / 16, (6 / 16) * (6 / 16) + (10 / 16) * (10 / 16)
    assert s["kappa"] == round((po - pe) / (1 - pe), 3)
    assert s["mean_score"]["strong"] == 0.75 and s["contradicting_passed"] == 0
    assert s["strong_partial_weak_ordered"] == 1 and s["strong_partial_weak_questions"] == 1


def test_the_summary_counts_the_review_queue_and_the_wrong_decisions_it_holds():
    from bot.course.model import Question

    q = Question("q", "c", "open_ended", "Why?", rubric=("a", "b", "c", "d", "e"))
    course = Course("x", "x", "", "", {}, {"q": q})

    def result(judged: set[int], passed: bool, doubts: tuple[str, ...]) -> Result:
        item = GradedItem("q", "instructor", "answer", frozenset(judged), 1)
        return Result(item, 0.6 if passed else 0.4, passed, (), (), doubts)

    s = summarise(
        [
            result({0, 1, 2}, False, ("score near the pass mark",)),  # wrong (3 of 5 pass), queued
            result({0}, True, ()),  # wrong, not queued
            result({0, 1, 2, 3}, True, ("point 2 is borderline",)),  # right, queued
            result(set(), False, ()),  # right
        ],
        course,
    )
    assert (s["queued"], s["wrong_decisions"], s["wrong_queued"]) == (2, 2, 1)
    assert s["mean_score"]["instructor"] == 0.5
    # the previous grader has no doubts: no queue figures for it
    assert "queued" not in summarise(
        [Result(GradedItem("q", "weak", "a", frozenset(), 1), 0, False, (), ())], course
    )


def test_instructor_labelled_answers_load_as_a_grading_set(course, tmp_path):
    from tutor_cli.evaluate_grading import load_grading_set

    f = tmp_path / "calibration.jsonl"
    row = {"question_id": GO, "kind": "instructor", "answer": "A pilot first.", "covered": [0, 4]}
    f.write_text(json.dumps(row) + "\n")
    [item] = load_grading_set(f, course)
    assert (item.kind, item.covered) == ("instructor", frozenset({0, 4}))
