"""Table tests for every grader."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.course.model import Option, Question
from bot.quiz.grading import InvalidAnswer, grade, grade_open, presentation_for
from bot.retrieval import HashingEmbedder

SINGLE = Question(
    "s1",
    "c",
    "single_choice",
    "Pick",
    options=(
        Option("alpha", "no"),
        Option("beta", "yes", correct=True),
        Option("gamma", "no"),
        Option("delta", "no"),
    ),
)
ORDER = Question(
    "o1",
    "c",
    "ordering",
    "Order",
    options=(Option("first", "1"), Option("second", "2"), Option("third", "3"), Option("fourth", "4")),
)
MATCH = Question(
    "m1",
    "c",
    "matching",
    "Match",
    options=(Option("L1", "e", right="R1"), Option("L2", "e", right="R2"), Option("L3", "e", right="R3")),
)


@pytest.mark.parametrize(
    ("response", "correct", "chosen"),
    [
        ("B", True, "B"),
        ("b", True, "B"),
        ("b)", True, "B"),
        (" 2 ", True, "B"),
        ("A", False, "A"),
        ("d", False, "D"),
    ],
)
def test_single_choice(response, correct, chosen):
    g = grade(SINGLE, [0, 1, 2, 3], response)
    assert (g.correct, g.chosen, g.score) == (correct, chosen, 1.0 if correct else 0.0)


def test_single_choice_follows_the_presentation():
    # shown order: gamma, beta, alpha, delta -> beta is B, alpha is C
    assert grade(SINGLE, [2, 1, 0, 3], "B").correct
    assert not grade(SINGLE, [2, 1, 0, 3], "C").correct


@pytest.mark.parametrize("response", ["E", "Z", "", "AB", "5", "banana"])
def test_single_choice_rejects_what_is_not_an_option(response):
    with pytest.raises(InvalidAnswer):
        grade(SINGLE, [0, 1, 2, 3], response)


@pytest.mark.parametrize(
    ("presentation", "response", "correct", "score"),
    [
        ([2, 0, 3, 1], "2 4 1 3", True, 1.0),  # shown: third, first, fourth, second
        ([2, 0, 3, 1], "2,4,1,3", True, 1.0),
        ([2, 0, 3, 1], "4 2 1 3", False, 0.5),  # second and first swapped: two of four in place
        ([1, 0, 2, 3], "1 2 3 4", False, 0.5),
        ([1, 0, 2, 3], "2 1 3 4", True, 1.0),
    ],
)
def test_ordering(presentation, response, correct, score):
    g = grade(ORDER, presentation, response)
    assert (g.correct, g.score) == (correct, score)


@pytest.mark.parametrize("response", ["1 2 3", "1 1 2 3", "1 2 3 5", "first second", ""])
def test_ordering_rejects_malformed(response):
    with pytest.raises(InvalidAnswer):
        grade(ORDER, [1, 0, 2, 3], response)


@pytest.mark.parametrize(
    ("presentation", "response", "correct", "score"),
    [
        ([2, 0, 1], "1b 2c 3a", True, 1.0),  # letters: a=R3, b=R1, c=R2
        ([2, 0, 1], "1B, 2C, 3A", True, 1.0),
        ([2, 0, 1], "1-b 2-c 3-a", True, 1.0),
        ([2, 0, 1], "1a 2b 3c", False, 0.0),
        ([2, 0, 1], "1b 2a 3c", False, pytest.approx(1 / 3)),
    ],
)
def test_matching(presentation, response, correct, score):
    g = grade(MATCH, presentation, response)
    assert (g.correct, g.score) == (correct, score)


@pytest.mark.parametrize("response", ["1a 2b", "1a 2a 3b", "1a 1b 3c", "4a 2b 3c", "1d 2b 3c"])
def test_matching_rejects_malformed(response):
    with pytest.raises(InvalidAnswer):
        grade(MATCH, [2, 0, 1], response)


def test_presentation_shuffles_ordering_and_matching_but_never_in_order():
    for seed in range(50):
        order = presentation_for(ORDER, seed)
        assert sorted(order) == [0, 1, 2, 3] and order != [0, 1, 2, 3]
    assert presentation_for(ORDER, 7) == presentation_for(ORDER, 7)


def test_presentation_shuffles_single_choice_per_seed():
    # one seed per round and per learner's own quiz: the same seed shows the same order (a stored
    # session can be re-rendered), different seeds put the right answer in every position
    assert presentation_for(SINGLE, 7) == presentation_for(SINGLE, 7)
    orders = [presentation_for(SINGLE, seed) for seed in range(200)]
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    right_at = Counter(o.index(SINGLE.correct_index) for o in orders)
    assert set(right_at) == {0, 1, 2, 3} and max(right_at.values()) < 80
    assert len({tuple(o) for o in orders}) >= 20


RUBRIC = (
    "Human feedback is too slow and expensive to collect for every sample during training.",
    "The reward model is trained on human preference comparisons between responses.",
    "The reward model acts as a proxy for human judges that can score any number of responses.",
)


@pytest.mark.model
def test_open_ended_with_the_real_model(embedder):
    full = (
        "Asking people to rate every sample during RL would be far too slow and costly. "
        "So we first collect human comparisons of pairs of responses and train a reward model on those preferences. "
        "After that the reward model stands in for the human judges and can score as many responses as we like."
    )
    g = grade_open(RUBRIC, full, embedder.encode)
    assert g.correct and len(g.covered) == 3 and not g.missed
    partial = (
        "Asking humans to score every single sample while training would be much too slow and expensive. "
        "Pizza is tasty on Fridays."
    )
    g = grade_open(RUBRIC, partial, embedder.encode)
    assert not g.correct
    assert RUBRIC[0] in g.covered and RUBRIC[2] in g.missed
    off_topic = "I like to walk my dog in the park on Sunday mornings when the weather is good."
    g = grade_open(RUBRIC, off_topic, embedder.encode)
    assert g.score == 0 and not g.covered


def test_open_ended_too_short_is_rejected_not_graded():
    q = Question("e1", "c", "open_ended", "Why?", rubric=RUBRIC, model_answer="x")
    with pytest.raises(InvalidAnswer, match="at least 5 words"):
        grade(q, [], "too slow", HashingEmbedder().encode)
