"""The GIFT importer on real files: the PEG.js grammar suite's own tests (MIT, see tests/data/gift/README.md)
and our own file reproducing every construct found in Moodle's fixtures and in real course exports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.course import CourseError, load_course
from bot.course.gift import parse_gift
from bot.course.scaffold import import_gift
from tests.conftest import DATA, MINI_COURSE

BANKS = sorted((DATA / "gift").rglob("*.gift"))
CONSTRUCTS = DATA / "gift" / "moodle-constructs.gift"


def _texts(q: dict) -> list[str]:
    out = [q["prompt"], q.get("explanation", ""), q.get("model_answer", ""), *q.get("answers", [])]
    for o in q.get("options", []):
        out += [o["text"], o["explanation"]]
    for p in q.get("pairs", []):
        out += [p["left"], p["right"], p["explanation"]]
    return out + list(q.get("rubric", []))


def defects(q: dict) -> list[str]:
    """What a learner would notice as a wrongly converted question."""
    found = []
    for t in _texts(q):
        if re.search(r"\[(html|moodle|plain|markdown)\]", t, re.I):
            found.append(f"format tag left: {t[:40]}")
        if re.search(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>|&(#\d+|[a-z]+);", t):
            found.append(f"HTML left: {t[:40]}")
        if "\\\\" in t or re.search(r"\\[~=#{}:]", t):
            found.append(f"escape left: {t[:40]}")
        if re.match(r"\d*:(MC|SA):", t):
            found.append(f"cloze prefix: {t[:40]}")
    kinds = [o["text"] for o in q.get("options", [])] + q.get("answers", [])
    if any(not k.strip() for k in kinds):
        found.append("empty option")
    if "{" in q["prompt"] and "}" in q["prompt"] and q["prompt"].count("_____") >= 1:
        found.append("several blanks merged")
    return found


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_no_real_bank_question_is_converted_wrongly(path: Path, tmp_path: Path):
    result = parse_gift(path.read_text(encoding="utf-8"))
    assert {q["_line"]: defects(q) for q in result.questions if defects(q)} == {}
    # and every converted question passes the course lint (the spread of right answers over positions is
    # a property of the whole bank, for its author to fix, not of a conversion)
    course_path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course_path)
    before = len(load_course(course_path).questions)
    import_gift(
        path, load_course(course_path), course_path / "questions" / "imported.yaml", concept="pretraining"
    )
    try:
        course = load_course(course_path)
    except CourseError as exc:
        assert [p.message for p in exc.problems if "spread the correct answers" not in p.message] == []
    else:
        assert len(course.questions) == before + len(result.questions)


def test_every_construct_converted_or_reported_by_line():
    result = parse_gift(CONSTRUCTS.read_text(encoding="utf-8"))
    by_line = {q["_line"]: q for q in result.questions}
    assert {line: q["type"] for line, q in by_line.items()} == {
        8: "single_choice",
        11: "single_choice",
        21: "single_choice",
        29: "short_answer",
        37: "single_choice",
        44: "single_choice",
        52: "single_choice",
        58: "multiple_response",
        73: "matching",
        80: "open_ended",
        85: "single_choice",
        87: "short_answer",
    }
    assert [o["text"] for o in by_line[8]["options"]] == ["has been", "was"]
    assert (
        by_line[11]["prompt"]
        == 'A labeller compares two replies.\n\nWhich one is "preferred" & why?\nRead both\nthen choose'
    )
    assert by_line[11]["options"][1]["explanation"] == "Length is not quality's measure."
    assert by_line[21]["prompt"] == "Which string is a literal backslash in GIFT: { } ~ = # or \\ ?"
    assert [o["text"] for o in by_line[21]["options"]] == ["\\", "~", "=", "#"]
    assert by_line[29]["answers"] == ["RLHF", "reinforcement learning from human feedback"]
    assert "[image: reward over training steps (reward-curve.png)]" in by_line[37]["prompt"]
    assert by_line[44]["explanation"].startswith("Demonstrations train the first stage")
    assert by_line[52]["explanation"] == "DPO folds the reward into the policy."
    assert [o["weight"] for o in by_line[58]["options"]] == [50, 50, -100]
    assert by_line[85]["prompt"] == "A reward model outputs a _____ for a reply."
    reported = dict(result.skipped)
    assert sorted(reported) == [18, 55, 65, 90, 92]
    assert "2 answer blocks" in reported[18] and "numeric" in reported[55]
    assert "distractor" in reported[65] and "partial credit" in reported[90]
    assert [line for line, _ in result.notes] == [29, 37, 37]


def test_the_import_command_lists_what_was_not_converted_and_what_needs_a_look(tmp_path: Path):
    import subprocess
    import sys

    course = tmp_path / "course"
    shutil.copytree(MINI_COURSE, course)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "tutor_cli", "knowledge", "import", str(CONSTRUCTS), "--course", str(course)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert "12 questions written" in out.stdout and "5 not converted" in out.stdout
    assert f"{CONSTRUCTS}:18: not converted: 2 answer blocks in one question" in out.stderr
    assert f"{CONSTRUCTS}:37: note: refers to image reward-curve.png, which is not imported" in out.stderr
    assert f"{CONSTRUCTS}:29: note: 'PPO' earns 50% in Moodle; the tutor counts it as wrong" in out.stderr
