"""Safe course loading: a hostile or broken file is one clear `file:line: message`, at once, never minutes of
work, gigabytes of memory or a traceback."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.course import CourseError, load_course
from bot.course.loader import MAX_DEPTH, MAX_FILE_BYTES
from tests.conftest import MINI_COURSE

BILLION_LAUGHS = """questions:
  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  - &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  - &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  - &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  - &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  - &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  - &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  - &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  - &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _course_with(tmp_path: Path, name: str, content: bytes) -> Path:
    root = tmp_path / "course"
    shutil.copytree(MINI_COURSE, root)
    (root / "questions" / name).write_bytes(content)
    return root


def _problems(root: Path) -> list[str]:
    started = time.monotonic()
    with pytest.raises(CourseError) as info:
        load_course(root)
    assert time.monotonic() - started < 5
    return [str(p) for p in info.value.problems]


def test_billion_laughs_is_refused_at_its_first_alias(tmp_path):
    found = _problems(_course_with(tmp_path, "laughs.yaml", BILLION_LAUGHS.encode()))
    assert "course/questions/laughs.yaml:3: not valid YAML: aliases (*name) are not allowed" in found[0]


def test_deep_nesting_is_refused_with_its_line(tmp_path):
    deep = "questions: " + "[" * 60 + "]" * 60 + "\n"
    found = _problems(_course_with(tmp_path, "deep.yaml", deep.encode()))
    assert found[0].startswith("course/questions/deep.yaml:1: not valid YAML: nested more than")
    assert str(MAX_DEPTH) in found[0]
    deeper = "questions: " + "[" * 50000 + "]" * 50000 + "\n"  # libyaml's own limit may speak first
    found = _problems(_course_with(tmp_path / "2", "deeper.yaml", deeper.encode()))
    assert found[0].startswith("course/questions/deeper.yaml:1: not valid YAML: ")


def test_binary_and_control_characters_are_named(tmp_path):
    found = _problems(_course_with(tmp_path, "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"))
    assert found[0].startswith("course/questions/image.yaml:1: not UTF-8 text")
    found = _problems(_course_with(tmp_path / "2", "nul.yaml", b"questions:\n  - id: x\x00y\n"))
    assert found[0].startswith("course/questions/nul.yaml:2: not valid YAML: a character YAML does not allow")


def test_an_oversized_file_is_refused_unread(tmp_path):
    big = b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    found = _problems(_course_with(tmp_path, "big.yaml", big))
    assert (
        found[0].startswith("course/questions/big.yaml:1: the file is ") and "at most 1,000,000" in found[0]
    )


def test_a_broken_course_yaml_is_named(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(MINI_COURSE, root)
    (root / "course.yaml").write_bytes(b"\xff\xfe\x00binary")
    found = _problems(root)
    assert any(p.startswith("course/course.yaml:1: not UTF-8 text") for p in found)
