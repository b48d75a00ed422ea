"""Test-wiseness cues: each strategy measured on hand-built items, and the bundled bank held to the limit."""

from __future__ import annotations

import pytest

from bot.course import Option, Question
from bot.course.cues import (
    ABSOLUTE,
    LONGEST,
    MATCHING,
    STEM,
    absolute_rate,
    content_words,
    longest_rate,
    matching_rate,
    measure,
    measure_course,
    stem_overlap_rate,
)


def single(qid: str, prompt: str, texts: list[str], correct: int, file: str = "q.yaml") -> Question:
    options = tuple(Option(text=t, explanation="why", correct=i == correct) for i, t in enumerate(texts))
    return Question(qid, "c", "single_choice", prompt, options, source=f"questions/{file}:1")


def matching(qid: str, pairs: list[tuple[str, str]]) -> Question:
    options = tuple(Option(text=left, explanation="why", right=right) for left, right in pairs)
    return Question(qid, "c", "matching", "Match them.", options, source="questions/m.yaml:1")


def test_longest_option_is_right_only_when_the_correct_one_is_longest():
    q = single("a", "Why?", ["short", "a much longer answer here", "mid length"], correct=1)
    assert longest_rate(q) == 1.0
    assert longest_rate(single("b", "Why?", ["short", "a much longer answer here", "mid"], correct=0)) == 0.0
    # a tie for longest is split evenly
    assert longest_rate(single("c", "Why?", ["abcd", "wxyz", "ab"], correct=0)) == 0.5


def test_stem_overlap_uses_content_words_with_stemming():
    assert {"align", "model"} <= content_words("The models are aligned")
    assert "the" not in content_words("The models are aligned")
    q = single(
        "s",
        "Why does a reward model need human comparisons?",
        ["Because the reward model learns from human comparisons", "Because of GPUs", "Latency"],
        correct=0,
    )
    assert stem_overlap_rate(q) == 1.0
    # no option shares a word: every option ties, so the strategy is no better than chance
    q = single("t", "Why does it work?", ["red", "green", "blue", "grey"], correct=2)
    assert stem_overlap_rate(q) == 0.25


def test_absolute_words_rule_out_options_unless_all_have_them():
    q = single(
        "x", "Which?", ["It always works", "It never fails", "It often helps", "Only on Mondays"], correct=2
    )
    assert absolute_rate(q) == 1.0
    q = single("y", "Which?", ["It always works", "It sometimes helps", "It often helps"], correct=0)
    assert absolute_rate(q) == 0.0
    q = single("z", "Which?", ["always A", "never B", "all C"], correct=1)
    assert absolute_rate(q) == pytest.approx(1 / 3)


def test_matching_by_shared_words_greedy_with_ties_split():
    telling = matching(
        "m1", [("reward model", "a reward score"), ("policy model", "the policy"), ("KL term", "drift")]
    )
    assert matching_rate(telling) == 1.0  # the two telling pairs first, then the last is forced
    blind = matching("m2", [("alpha", "one"), ("beta", "two"), ("gamma", "three")])
    assert matching_rate(blind) == pytest.approx(1 / 3)  # random matching: 1/n of the pairs on average


def test_measure_reports_rates_chance_and_files_where_the_longest_always_wins():
    qs = [
        single(
            "l1", "Pick one.", ["no", "the right and longest option", "nah", "nope"], 1, file="tells.yaml"
        ),
        single(
            "l2", "Pick one.", ["the right and longest option", "no", "nah", "nope"], 0, file="tells.yaml"
        ),
        single("f1", "Pick one.", ["rose", "blue", "cyan", "pink"], 2, file="fair.yaml"),
        single("f2", "Pick one.", ["left", "down", "east", "west"], 3, file="fair.yaml"),
    ]
    report = measure(qs)
    longest = report.rate(LONGEST)
    assert longest.chance == 0.25 and longest.questions == 4
    assert longest.rate == pytest.approx((1 + 1 + 0.25 + 0.25) / 4)
    assert not longest.ok and not report.ok
    assert [(e.file, e.cue) for e in report.extremes] == [("tells.yaml", LONGEST)]
    assert "tells.yaml" in report.table() and "over by" in report.table()


def test_bundled_bank_gives_no_strategy_more_than_ten_points_over_chance(course):
    report = measure_course(course)
    assert {r.cue for r in report.rates} == {LONGEST, STEM, ABSOLUTE, MATCHING}
    assert report.rate(LONGEST).questions >= 150 and report.rate(MATCHING).questions >= 20
    over = [f"{r.cue}: {r.rate:.1%} > {r.limit:.1%}" for r in report.rates if not r.ok]
    assert not over, "test-wiseness cues over the limit:\n" + report.table()
