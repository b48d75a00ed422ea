"""Course loading: a valid course loads; every broken file is reported with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.course import CourseError, load_course
from tests.conftest import MINI_COURSE


def copy_course(tmp_path: Path) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(MINI_COURSE, dest)
    return dest


def problems(path: Path) -> list[str]:
    with pytest.raises(CourseError) as info:
        load_course(path)
    return [str(p) for p in info.value.problems]


def test_mini_course_loads_with_graph(mini_course):
    assert set(mini_course.concepts) == {"pretraining", "fine-tuning", "reward-models"}
    assert mini_course.topological_order() == ["pretraining", "fine-tuning", "reward-models"]
    # learn_after on one side and prerequisites on the other make the same edge
    assert mini_course.next_after("pretraining") == ["fine-tuning"]
    assert mini_course.prerequisites_of("reward-models") == ["fine-tuning"]
    assert {q.type for q in mini_course.questions.values()} == {
        "single_choice",
        "ordering",
        "matching",
        "open_ended",
    }
    assert mini_course.find_concept("SFT").id == "fine-tuning"
    assert mini_course.find_concept("reward models").id == "reward-models"


def test_bad_yaml_names_file_and_line(tmp_path):
    root = copy_course(tmp_path)
    path = root / "questions" / "basics.yaml"
    lines = path.read_text().splitlines()
    lines[3] = "    type: [single_choice"  # an unclosed flow sequence on line 4
    path.write_text("\n".join(lines) + "\n")
    found = problems(root)
    assert any(p.startswith("course/questions/basics.yaml:") and "not valid YAML" in p for p in found), found


def test_schema_errors_point_at_the_line(tmp_path):
    root = copy_course(tmp_path)
    path = root / "questions" / "basics.yaml"
    text = path.read_text()
    text = text.replace(
        "        correct: true\n        explanation: The objective is self-supervised.",
        "        explanation: The objective is self-supervised.",
    )
    text = text.replace("concept: reward-models", "concept: no-such-concept")
    text = text.replace("type: matching", "type: riddle")
    path.write_text(text)
    found = problems(root)
    lines = path.read_text().splitlines()
    riddle_line = next(i for i, line in enumerate(lines, 1) if "riddle" in line)
    assert (
        f"course/questions/basics.yaml:{riddle_line}: question 'ft-q2': type 'riddle' is not one of"
        in "\n".join(found)
    )
    assert any("exactly one option must be correct (found 0)" in p for p in found)
    assert any("names unknown concept 'no-such-concept'" in p for p in found)


def test_front_matter_errors(tmp_path):
    root = copy_course(tmp_path)
    c = root / "concepts" / "fine-tuning.md"
    c.write_text(
        c.read_text()
        .replace("title: Fine-Tuning\n", "")
        .replace("prerequisites: [pretraining]", "prerequisites: [nowhere]")
    )
    (root / "concepts" / "broken.md").write_text("no front matter here\n")
    found = problems(root)
    assert (
        "course/concepts/broken.md:1: a concept file starts with YAML front matter between two '---' lines"
        in found
    )
    assert any(p.startswith("course/concepts/fine-tuning.md:") and "missing 'title'" in p for p in found)


def test_cycle_and_duplicates(tmp_path):
    root = copy_course(tmp_path)
    p = root / "concepts" / "pretraining.md"
    p.write_text(p.read_text().replace("prerequisites: []", "prerequisites: [reward-models]"))
    q = root / "questions" / "more.yaml"
    q.write_text(
        "questions:\n  - id: pt-q1\n    concept: pretraining\n    type: open_ended\n    prompt: Why?\n"
        "    rubric: [a point, another point]\n    model_answer: Because.\n"
    )
    found = "\n".join(problems(root))
    assert "is on a cycle of prerequisites" in found
    assert "question id 'pt-q1' is also used in course/questions/basics.yaml:" in found


def test_duplicate_options_rejected(tmp_path):
    root = copy_course(tmp_path)
    path = root / "questions" / "basics.yaml"
    path.write_text(path.read_text().replace("- text: A reward model", "- text: Large unlabeled text"))
    assert any("two options have the same text" in p for p in problems(root))


def test_missing_folder(tmp_path):
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}:1: no such course folder"]


MULTI = """questions:
  - id: mr-q1
    concept: pretraining
    type: multiple_response
    prompt: Which objectives are self-supervised?
    explanation: Both predict parts of the text itself.
    options:
      - text: Masked language modelling
        weight: 50
        explanation: It predicts hidden words.
      - text: Next-token prediction
        weight: 50
        explanation: It predicts the next word.
      - text: Reward modelling
        weight: -100
        explanation: It learns from human comparisons.
  - id: mr-q2
    concept: pretraining
    type: multiple_response
    prompt: Which need no labels?
    options:
      - text: Pre-training
        correct: true
        explanation: Self-supervised.
      - text: Instruction tuning
        explanation: Needs demonstrations.
      - text: Language modelling
        correct: true
        explanation: Self-supervised.
"""


def test_multiple_response_weights_explicit_and_from_correct(tmp_path):
    path = copy_course(tmp_path)
    (path / "questions" / "multi.yaml").write_text(MULTI)
    course = load_course(path)
    q1, q2 = course.questions["mr-q1"], course.questions["mr-q2"]
    assert q1.type == "multiple_response" and q1.explanation == "Both predict parts of the text itself."
    assert [(o.weight, o.correct) for o in q1.options] == [(50, True), (50, True), (-100, False)]
    # without weights each right option is worth 100/k and each wrong one -100/k
    assert [(o.weight, o.correct) for o in q2.options] == [(50, True), (-50, False), (50, True)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "weight: 50\n        explanation: It predicts the next",
            "weight: 40\n        explanation: It predicts the next",
            "multi.yaml:7: question 'mr-q1': the positive weights add up to 90; they must add up to 100",
        ),
        (
            "weight: -100",
            "weight: -150",
            "multi.yaml:15: question 'mr-q1', options 3: 'weight' is a percent from -100 to 100",
        ),
        (
            "        weight: -100\n",
            "",
            "multi.yaml:7: question 'mr-q1': give every option a 'weight', or none",
        ),
        (
            "        weight: -100\n",
            "        weight: -100\n        correct: true\n",
            "multi.yaml:16: question 'mr-q1', options 3: 'correct' says true but the weight is -100",
        ),
        (
            "      - text: Pre-training\n        correct: true\n",
            "      - text: Pre-training\n",
            "multi.yaml:21: question 'mr-q2': at least one option must be correct",
        ),
    ],
)
def test_multiple_response_errors_name_file_and_line(tmp_path, old, new, expected):
    path = copy_course(tmp_path)
    text = MULTI.replace(old, new, 1)
    if "at least one" in expected:
        text = text.replace(
            "      - text: Language modelling\n        correct: true\n", "      - text: Language modelling\n"
        )
    (path / "questions" / "multi.yaml").write_text(text)
    found = problems(path)
    assert any(p.startswith("course/questions/" + expected) for p in found), found


def test_a_weight_outside_multiple_response_is_an_error(tmp_path):
    path = copy_course(tmp_path)
    (path / "questions" / "basics.yaml").write_text(
        (MINI_COURSE / "questions" / "basics.yaml")
        .read_text()
        .replace("        correct: true\n", "        correct: true\n        weight: 100\n", 1)
    )
    assert any(
        "basics.yaml:12: question 'pt-q1', options 2: only multiple_response options" in p
        for p in problems(path)
    )
