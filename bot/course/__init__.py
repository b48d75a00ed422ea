"""Course folders: loading, validation and the concept graph."""

from __future__ import annotations

from pathlib import Path

from bot.course.loader import CourseError, Problem, load_course
from bot.course.model import Concept, Course, Option, Question

BUNDLED_COURSE = "llm-alignment"


def bundled_course_path() -> Path:
    """The course shipped with the tutor, in a checkout or an installed package alike."""
    import knowledge

    return Path(knowledge.__file__).resolve().parent / BUNDLED_COURSE


__all__ = [
    "BUNDLED_COURSE",
    "Concept",
    "Course",
    "CourseError",
    "Option",
    "Problem",
    "Question",
    "bundled_course_path",
    "load_course",
]
