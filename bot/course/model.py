"""The course as the tutor sees it: concepts, questions and the graph that links them."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

QuestionType = Literal[
    "single_choice", "multiple_response", "ordering", "matching", "open_ended", "short_answer"
]
QUESTION_TYPES: tuple[str, ...] = (
    "single_choice",
    "multiple_response",
    "ordering",
    "matching",
    "open_ended",
    "short_answer",
)


@dataclass(frozen=True)
class Option:
    """One choice of a single-choice or multiple-response question, one step of an ordering, or one pair
    of a matching."""

    text: str
    explanation: str
    correct: bool = False
    right: str = ""  # the right-hand side of a matching pair
    weight: float = 0.0  # multiple response: percent of the mark for choosing it (negative: a penalty)


@dataclass(frozen=True)
class RubricPoint:
    """One rubric point with optional stance anchors: statements, each affirmative, of the right stance
    (`affirm`) and of its opposite (`oppose`), which the open-ended grader compares answers with."""

    text: str
    affirm: tuple[str, ...] = ()
    oppose: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    concept_id: str
    type: QuestionType
    prompt: str
    options: tuple[Option, ...] = ()  # choices; ordering steps in the right order; matching pairs
    rubric: tuple[str, ...] = ()
    model_answer: str = ""
    hint: str = ""
    difficulty: int = 2
    source: str = ""  # "file:line", for messages about the question
    explanation: str = ""  # general feedback shown after any answer (short answer: the answer's explanation)
    rubric_points: tuple[RubricPoint, ...] = ()  # the rubric with its anchors (same order as `rubric`)

    @property
    def correct_index(self) -> int:
        """Position of the correct option of a single-choice question."""
        return next(i for i, o in enumerate(self.options) if o.correct)


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    chapter: str
    summary: str
    text: str
    prerequisites: tuple[str, ...] = ()
    learn_after: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()  # questions learners ask that this concept answers (searched, never shown)
    source: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.text) if p.strip()]


@dataclass
class Course:
    id: str
    title: str
    description: str
    path: str
    concepts: dict[str, Concept]
    questions: dict[str, Question]
    start: str = ""
    _before: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _after: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        before: dict[str, set[str]] = {cid: set() for cid in self.concepts}
        after: dict[str, set[str]] = {cid: set() for cid in self.concepts}
        for c in self.concepts.values():
            for p in c.prerequisites:
                if p in self.concepts:
                    before[c.id].add(p)
                    after[p].add(c.id)
            for n in c.learn_after:
                if n in self.concepts:
                    after[c.id].add(n)
                    before[n].add(c.id)
        self._before, self._after = before, after

    def prerequisites_of(self, concept_id: str) -> list[str]:
        """Concepts to learn before this one (both directions of the file graph merged)."""
        return sorted(self._before.get(concept_id, ()), key=self.order_key)

    def next_after(self, concept_id: str) -> list[str]:
        """Concepts that build on this one."""
        return sorted(self._after.get(concept_id, ()), key=self.order_key)

    def questions_of(self, concept_id: str) -> list[Question]:
        return [q for q in self.questions.values() if q.concept_id == concept_id]

    def topological_order(self) -> list[str]:
        """Concepts ordered so that every prerequisite comes first; ties by title."""
        if hasattr(self, "_topo"):
            return self._topo  # type: ignore[has-type]
        indegree = {cid: len(self._before[cid]) for cid in self.concepts}
        ready = sorted((c for c, d in indegree.items() if d == 0), key=lambda c: self.concepts[c].title)
        queue = deque(ready)
        order: list[str] = []
        while queue:
            cid = queue.popleft()
            order.append(cid)
            for n in sorted(self._after[cid], key=lambda c: self.concepts[c].title):
                indegree[n] -= 1
                if indegree[n] == 0:
                    queue.append(n)
        # A cycle leaves concepts out; lint reports it, but nothing should vanish from menus.
        order += sorted(set(self.concepts) - set(order))
        self._topo = order
        return order

    def order_key(self, concept_id: str) -> int:
        if not hasattr(self, "_rank"):
            self._rank = {c: i for i, c in enumerate(self.topological_order())}
        return self._rank.get(concept_id, len(self._rank))

    def find_concept(self, text: str) -> Concept | None:
        """A concept named exactly by id, title or alias (case-insensitive)."""
        key = text.strip().lower()
        if not key:
            return None
        if key in self.concepts:
            return self.concepts[key]
        for c in self.concepts.values():
            if c.title.lower() == key or key in (a.lower() for a in c.aliases):
                return c
        return None
