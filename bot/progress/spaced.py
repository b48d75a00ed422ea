"""Spaced repetition per learner and concept with FSRS: pure functions over a card's JSON and a clock.

A right answer rates Good, a wrong one Again; an open-ended answer is rated by rubric coverage.
Cards go straight to day-long intervals (no minute-long learning steps: a chat quiz is not a flashcard deck),
but a wrong answer makes its concept due for review at once (`due_after`): /review serves it while the
mistake is fresh, and the card keeps the interval FSRS scheduled (`scheduled_due`) for the review after.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

DESIRED_RETENTION = 0.9


@lru_cache(maxsize=1)
def _scheduler():  # type: ignore[no-untyped-def]
    from fsrs import Scheduler

    return Scheduler(
        desired_retention=DESIRED_RETENTION, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )


def rating_for(correct: bool, score: float, question_type: str) -> int:
    """FSRS rating (1 Again, 2 Hard, 3 Good, 4 Easy) for an answer."""
    if question_type == "open_ended":
        if score >= 0.9:
            return 4
        if score >= 0.6:
            return 3
        if score >= 0.4:
            return 2
        return 1
    return 3 if correct else 1


def review(card_json: str, rating: int, now: datetime) -> tuple[str, datetime]:
    """The card after one review at `now` (a new card if `card_json` is empty), and when it is due next."""
    from fsrs import Card, Rating

    # a new card's id given, as fsrs would make it (ms since the epoch): without one, Card() sleeps 1 ms to
    # keep ids apart, and a class's burst of first answers queued behind those sleeps
    card = Card.from_json(card_json) if card_json else Card(card_id=int(now.timestamp() * 1000))
    card, _ = _scheduler().review_card(card, Rating(rating), now)
    return card.to_json(), card.due


def due_after(correct: bool, scheduled: datetime, now: datetime) -> datetime:
    """When the concept is due after an answer: at once after a wrong one, else when FSRS scheduled it."""
    return scheduled if correct else now


def scheduled_due(card_json: str) -> datetime | None:
    """The review FSRS scheduled for a card (None for a concept never reviewed)."""
    if not card_json:
        return None
    from fsrs import Card

    due = Card.from_json(card_json).due
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def retrievability(card_json: str, now: datetime) -> float:
    """The probability of recalling the concept at `now` (0 for a concept never reviewed)."""
    if not card_json:
        return 0.0
    from fsrs import Card

    return float(_scheduler().get_card_retrievability(Card.from_json(card_json), now))


def mastery(average: float, card_json: str, now: datetime) -> float:
    """What /progress shows: the moving average of scores, kept while the concept is fresh in memory.

    Until a concept is due for review (recall probability above the 0.9 FSRS aims for), mastery is the
    average; after that it fades with the probability of recall, until the learner reviews it.
    Two right answers in a row from scratch reach "mastered" (0.75).
    """
    if not card_json:
        return round(average, 4)
    return round(average * min(1.0, retrievability(card_json, now) / DESIRED_RETENTION), 4)
