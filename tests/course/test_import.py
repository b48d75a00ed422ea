"""`tutor knowledge new` and `tutor knowledge import FILE.gift`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.course import load_course
from bot.course.gift import parse_gift
from bot.course.scaffold import import_gift, new_course
from tests.conftest import DATA, MINI_COURSE


def test_new_course_is_valid_and_never_overwrites(tmp_path):
    path = tmp_path / "my-course"
    new_course(path)
    course = load_course(path)
    assert list(course.concepts) == ["example-concept"] and len(course.questions) == 1
    with pytest.raises(FileExistsError):
        new_course(path)


def test_gift_types_feedback_and_line_numbers():
    result = parse_gift((DATA / "bank.gift").read_text())
    kinds = [q["type"] for q in result.questions]
    assert kinds == ["single_choice", "single_choice", "matching", "short_answer", "open_ended"]
    mc = result.questions[0]
    assert [o.get("correct", False) for o in mc["options"]] == [True, False, False]
    assert mc["options"][1]["explanation"] == "That is pre-training data."
    tf = result.questions[1]
    assert [o["text"] for o in tf["options"]] == ["True", "False"] and tf["options"][1]["correct"]
    assert tf["options"][1]["explanation"] == "Right: no labels are needed."
    assert result.questions[2]["pairs"][2] == {
        "left": "Reward modelling",
        "right": "human comparisons",
        "explanation": "Reward modelling goes with human comparisons.",
    }
    assert result.questions[3]["answers"] == ["SFT", "supervised fine tuning"]
    assert len(result.questions[4]["rubric"]) == 3
    assert [line for line, _ in result.skipped] == [25, 27, 29, 31]
    reasons = " ".join(r for _, r in result.skipped)
    assert (
        "numeric" in reasons
        and "rubric" in reasons
        and "weighted" in reasons
        and "no answer block" in reasons
    )


def test_escapes_and_inline_blank():
    result = parse_gift("The sign \\= means {=equals ~differs} in maths.\n")
    q = result.questions[0]
    assert q["prompt"] == "The sign = means _____ in maths."
    assert q["options"][0]["text"] == "equals"


def test_import_writes_a_valid_question_file(tmp_path):
    course_path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course_path)
    out = course_path / "questions" / "bank.yaml"
    result, notes = import_gift(DATA / "bank.gift", load_course(course_path), out)
    assert len(notes) == 5 and notes[0].startswith(
        "bank.gift:4: bank-q1 (single_choice) -> concept reward-models"
    )
    course = load_course(course_path)  # the imported file passes the course lint
    assert course.questions["bank-q4"].type == "short_answer"
    assert course.questions["bank-q1"].concept_id == "reward-models"


def test_import_assigns_a_concept_by_words_without_a_category(tmp_path, mini_course):
    gift = tmp_path / "b.gift"
    gift.write_text(
        "Which dataset does fine-tuning use for one task? {=a small labelled dataset ~the whole web}\n"
    )
    result, notes = import_gift(gift, mini_course, tmp_path / "out.yaml")
    assert "concept fine-tuning (matched by words: check it)" in notes[0]


def test_short_answer_grading():
    from bot.quiz.grading import matches_short_answer

    assert matches_short_answer("the SFT.", ["SFT"])
    assert matches_short_answer("supervized fine tuning", ["supervised fine tuning"])
    assert not matches_short_answer("RLHF", ["SFT"])


def test_import_cli_reports_what_it_could_not_convert(tmp_path):
    import subprocess
    import sys

    course = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "knowledge",
            "import",
            str(DATA / "bank.gift"),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "5 questions written" in out.stdout
    assert "bank.gift:25: not converted: numeric questions are not supported" in out.stderr
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "knowledge",
            "import",
            str(DATA / "bank.gift"),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert again.returncode == 1 and "exists; pass --force" in again.stderr
