"""The course lint on the bundled course: the seed's titles, the graph, the question bank."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_5cc716da71681dbd.txt"


def test_bundled_course_is_valid(course):
    # load_course raised nothing: schema, unique ids, references, acyclic graph, spread answers.
    assert len(course.concepts) >= 57
    assert len(course.questions) >= 200


def test_every_concept_has_three_questions_and_a_passage_of_fair_length(course):
    for cid, c in course.concepts.items():
        assert len(course.questions_of(cid)) >= 3, cid
        words = len(c.text.split())
        assert 150 <= words <= 450, f"{cid}: {words} words"


def test_every_concept_is_reachable_from_a_root(course):
    roots = [c for c in course.concepts if not course.prerequisites_of(c)]
    seen, todo = set(roots), list(roots)
    while todo:
        for n in course.next_after(todo.pop()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    assert seen == set(course.concepts)


def test_correct_answers_spread_over_positions(course):
    positions = Counter(q.correct_index for q in course.questions.values() if q.type == "single_choice")
    total = sum(positions.values())
    assert len(positions) >= 4
    assert max(positions.values()) <= total * 0.4


def test_case_studies_have_rubrics(course):
    cases = [q for q in course.questions.values() if q.type == "open_ended"]
    assert len([q for q in cases if 4 <= len(q.rubric) <= 6]) >= 6
    for q in cases:
        assert q.model_answer, q.id


def test_seed_titles_exist(course):
    if not SEED.exists():  # the seed lives beside the checkout, in shared/
        import pytest

        pytest.skip("shared/seeds not present")
    titles = {c.title for c in course.concepts.values()}
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("Related") + 1
    candidates = [line.strip() for line in lines[start:] if line.strip() and line.strip() != "Learn After"]
    # Concept titles are short Title-Case lines; quiz stems, answer options and truncated prompts are not.
    concept_lines = [
        t
        for t in candidates
        if len(t) < 100
        and not t.endswith(("?", "...", ".", "'"))
        and not t.startswith(("Response ", "A user"))
    ]
    missing = sorted(set(concept_lines) - titles)
    assert not missing, missing
