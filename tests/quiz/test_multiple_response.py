"""Multiple response ("choose all that apply"), scored as Moodle scores a multiple-answer question."""

from __future__ import annotations

import pytest

from bot.course.model import Option, Question
from bot.quiz import grading, machine, multiple_response
from bot.quiz.grading import InvalidAnswer


def question(*weights: float) -> Question:
    options = tuple(
        Option(text=f"option {i}", explanation=f"why {i}", correct=w > 0, weight=w)
        for i, w in enumerate(weights)
    )
    return Question(id="mr", concept_id="c", type="multiple_response", prompt="Which apply?", options=options)


@pytest.mark.parametrize(
    ("weights", "answer", "score", "correct"),
    [
        ((50, 50, -100), "A B", 1.0, True),  # both right ones
        ((50, 50, -100), "A", 0.5, False),  # half the mark: below the pass score
        ((50, 50, -100), "A B C", 0.0, False),  # a -100% option cancels everything
        ((50, 50, -100), "C", 0.0, False),  # clamped at 0, never negative
        ((50, 50, -50, -50), "A B C", 0.5, False),
        ((50, 50, 0, 0), "A B C D", 1.0, True),  # zero-weight wrong options cost nothing (Moodle's choice)
        ((33.333, 33.333, 33.334, -100), "A B", 0.667, True),  # meets the 0.6 pass score
        ((40, 30, 30, -100), "A B", 0.7, True),
        ((100, -100), "A", 1.0, True),
        ((60, 40, -100), "A B C", 0.0, False),
    ],
)
def test_score_is_the_clamped_sum_of_chosen_weights(weights, answer, score, correct):
    g = grading.grade(question(*weights), list(range(len(weights))), answer)
    assert (g.score, g.correct) == (score, correct)


@pytest.mark.parametrize(
    ("answer", "chosen"),
    [
        ("A C", (0, 2)),
        ("a,c", (0, 2)),
        ("c, a", (2, 0)),
        ("AC", (0, 2)),
        ("A and C", (0, 2)),
        ("1 3", (0, 2)),
        ("a a c", (0, 2)),
        ("B)", (1,)),
    ],
)
def test_parse_accepts_letters_in_any_common_form(answer, chosen):
    assert multiple_response.parse(question(50, 0, 50, -100), answer) == chosen


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("A E", "'E' is not one of the options"),
        ("maybe", "'maybe' is not one of the options"),
        (" , ", "Choose at least one option"),
        ("", "The answer is empty"),
    ],
)
def test_bad_input_says_how_to_answer(answer, says):
    with pytest.raises(InvalidAnswer) as info:
        grading.parse(question(50, 0, 50, -100), answer)
    message = str(info.value)
    assert says in message and "/answer A C" in message


def test_presentation_maps_letters_to_options():
    q = question(50, 50, -100)
    shown = [2, 0, 1]  # A shows option 2 (wrong), B option 0, C option 1
    assert grading.grade(q, shown, "B C").score == 1.0
    assert grading.grade(q, shown, "A B").score == 0.0
    assert grading.grade(q, shown, "B C").chosen == "B C"


def test_feedback_names_wrong_choices_and_missed_right_ones():
    q = question(50, 50, -100, 0)
    g = grading.grade(q, [0, 1, 2, 3], "a, c")
    summary, lines = machine.explain(q, [0, 1, 2, 3], g)
    assert summary == (
        "Not quite (0%): you chose A C; C is not right and you missed B. The right options are A and B."
    )
    assert lines[0] == "✓ A) option 0 — why 0" and lines[2] == "✗ C) option 2 — why 2"
    right = grading.grade(q, [0, 1, 2, 3], "B A")
    assert machine.explain(q, [0, 1, 2, 3], right)[0] == "Correct! The right options are A and B."
    partly = grading.grade(question(40, 30, 30, -100), [0, 1, 2, 3], "A B")
    assert machine.explain(question(40, 30, 30, -100), [0, 1, 2, 3], partly)[0].startswith(
        "Right enough (70%): you chose A B; you missed C."
    )


def test_the_question_as_shown_says_choose_all_that_apply():
    shown = machine.show_question(1, question(50, 50, -100), [0, 1, 2], "Concept")
    assert [c.key for c in shown.choices] == ["A", "B", "C"]
    assert shown.how_to_answer.startswith("Choose all that apply") and "/answer A C" in shown.how_to_answer
    assert "Choose all that apply." in shown.plain() and "  A) option 0" in shown.plain()
