"""The quiz state machine: pure transitions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import replies as R
from bot.quiz import machine as M
from tests.quiz.test_grading import MATCH, ORDER, SINGLE

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def begin(q, presentation):
    return M.step(M.QuizState(), M.Begin(7, q, tuple(presentation), "Concept"), None, NOW)


def test_begin_shows_the_options_in_presentation_order():
    s = begin(SINGLE, [2, 1, 0, 3])
    assert s.state.status == "open" and s.state.session_id == 7
    shown = s.replies[0]
    assert isinstance(shown, R.Question)
    assert [c.key for c in shown.choices] == ["A", "B", "C", "D"]
    assert [c.text for c in shown.choices] == ["gamma", "beta", "alpha", "delta"]
    m = begin(MATCH, [2, 0, 1]).replies[0]
    assert [t.text for t in m.targets] == ["R3", "R1", "R2"] and [t.key for t in m.targets] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("question", "presentation", "response", "status", "correct", "verdict"),
    [
        (SINGLE, [0, 1, 2, 3], "B", "answered", True, "Correct! The answer is B."),
        (SINGLE, [2, 1, 0, 3], "C", "answered", False, "Not quite: you chose C; the answer is B."),
        (SINGLE, [0, 1, 2, 3], "Q", "open", None, None),
        (ORDER, [3, 2, 1, 0], "4 3 2 1", "answered", True, "Correct! The right order is 4 3 2 1."),
        (
            ORDER,
            [3, 2, 1, 0],
            "1 2 3 4",
            "answered",
            False,
            "Not quite: 0 of 4 steps in place. The right order is 4 3 2 1.",
        ),
        (MATCH, [2, 0, 1], "1b 2c 3a", "answered", True, "Correct! The matches are 1b 2c 3a."),
        (MATCH, [2, 0, 1], "1 b", "open", None, None),
    ],
)
def test_respond(question, presentation, response, status, correct, verdict):
    opened = begin(question, presentation)
    s = M.step(opened.state, M.Respond(response), question, NOW)
    assert s.state.status == status
    if correct is None:
        assert s.grade is None and isinstance(s.replies[0], R.Text) and s.replies[0].kind == "error"
    else:
        fb = s.replies[0]
        assert isinstance(fb, R.Feedback) and fb.correct is correct and fb.summary == verdict
        # every option's explanation is shown after the answer
        assert len(fb.explanations) == len(question.options)


def test_answer_after_answered_or_idle_records_nothing():
    opened = begin(SINGLE, [0, 1, 2, 3])
    done = M.step(opened.state, M.Respond("B"), SINGLE, NOW)
    again = M.step(done.state, M.Respond("B"), SINGLE, NOW)
    assert again.grade is None and "already answered" in again.replies[0].plain()
    idle = M.step(M.QuizState(), M.Respond("B"), None, NOW)
    assert idle.grade is None and "no open question" in idle.replies[0].plain()


def test_hint_and_skip():
    from dataclasses import replace

    q = replace(SINGLE, hint="Think of the Greek alphabet.")
    opened = begin(q, [0, 1, 2, 3])
    hinted = M.step(opened.state, M.AskHint(), q, NOW)
    assert hinted.state.hints_used == 1 and "Greek" in hinted.replies[0].plain()
    skipped = M.step(hinted.state, M.SkipQuestion(), q, NOW)
    assert skipped.state.status == "skipped" and skipped.grade is None
    assert "The answer is B" in skipped.replies[0].plain()
    assert skipped.replies[0].skipped  # typed: renderers need not read the words


def wrong_pairs_and_steps():
    """A matching answer with two pairs swapped, an ordering answer with two steps swapped, as graded."""
    match = M.step(begin(MATCH, [2, 0, 1]).state, M.Respond("1c 2b 3a"), MATCH, NOW).replies[0]
    order = M.step(begin(ORDER, [3, 2, 1, 0]).state, M.Respond("4 2 3 1"), ORDER, NOW).replies[0]
    assert isinstance(match, R.Feedback) and isinstance(order, R.Feedback)
    return match, order


def test_feedback_marks_each_pair_and_step():
    match, order = wrong_pairs_and_steps()
    assert [m.plain() for m in match.marks] == ["1c ✗ (1 goes with b)", "2b ✗ (2 goes with c)", "3a ✓"]
    assert [m.plain() for m in order.marks] == [
        "1st: step 4 ✓",
        "2nd: step 2 ✗ (out of place: it comes 3rd)",
        "3rd: step 3 ✗ (out of place: it comes 2nd)",
        "4th: step 1 ✓",
    ]
    right = M.step(begin(MATCH, [2, 0, 1]).state, M.Respond("1b 2c 3a"), MATCH, NOW).replies[0]
    assert all(m.ok for m in right.marks) and len(right.marks) == 3
    skipped = M.step(begin(MATCH, [2, 0, 1]).state, M.SkipQuestion(), MATCH, NOW).replies[0]
    assert skipped.marks == ()  # nothing was answered
