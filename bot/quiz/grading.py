"""Graders, one per question type: parse what the learner sent against what was shown, then mark it."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.course.model import Question

MIN_OPEN_WORDS = 5

Encode = Callable[[list[str]], np.ndarray]


class InvalidAnswer(ValueError):
    """The answer cannot be read for this question; the message tells the learner how to answer."""


@dataclass(frozen=True)
class Grade:
    correct: bool
    score: float
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    chosen: str = ""  # the learner's answer, normalised (e.g. "B", "3 1 2", "1b 2a")
    contradicted: tuple[str, ...] = ()  # open-ended: rubric points the answer asserts the opposite of
    contradicting: tuple[str, ...] = ()  # open-ended: the answer's own statements that do (no rubric text)
    # open-ended: each rubric point's verdict in rubric order (covered | contradicted | absent), and why the
    # grader is unsure of pass or fail (empty: sure); an unsure answer goes to the instructors' review queue
    verdicts: tuple[str, ...] = ()
    doubts: tuple[str, ...] = ()


def letters(n: int) -> str:
    return "ABCDEFGH"[:n]


def presentation_for(question: Question, seed: int) -> list[int]:
    """The order options are shown in, drawn from `seed` (one per round, one per learner's own quiz):
    shuffled options for single choice (so a class and each learner see the right answer in different
    places), shuffled steps for ordering (never already in order), shuffled right-hand sides for matching."""
    n = len(question.options)
    if question.type not in ("single_choice", "ordering", "matching") or n < 2:
        return list(range(n))
    rng = random.Random(f"{question.id}:{seed}")
    order = list(range(n))
    rng.shuffle(order)
    # Ordering and matching shown in file order would show the answer itself.
    while question.type != "single_choice" and order == list(range(n)):
        rng.shuffle(order)
    return order


def how_to_answer(question: Question) -> str:
    n = len(question.options)
    if question.type == "single_choice":
        return f"Answer with /answer and a letter, e.g. /answer {letters(n)[min(1, n - 1)]}"
    if question.type == "ordering":
        example = " ".join(str(i) for i in range(n, 0, -1))
        return f"Answer with /answer and the step numbers in the right order, e.g. /answer {example}"
    if question.type == "matching":
        example = " ".join(f"{i + 1}{letters(n)[i].lower()}" for i in range(n))
        return f"Answer with /answer and a number-letter pair for each item, e.g. /answer {example}"
    if question.type == "short_answer":
        return "Answer with /answer and a word or short phrase."
    if question.type == "multiple_response":
        from bot.quiz import multiple_response

        return multiple_response.how_to_answer(question)
    return "Answer with /answer and a few sentences of your own."


def _parse_single(question: Question, response: str) -> int:
    n = len(question.options)
    text = response.strip().upper().rstrip(").:")
    if len(text) == 1 and text in letters(n):
        return letters(n).index(text)
    if text.isdigit() and 1 <= int(text) <= n:
        return int(text) - 1
    raise InvalidAnswer(
        f"'{response.strip()[:40]}' is not one of the options: answer with a letter from A to {letters(n)[-1]}."
    )


def _parse_ordering(question: Question, response: str) -> list[int]:
    n = len(question.options)
    numbers = re.findall(r"\d+", response)
    if len(numbers) != n or sorted(int(x) for x in numbers) != list(range(1, n + 1)):
        raise InvalidAnswer(
            f"List each step number from 1 to {n} once, in the order you think is right (e.g. "
            f"{' '.join(str(i) for i in range(n, 0, -1))})."
        )
    return [int(x) - 1 for x in numbers]


def _parse_matching(question: Question, response: str) -> dict[int, int]:
    n = len(question.options)
    pairs = re.findall(r"(\d+)\s*[-=:>]*\s*([A-Za-z])\b", response)
    mapping: dict[int, int] = {}
    for num, letter in pairs:
        i, j = int(num) - 1, letters(n).lower().find(letter.lower())
        if not 0 <= i < n or j < 0:
            raise InvalidAnswer(
                f"'{num}{letter}' does not name an item (1 to {n}) and a match (a to {letters(n)[-1].lower()})."
            )
        if i in mapping:
            raise InvalidAnswer(f"Item {num} is matched twice; give each item one letter.")
        mapping[i] = j
    if len(mapping) != n or len(set(mapping.values())) != n:
        raise InvalidAnswer(
            f"Match every item 1 to {n} with a different letter, e.g. "
            f"{' '.join(f'{i + 1}{letters(n)[i].lower()}' for i in range(n))}."
        )
    return mapping


def parse(question: Question, response: str) -> object:
    """Check the answer's form without grading it (so a malformed answer records nothing)."""
    if not response.strip():
        raise InvalidAnswer("The answer is empty. " + how_to_answer(question))
    if question.type == "single_choice":
        return _parse_single(question, response)
    if question.type == "ordering":
        return _parse_ordering(question, response)
    if question.type == "matching":
        return _parse_matching(question, response)
    if question.type == "multiple_response":
        from bot.quiz import multiple_response

        return multiple_response.parse(question, response)
    if question.type == "short_answer":
        return response.strip()
    if len(response.split()) < MIN_OPEN_WORDS:
        raise InvalidAnswer(f"Write at least {MIN_OPEN_WORDS} words: explain your answer in a few sentences.")
    return response.strip()


def grade(
    question: Question, presentation: Sequence[int], response: str, encode: Encode | None = None
) -> Grade:
    """Mark `response` to `question` as it was shown (`presentation`); raises InvalidAnswer for a malformed one."""
    if question.type == "multiple_response":
        from bot.quiz import multiple_response

        return multiple_response.grade(question, presentation, response)
    parsed = parse(question, response)
    n = len(question.options)
    if question.type == "single_choice":
        assert isinstance(parsed, int)
        shown = presentation[parsed] if presentation else parsed
        ok = question.options[shown].correct
        return Grade(ok, 1.0 if ok else 0.0, chosen=letters(n)[parsed])
    if question.type == "ordering":
        assert isinstance(parsed, list)
        # parsed lists displayed positions; presentation maps a displayed position to the step's true index
        proposed = [presentation[p] for p in parsed]
        right = sum(1 for pos, step in enumerate(proposed) if step == pos)
        return Grade(right == n, right / n, chosen=" ".join(str(p + 1) for p in parsed))
    if question.type == "matching":
        assert isinstance(parsed, dict)
        # left item i is pair i; letter j shows the right side of pair presentation[j]
        right = sum(1 for i, j in parsed.items() if presentation[j] == i)
        chosen = " ".join(f"{i + 1}{letters(n)[j].lower()}" for i, j in sorted(parsed.items()))
        return Grade(right == n, right / n, chosen=chosen)
    assert isinstance(parsed, str)
    if question.type == "short_answer":
        ok = matches_short_answer(parsed, [o.text for o in question.options])
        return Grade(ok, 1.0 if ok else 0.0, chosen=parsed[:200])
    if encode is None:
        raise RuntimeError("grading an open-ended answer needs an embedder")
    return grade_open(question, parsed, encode)


def grade_open(rubric: Sequence[str] | Question, answer: str, encode: Encode) -> Grade:
    """Per rubric point: covered, contradicted or absent, by what the answer asserts (bot.quiz.open_ended).
    Pass the question to use its stance anchors and model answer; plain rubric points work too."""
    from bot.quiz.open_ended import doubts, grade_assertions

    if isinstance(rubric, Question):
        texts, model_answer = rubric.rubric, rubric.model_answer
        result = grade_assertions(rubric.rubric_points or texts, answer, encode, model_answer)
    else:
        texts = tuple(rubric)
        result = grade_assertions(texts, answer, encode)
    covered, contradicted = set(result.covered), set(result.contradicted)
    return Grade(
        result.passed,
        result.score,
        tuple(p for i, p in enumerate(texts) if i in covered),
        tuple(p for i, p in enumerate(texts) if i not in covered),
        chosen=answer[:200],
        contradicted=tuple(p for i, p in enumerate(texts) if i in contradicted),
        contradicting=tuple(
            dict.fromkeys(v.evidence for v in result.verdicts if v.status == "contradicted" and v.evidence)
        ),
        verdicts=tuple(v.status for v in result.verdicts),
        doubts=doubts(result),
    )


def _normal(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    while words and words[0] in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words)


def matches_short_answer(response: str, accepted: Sequence[str]) -> bool:
    """Case, punctuation and leading articles do not matter; a small typo in a longer answer is forgiven."""
    import difflib

    said = _normal(response)
    for answer in accepted:
        target = _normal(answer)
        if said == target:
            return True
        if len(target) >= 5 and difflib.SequenceMatcher(None, said, target).ratio() >= 0.85:
            return True
    return False
