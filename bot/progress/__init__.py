"""Mastery, points, streaks and rankings: pure functions over attempt data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

MASTERY_RATE = 0.5  # how far one answer moves mastery toward its score
MASTERED = 0.75  # two correct answers in a row from scratch reach it
POINTS_CORRECT = 10
POINTS_FIRST_TRY = 5
PASS_SCORE = 0.6  # an open-ended answer covering this share of the rubric counts as correct


def update_mastery(previous: float, score: float) -> float:
    """Mastery after one more answer: an exponential moving average of scores (0..1)."""
    return round(previous + MASTERY_RATE * (max(0.0, min(1.0, score)) - previous), 4)


def mastery_from_scores(scores: Iterable[float]) -> float:
    m = 0.0
    for s in scores:
        m = update_mastery(m, s)
    return m


def points_for(correct: bool, first_try: bool, hints_used: int = 0) -> int:
    """Points for an answer: 10 when correct, 5 more on a first try without hints."""
    if not correct:
        return 0
    return POINTS_CORRECT + (POINTS_FIRST_TRY if first_try and hints_used == 0 else 0)


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with at least one answer, ending today (or yesterday, if today has none yet)."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    n = 0
    while day in active:
        n += 1
        day -= timedelta(days=1)
    return n


@dataclass(frozen=True)
class Standing:
    rank: int
    learner_id: int
    name: str
    points: int
    correct: int


def rank(totals: Iterable[tuple[int, str, int, int]]) -> list[Standing]:
    """Standings from (learner_id, name, points, correct): most points first, ties share a rank."""
    ordered = sorted(totals, key=lambda t: (-t[2], -t[3], t[1].lower(), t[0]))
    out: list[Standing] = []
    for i, (lid, name, pts, correct) in enumerate(ordered):
        r = out[-1].rank if out and out[-1].points == pts and out[-1].correct == correct else i + 1
        out.append(Standing(r, lid, name, pts, correct))
    return out
