"""A learner's progress on one concept after one more answer, or replayed from every answer: pure.

What storage keeps per learner and concept (answers, right answers, mastery, the FSRS card and the next
review) is computed here from the row as it was and the answer; storage reads the row, calls these inside its
transaction (the row locked) and writes what they return. Mastery is the moving average of scores
(`update_mastery`); the schedule is FSRS's (`spaced`). A practice answer (bot.progress.practice) is counted
but leaves mastery and the card alone: a wrong one still makes the concept due at once, a right one puts it
back on the card's schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.progress import spaced, update_mastery

# Rates an attempt for spaced repetition from (question id, correct, score): replaying a concept's attempts
# after a re-score needs each question's type, which only the course knows.
Rate = Callable[[str, bool, float], int]


@dataclass(frozen=True)
class ConceptState:
    """A learner's progress on one concept, as stored (a concept never answered: the defaults)."""

    attempts: int = 0
    correct: int = 0
    mastery: float = 0.0
    card: str = ""  # the FSRS card's JSON ("" before the first review)
    due: datetime | None = None  # when the concept is due for review next


def after_answer(
    before: ConceptState, *, correct: bool, score: float, rating: int | None, counts: bool, now: datetime
) -> ConceptState:
    """The progress after one more answer at `now` (aware). `rating` is the FSRS rating (None: Good when
    right, Again when wrong); `counts` False for a practice answer."""
    card, mastery = before.card, before.mastery
    if counts:
        card, scheduled = spaced.review(card, rating or (3 if correct else 1), now)
        due: datetime | None = spaced.due_after(correct, scheduled, now)
        mastery = update_mastery(mastery, score)
    else:
        due = spaced.scheduled_due(card) if correct else now
    return ConceptState(before.attempts + 1, before.correct + int(correct), mastery, card, due)


def replay(history: Iterable[tuple[str, bool, float, datetime]], rate: Rate) -> ConceptState:
    """The progress rebuilt from every attempt on the concept, oldest first, each (question id, correct,
    score, answered at (aware)): mastery and the review schedule as if each had been graded so when it was
    sent (after an instructor re-scores one of them)."""
    mastery, card, due, right, n = 0.0, "", None, 0, 0
    for question_id, ok, score, at in history:
        mastery = update_mastery(mastery, score)
        card, due = spaced.review(card, rate(question_id, ok, score), at)
        right += int(ok)
        n += 1
    return ConceptState(n, right, mastery, card, due)
