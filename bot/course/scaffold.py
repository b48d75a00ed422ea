"""`tutor knowledge new` and `tutor knowledge import`: start a course, or bring in a GIFT question bank."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.course.gift import GiftResult, parse_gift
from bot.course.model import Course
from bot.retrieval.index import BM25

COURSE_YAML = """id: {id}
title: "{title}"
description: >
  What the course is about, in a sentence or two.
start: example-concept
"""

CONCEPT = """---
id: example-concept
title: Example Concept
chapter: "Week 1"
summary: One sentence that says what this concept is.
prerequisites: []
learn_after: []
tags: [example]
aliases: [an example, the sample concept]
asks:
  - "what is the example concept?"
  - "example concept meaning"
---
Replace this text with the passage that teaches the concept: 150 to 400 words of plain prose, in
paragraphs separated by blank lines. Start with a sentence that says plainly what the concept is.
The tutor quotes the one to three sentences closest to a learner's question, so write sentences
that make sense on their own.

Add one file per concept to this folder, then link them with `prerequisites` and `learn_after`.
Run `tutor knowledge check` after each change: it names the file and line of every problem.
"""

QUESTIONS = """questions:
  - id: example-concept-q1
    concept: example-concept
    type: single_choice
    difficulty: 1
    prompt: >
      A short scenario that asks the learner to apply the concept, then the question.
    hint: A nudge that does not give the answer away.
    options:
      - text: A plausible but wrong option
        explanation: Why this is wrong, in one or two sentences.
      - text: The right option
        correct: true
        explanation: Why this is right.
      - text: Another plausible but wrong option
        explanation: Why this is wrong.
"""


def slugify(text: str) -> str:
    return (
        re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", ""))).strip("-") or "course"
    )


def new_course(path: Path) -> list[Path]:
    """Create a course folder with one example concept and question; refuses to overwrite anything."""
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} exists and is not empty")
    (path / "concepts").mkdir(parents=True, exist_ok=True)
    (path / "questions").mkdir(exist_ok=True)
    title = path.name.replace("-", " ").replace("_", " ").strip().title() or "My Course"
    files = {
        path / "course.yaml": COURSE_YAML.format(id=slugify(path.name), title=title),
        path / "concepts" / "example-concept.md": CONCEPT,
        path / "questions" / "example-concept.yaml": QUESTIONS,
    }
    for file, text in files.items():
        file.write_text(text, encoding="utf-8")
    return list(files)


def _assign_concept(
    q: dict, course: Course, fixed: str | None, bm25: BM25, ids: list[str]
) -> tuple[str, str]:
    """(concept id, how it was chosen) for an imported question."""
    if fixed:
        return fixed, "--concept"
    category = q.get("_category", "")
    for candidate in (category, category.rsplit("/", 1)[-1]):
        c = course.find_concept(candidate) if candidate else None
        if c is None and candidate:
            c = course.concepts.get(slugify(candidate))
        if c:
            return c.id, "category"
    scores = bm25.scores(" ".join([q.get("_title", ""), q["prompt"]]))
    best = int(scores.argmax())
    return ids[best], "matched by words: check it"


def import_gift(
    source: Path, course: Course, out: Path, concept: str | None = None, prefix: str | None = None
) -> tuple[GiftResult, list[str]]:
    """Convert a GIFT file into a question file at `out`. Returns the parse result and notes per question."""
    result = parse_gift(source.read_text(encoding="utf-8"))
    if concept and concept not in course.concepts:
        raise ValueError(f"--concept '{concept}' is not a concept of {course.path}")
    ids = list(course.concepts)
    bm25 = BM25([" ".join([c.title, c.summary, c.text]) for c in course.concepts.values()])
    prefix = prefix or slugify(source.stem)
    taken = set(course.questions)
    notes: list[str] = []
    written = []
    for n, q in enumerate(result.questions, 1):
        cid, how = _assign_concept(q, course, concept, bm25, ids)
        qid = f"{prefix}-q{n}"
        while qid in taken:
            qid += "x"
        taken.add(qid)
        item = {"id": qid, "concept": cid, "type": q["type"], "prompt": q["prompt"]}
        for key in ("options", "pairs", "rubric", "model_answer", "answers", "explanation"):
            if key in q:
                item[key] = q[key]
        written.append(item)
        notes.append(f"{source.name}:{q['_line']}: {qid} ({q['type']}) -> concept {cid} ({how})")
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Imported from {source.name} by `tutor knowledge import`. Review the concepts and explanations.\n"
    )
    out.write_text(
        header + yaml.safe_dump({"questions": written}, sort_keys=False, allow_unicode=True, width=110),
        encoding="utf-8",
    )
    return result, notes
