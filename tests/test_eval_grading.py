"""`tutor eval --grading FILE`: agreement of the open-ended grader with hand-judged answers."""

from __future__ import annotations

import json

import pytest

from bot.course.model import Course
from bot.evaluate_grading import GradedItem, Result, summarise
from tests.test_cli import env, tutor  # noqa: F401 - env is a fixture

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
        assert set(row) == {"question_id", "kind", "score", "passed", "covered", "contradicted"}
        assert (row["question_id"], row["kind"]) == (line["question_id"], line["kind"])
        assert row["passed"] is False and row["score"] == 0.0
    assert rows[0]["contradicted"]  # the memo denies the salary-leak point
    summary = rows[2]
    assert summary["contradicting_passed"] == 0 and summary["salad_passed"] == 0
    assert {"mean_score", "precision", "recall", "kappa", "honest", "before"} <= set(summary)
    table = tutor("eval", "--grading", str(f), env=env)
    assert (
        table.returncode == 0
        and "similarity (before)" in table.stdout
        and "assertions (after)" in table.stdout
    )


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
