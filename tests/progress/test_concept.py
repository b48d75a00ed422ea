"""A concept's progress after an answer, and replayed from every answer: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.progress import MASTERED, spaced, update_mastery
from bot.progress.concept import ConceptState, after_answer, replay

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def answered(before: ConceptState, correct: bool, score: float, at: datetime, **kw) -> ConceptState:
    return after_answer(
        before, correct=correct, score=score, rating=kw.get("rating"), counts=kw.get("counts", True), now=at
    )


def test_a_first_right_answer_starts_the_card_and_is_due_when_fsrs_says():
    after = answered(ConceptState(), True, 1.0, T0)
    assert (after.attempts, after.correct, after.mastery) == (1, 1, update_mastery(0.0, 1.0))
    assert after.card and after.due == T0 + timedelta(days=2)  # FSRS's first Good interval here
    assert after.due == spaced.scheduled_due(after.card)


def test_two_right_answers_in_a_row_from_scratch_reach_mastered():
    first = answered(ConceptState(), True, 1.0, T0)
    second = answered(first, True, 1.0, first.due or T0)
    assert second.mastery >= MASTERED and second.attempts == 2 and second.correct == 2


def test_a_wrong_answer_is_due_at_once_and_the_card_keeps_its_interval():
    right = answered(ConceptState(), True, 1.0, T0)
    later = T0 + timedelta(days=2)
    wrong = answered(right, False, 0.0, later)
    assert wrong.due == later  # /review serves it while the mistake is fresh
    assert (spaced.scheduled_due(wrong.card) or later) > later  # the card's next review stays ahead
    assert (wrong.attempts, wrong.correct, wrong.mastery) == (2, 1, update_mastery(right.mastery, 0.0))


@pytest.mark.parametrize(
    ("correct", "due_is_now"),
    [(True, False), (False, True)],
)
def test_a_practice_answer_is_counted_but_leaves_mastery_and_the_card(correct, due_is_now):
    before = answered(ConceptState(), True, 1.0, T0)
    later = T0 + timedelta(hours=3)
    after = answered(before, correct, float(correct), later, counts=False)
    assert (after.mastery, after.card) == (before.mastery, before.card)
    assert (after.attempts, after.correct) == (2, 1 + int(correct))
    assert after.due == (later if due_is_now else spaced.scheduled_due(before.card))


def test_a_practice_answer_to_a_concept_never_reviewed_has_no_schedule_if_right():
    after = answered(ConceptState(), True, 1.0, T0, counts=False)
    assert (after.card, after.due, after.mastery) == ("", None, 0.0)


def test_the_rating_given_is_the_one_fsrs_schedules_with():
    easy = answered(ConceptState(), True, 1.0, T0, rating=4)
    good = answered(ConceptState(), True, 1.0, T0)
    assert (easy.due or T0) > (good.due or T0)


def test_replay_rates_each_attempt_as_told_and_rebuilds_the_same_progress():
    history = [("q1", False, 0.5, T0), ("q2", True, 1.0, T0 + timedelta(days=1))]
    ratings = {("q1", False, 0.5): 3, ("q2", True, 1.0): 4}  # the q1 answer re-scored: rated Good now
    replayed = replay(history, lambda q, ok, score: ratings[(q, ok, score)])
    step = ConceptState()
    for q, ok, score, at in history:
        step = answered(step, ok, score, at, rating=ratings[(q, ok, score)])
    assert (replayed.mastery, replayed.card, replayed.correct, replayed.attempts) == (
        step.mastery,
        step.card,
        step.correct,
        step.attempts,
    )
    # replay keeps the date FSRS scheduled, even after a wrong answer (a re-score rewrites the schedule)
    assert replayed.due == spaced.scheduled_due(replayed.card)


def test_replay_of_nothing_is_a_concept_never_answered():
    assert replay([], lambda q, ok, score: 3) == ConceptState()
