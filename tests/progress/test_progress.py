"""Mastery, points, streaks and rankings: pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.progress import MASTERED, mastery_from_scores, points_for, rank, streak


@pytest.mark.parametrize(
    ("scores", "mastered"),
    [([1], False), ([1, 1], True), ([0, 1], False), ([1, 1, 0], False), ([1, 0, 1, 1], True), ([], False)],
)
def test_mastery(scores, mastered):
    assert (mastery_from_scores(scores) >= MASTERED) is mastered


@pytest.mark.parametrize(
    ("correct", "first", "hints", "points"),
    [(True, True, 0, 15), (True, False, 0, 10), (True, True, 1, 10), (False, True, 0, 0)],
)
def test_points(correct, first, hints, points):
    assert points_for(correct, first, hints) == points


@pytest.mark.parametrize(
    ("days", "today", "expected"),
    [
        ([date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)], date(2026, 11, 3), 3),
        ([date(2026, 11, 1), date(2026, 11, 2)], date(2026, 11, 3), 2),  # today not yet played: still alive
        ([date(2026, 11, 1)], date(2026, 11, 3), 0),  # a day missed
        ([date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)], date(2026, 11, 3), 2),
        ([], date(2026, 11, 3), 0),
    ],
)
def test_streak(days, today, expected):
    assert streak(days, today) == expected


def test_rank_shares_ties():
    out = rank([(1, "ada", 30, 3), (2, "bob", 45, 3), (3, "cy", 30, 3), (4, "di", 30, 2)])
    assert [(s.rank, s.name) for s in out] == [(1, "bob"), (2, "ada"), (2, "cy"), (4, "di")]
