"""Bytes that break things: learners' text and names are normalised where they enter the core, so a NUL,
a right-to-left override or a lone surrogate never reaches the database, the embedder or a channel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import events as E
from bot.safety import clean_text
from bot.tutor import Tutor

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "single_line", "clean"),
    [
        ("what is RLHF?", False, "what is RLHF?"),
        ("what\x00 is RLHF?", False, "what is RLHF?"),  # PostgreSQL refuses NUL in text
        ("Eve\u202eevil", True, "Eveevil"),  # a right-to-left override would reverse a public name
        ("\u2066a\u2069b\u200fc", True, "ab\u200fc"),  # isolates removed; a plain RLM mark is harmless
        ("lone \ud800 surrogate", False, "lone \ufffd surrogate"),  # valid JSON, invalid Unicode
        ("pair \ud83d\ude00 kept", False, "pair \U0001f600 kept"),  # a surrogate pair is one character
        ("red\x1b[31m text", False, "red[31m text"),  # no terminal escapes
        ("two\r\nlines\rhere", False, "two\nlines\nhere"),
        ("  Ada\nLovelace\t ", True, "Ada Lovelace"),
        ("e\u0301", False, "\u00e9"),  # NFC
    ],
)
def test_clean_text(raw, single_line, clean):
    assert clean_text(raw, single_line=single_line) == clean


def test_events_are_cleaned_where_they_are_built():
    who = E.LearnerRef("slack", "T1", "U1\x00", display_name="Eve\u202e\x00\nX")
    assert who.user == "U1" and who.display_name == "Eve X"
    ask = E.Ask(who, text="what is\x00 DPO\ud800?", where=E.ClassRef("slack", "T1", "C1", "cl\u202eass"))
    assert ask.text == "what is DPO\ufffd?" and ask.where is not None and ask.where.name == "class"
    assert E.Privacy(who, mode="pseudonym", name="\u202eNUL\x00Man\n").name == "NULMan"


def test_nul_and_overrides_on_both_databases(course, retriever, db_url, clock):
    from bot.storage import Store, make_engine

    engine = make_engine(db_url)
    tutor = Tutor(course, Store(engine), retriever, clock=clock)
    ada = E.LearnerRef("slack", "T1", "U0ADA", display_name="Ada\x00\u202e")
    room = E.ClassRef("slack", "T1", "C1", "alignment")
    replies = tutor.handle(E.Privacy(ada, mode="pseudonym", name="Night\x00\u202eOwl"))
    assert "Something went wrong" not in replies[0].plain() and "NightOwl" in replies[0].plain()
    for text in ("what is\x00 RLHF?", "what is RLHF \ud800?"):
        answer = tutor.handle(E.Ask(ada, text=text, where=room))
        assert "Reinforcement Learning from Human Feedback" in " ".join(r.plain() for r in answer)
    tutor.handle(E.StartQuiz(ada, topic="reinforcement-learning-from-human-feedback-q2"))
    board = " ".join(r.plain() for r in tutor.handle(E.ShowLeaderboard(ada, where=room)))
    assert "Something went wrong" not in board
    engine.dispose()


def test_invalid_bytes_on_standard_input_are_replaced(tmp_path, embedder, retriever):
    """(`retriever` first: the course is embedded into the session cache the subprocess reads.)"""
    env = dict(os.environ)
    env["TUTOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env["TUTOR_CACHE_DIR"] = str(Path(embedder.path).parent)
    out = subprocess.run(
        [sys.executable, "-m", "tutor_cli", "chat", "--user", "zed"],
        input=b"what is \xff\xfe RLHF?\n/progress\n",
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    assert b"Traceback" not in out.stderr
    assert b"Reinforcement Learning from Human Feedback" in out.stdout and b"No answers yet" in out.stdout
