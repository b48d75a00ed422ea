"""Console text fits the terminal: wrapped to its width, never inside a word, a hyphenated name or a command."""

from __future__ import annotations

import pytest

from adapters.console.render import render, terminal_width
from bot import events as E
from bot import replies as R

COMMAND = "/quiz post-pre-training-alignment-steps"


@pytest.mark.parametrize("width", [40, 60, 80])
def test_no_word_or_command_is_broken(width):
    text = (
        "Learn next: *Post-Pre-Training Alignment Steps* and spaced reviews of everything else. "
        f"Test yourself with {COMMAND} or ask about reinforcement-learning-from-human-feedback."
    )
    out = render(R.Text(text), width)
    assert COMMAND in out  # on one line, whole: it can be copied
    words = text.replace("*", "").split()
    assert out.split() == words  # nothing split, nothing lost
    assert all(len(line) <= width or " " not in line.strip() for line in out.splitlines())


def test_help_and_tables_fit_an_80_column_terminal():
    help_text = "\n".join(
        f"  /{name:<20} {'a long description of what the command does, for learners and instructors ' * 2}"
        for name in ("review", "leaderboard [week]", "privacy [visible|hidden|pseudonym NAME]")
    )
    out = render(R.Text(help_text), 80)
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "reviews" not in out or "revi ews" not in out
    assert all(" revi" not in line or "review" in line for line in out.splitlines())
    table = R.Table("Leaderboard", ("rank", "learner", "points"), (("1", "x" * 30, "10"),), note="n " * 60)
    assert all(len(line) <= 80 for line in render(table, 80).splitlines())


def test_the_width_comes_from_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "64")
    assert terminal_width() == 64
    out = render(R.Text("word " * 40))
    assert max(len(line) for line in out.splitlines()) <= 64


def test_feedback_marks_each_wrong_pair_and_step():
    from tests.quiz.test_machine import wrong_pairs_and_steps

    match, order = wrong_pairs_and_steps()
    text = render(match, 100)
    assert "Your answer:" in text and "2b ✗ (2 goes with c)" in text and "3a ✓" in text
    text = render(order, 100)
    assert "2nd: step 2 ✗ (out of place: it comes 3rd)" in text and "1st: step 4 ✓" in text


def test_a_message_for_another_learner_is_never_printed_for_the_sender():
    other = R.DirectMessage(E.LearnerRef("console", "local", "ada"), "a secret for ada", 3)
    assert render(other) == ""
