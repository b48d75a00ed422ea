"""Rubric points with stance anchors: a point is plain text or {point, affirm, oppose}; mistakes name file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.course import CourseError, load_course
from tests.conftest import MINI_COURSE

PLAIN = "      - The reward model is trained on human preference comparisons between responses.\n"


def with_point(tmp_path: Path, replacement: str) -> Path:
    root = tmp_path / "course"
    shutil.copytree(MINI_COURSE, root)
    path = root / "questions" / "basics.yaml"
    text = path.read_text()
    assert PLAIN in text
    path.write_text(text.replace(PLAIN, replacement))
    return root


def test_plain_and_anchored_points_load_side_by_side(tmp_path):
    root = with_point(
        tmp_path,
        "      - point: The reward model is trained on human preference comparisons between responses.\n"
        "        affirm:\n"
        "          - People compare pairs of answers and the reward model learns from those choices.\n"
        "        oppose:\n"
        "          - The reward model is written by hand from a list of rules.\n"
        "          - The reward model learns from raw web text.\n",
    )
    course = load_course(root)
    q = next(q for q in course.questions.values() if q.type == "open_ended")
    assert q.rubric[1] == "The reward model is trained on human preference comparisons between responses."
    assert [p.text for p in q.rubric_points] == list(q.rubric)
    assert q.rubric_points[0].affirm == () and q.rubric_points[0].oppose == ()  # a plain point
    assert q.rubric_points[1].affirm == (
        "People compare pairs of answers and the reward model learns from those choices.",
    )
    assert len(q.rubric_points[1].oppose) == 2


@pytest.mark.parametrize(
    ("replacement", "line", "message"),
    [
        (
            "      - point: Trained on comparisons.\n        affirm: [People compare answers.]\n"
            "        opose: [Rules written by hand.]\n",
            48,
            "rubric point 2: unknown field 'opose'",
        ),
        (
            "      - point: Trained on comparisons.\n        affirm:\n          - {text: nested}\n",
            47,
            "rubric point 2: 'affirm' must be a list of statements",
        ),
        ("      - affirm: [People compare answers.]\n", 46, "rubric point 2: missing 'point'"),
        ("      - point: Trained on comparisons.\n        oppose: ['']\n", 47, "'oppose' must be a list"),
    ],
    ids=["misspelt-key", "non-text-anchor", "no-point", "empty-anchor"],
)
def test_anchor_mistakes_name_file_and_line(tmp_path, replacement, line, message):
    root = with_point(tmp_path, replacement)
    with pytest.raises(CourseError) as info:
        load_course(root)
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"course/questions/basics.yaml:{line}:") and message in p for p in found), found


def test_the_bundled_case_studies_all_have_anchors(course):
    cases = [q for q in course.questions.values() if q.type == "open_ended"]
    assert len(cases) == 31
    for q in cases:
        for p in q.rubric_points:
            assert p.affirm and p.oppose, f"{q.source}: rubric point without anchors: {p.text[:60]}"
