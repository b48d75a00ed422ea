"""Multiple response ("choose all that apply"), graded as Moodle grades a multiple-answer question.

Each option carries a weight, a percent of the mark (negative for a wrong option). The score is the sum of
the chosen options' weights, clamped to 0..1; the answer is right when it reaches the pass score (a full
score always does). The learner names every option they choose: `/answer A C`, `a,c` or `AC`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.course.model import Question
from bot.progress import PASS_SCORE
from bot.quiz.grading import Grade, InvalidAnswer, letters

HOW_TO_ANSWER = (
    "Choose all that apply: answer with /answer and the letter of every option you choose, e.g. /answer {e}"
)


def _example(n: int) -> str:
    return " ".join(letters(n)[i] for i in (0, 2) if i < n)


def how_to_answer(question: Question) -> str:
    return HOW_TO_ANSWER.format(e=_example(len(question.options)))


def parse(question: Question, response: str) -> tuple[int, ...]:
    """The displayed positions the learner chose, in order, each once. InvalidAnswer names what is wrong."""
    n = len(question.options)
    valid = letters(n)
    chosen: list[int] = []
    for token in re.findall(r"[^\s,;/&+]+", response.strip()):
        word = token.strip(").:").upper()
        if word == "AND":
            continue
        if word.isdigit() and 1 <= int(word) <= n:
            picks = [int(word) - 1]
        elif word and all(ch in valid for ch in word):
            picks = [valid.index(ch) for ch in word]
        else:
            raise InvalidAnswer(
                f"'{token[:40]}' is not one of the options: answer with the letters of every option you "
                f"choose, from A to {valid[-1]}, e.g. /answer {_example(n)}"
            )
        chosen += [p for p in picks if p not in chosen]
    if not chosen:
        raise InvalidAnswer("Choose at least one option. " + how_to_answer(question))
    return tuple(chosen)


def score(question: Question, presentation: Sequence[int], chosen: Sequence[int]) -> float:
    """Sum of the chosen options' weights as a share of the mark, clamped to 0..1 (Moodle's rule)."""
    total = sum(question.options[_shown(presentation, p)].weight for p in set(chosen)) / 100.0
    return min(1.0, max(0.0, total))


def grade(question: Question, presentation: Sequence[int], response: str) -> Grade:
    chosen = parse(question, response)
    value = round(score(question, presentation, chosen), 3)
    n = len(question.options)
    picked = " ".join(letters(n)[p] for p in sorted(chosen))
    return Grade(value >= min(1.0, PASS_SCORE), value, chosen=picked)


def _shown(presentation: Sequence[int], position: int) -> int:
    return presentation[position] if presentation else position


def explain(question: Question, presentation: Sequence[int], g: Grade | None) -> tuple[str, tuple[str, ...]]:
    """A verdict naming the wrong choices and the missed right ones, then every option explained."""
    n = len(question.options)
    order = list(presentation) or list(range(n))
    key = {p: letters(n)[i] for i, p in enumerate(order)}
    right = [key[k] for k in order if question.options[k].correct]
    right_text = _listing(right)
    lines = tuple(
        f"{'✓' if question.options[k].correct else '✗'} {key[k]}) {question.options[k].text} — "
        f"{question.options[k].explanation}"
        for k in order
    )
    if g is None:
        return f"The right options are {right_text}.", lines
    chosen = set(g.chosen.split())
    wrong = [key[k] for k in order if key[k] in chosen and not question.options[k].correct]
    missed = [key[k] for k in order if key[k] not in chosen and question.options[k].correct]
    if not wrong and not missed:
        return f"Correct! The right options are {right_text}.", lines
    parts = []
    if wrong:
        parts.append(f"{_listing(wrong)} {'is' if len(wrong) == 1 else 'are'} not right")
    if missed:
        parts.append(f"you missed {_listing(missed)}")
    head = "Right enough" if g.correct else "Not quite"
    return (
        f"{head} ({round(g.score * 100)}%): you chose {g.chosen}; {' and '.join(parts)}. "
        f"The right options are {right_text}.",
        lines,
    )


def _listing(keys: list[str]) -> str:
    if len(keys) <= 1:
        return "".join(keys) or "none"
    return ", ".join(keys[:-1]) + " and " + keys[-1]
