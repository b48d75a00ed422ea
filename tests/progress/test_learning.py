"""Spaced repetition, weeks and streaks across time zones, privacy, the learner's data, instructor tools."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import replies as R
from bot.progress import spaced
from bot.progress.report import participation, question_stats, week_start
from bot.retrieval import Retriever


@pytest.mark.parametrize(
    ("correct", "score", "qtype", "rating"),
    [
        (True, 1.0, "single_choice", 3),
        (False, 0.0, "matching", 1),
        (False, 0.95, "open_ended", 4),
        (True, 0.6, "open_ended", 3),
        (False, 0.5, "open_ended", 2),
        (False, 0.2, "open_ended", 1),
    ],
)
def test_rating(correct, score, qtype, rating):
    assert spaced.rating_for(correct, score, qtype) == rating


def test_fsrs_intervals_grow_and_a_lapse_resets():
    t = datetime(2026, 11, 2, 9, tzinfo=UTC)
    card, due = spaced.review("", 3, t)
    assert due - t == timedelta(days=2)
    card, due2 = spaced.review(card, 3, due)
    assert due2 - due > timedelta(days=7)  # the second interval is much longer
    card, due3 = spaced.review(card, 1, due2)
    assert due3 - due2 <= timedelta(days=2) < due2 - due  # forgotten: back within two days


def test_mastery_holds_until_due_then_fades():
    t = datetime(2026, 11, 2, 9, tzinfo=UTC)
    card, due = spaced.review("", 3, t)
    assert spaced.mastery(0.75, card, t + timedelta(hours=1)) == 0.75
    assert spaced.mastery(0.75, card, due - timedelta(hours=1)) == pytest.approx(0.75, abs=0.01)
    assert spaced.mastery(0.75, card, due + timedelta(days=20)) < 0.6


@pytest.mark.parametrize(
    ("now", "tz", "start"),
    [
        # Sunday 23:30 UTC is already Monday 08:30 in Tokyo: a new week there, not in London.
        (datetime(2026, 11, 8, 23, 30, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 11, 8, 15, 0, tzinfo=UTC)),
        (datetime(2026, 11, 8, 23, 30, tzinfo=UTC), "Europe/London", datetime(2026, 11, 2, 0, 0, tzinfo=UTC)),
        # Monday 03:00 UTC is still Sunday evening in New York: the old week goes on there.
        (
            datetime(2026, 11, 9, 3, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        ),
        (datetime(2026, 11, 9, 3, 0, tzinfo=UTC), "UTC", datetime(2026, 11, 9, 0, 0, tzinfo=UTC)),
    ],
)
def test_week_starts_monday_in_the_class_time_zone(now, tz, start):
    assert week_start(now, tz) == start


def test_question_stats_and_participation():
    stats = question_stats([("q1", "B", True), ("q1", "C", False), ("q1", "C", False), ("q2", "A", True)])
    assert stats[0].question_id == "q1" and stats[0].top_wrong == "C" and stats[0].top_wrong_count == 2
    series = participation([datetime(2026, 11, 2).date()] * 3, datetime(2026, 11, 3).date(), span=3)
    assert [n for _, n in series] == [0, 3, 0]


def answer_right(bot, topic, user=None):
    bot.say(f"/quiz {topic}", user=user)
    bot.say(f"/answer {bot.right_answer(user)}", user=user)
    assert bot.feedback().correct


def test_review_serves_what_is_due_over_simulated_days(tutorbot, clock):
    assert "Nothing to review yet" in tutorbot.say("/review")[0].plain()
    answer_right(tutorbot, "dpo")
    assert "next review is due" in tutorbot.say("/review")[0].plain()
    clock.advance(days=2, minutes=1)
    replies = tutorbot.say("/review")
    assert "Review: *Direct Preference Optimization (DPO)* is due" in replies[0].plain()
    assert tutorbot.question().concept_id == "direct-preference-optimization"
    # a wrong review answer brings it back the next day
    q = tutorbot.question()
    wrong = (
        next(c.key for c in q.choices if c.key != tutorbot.right_answer())
        if q.type == "single_choice"
        else "x"
    )
    tutorbot.say(f"/answer {wrong}")
    progress = tutorbot.tutor.progress_report(tutorbot.store.learner(tutorbot.app().learner).id)
    due = datetime.fromisoformat(progress["concepts"][0]["due"])
    assert due - clock.now <= timedelta(days=1, minutes=1)


def test_streak_counts_days_in_the_learners_time_zone(tutorbot, clock):
    tutorbot.say("/timezone America/Los_Angeles")
    clock.now = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)  # Nov 2, 23:00 in Los Angeles
    answer_right(tutorbot, "dpo")
    clock.now = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # Nov 3, 01:00 there: a new day, two hours later
    answer_right(tutorbot, "rlhf")
    report = tutorbot.tutor.progress_report(tutorbot.store.learner(tutorbot.app().learner).id)
    assert report["streak"] == 2
    clock.now = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)  # Nov 4 missed
    report = tutorbot.tutor.progress_report(tutorbot.store.learner(tutorbot.app().learner).id)
    assert report["streak"] == 0


def test_weekly_leaderboard_resets_monday_in_the_class_zone(tutorbot, clock):
    tutorbot.say("/class-timezone Asia/Tokyo", user="prof")
    clock.now = datetime(2026, 11, 8, 14, 0, tzinfo=UTC)  # Sunday 23:00 in Tokyo
    answer_right(tutorbot, "dpo", user="ada")
    clock.now = datetime(2026, 11, 8, 16, 0, tzinfo=UTC)  # Monday 01:00 in Tokyo
    answer_right(tutorbot, "rlhf", user="bob")
    week = next(r for r in tutorbot.say("/leaderboard week", user="bob") if isinstance(r, R.Table))
    assert [row[1] for row in week.rows] == ["bob"]
    everyone = next(r for r in tutorbot.say("/leaderboard", user="bob") if isinstance(r, R.Table))
    assert {row[1] for row in everyone.rows} == {"ada", "bob"}


def test_privacy_hidden_and_pseudonym(tutorbot):
    answer_right(tutorbot, "dpo", user="ada")
    answer_right(tutorbot, "rlhf", user="bob")
    tutorbot.say("/privacy pseudonym Night Owl", user="ada")
    tutorbot.say("/privacy hidden", user="bob")
    board = next(r for r in tutorbot.say("/leaderboard", user="bob") if isinstance(r, R.Table))
    names = [row[1] for row in board.rows]
    assert names == ["Night Owl"] and "ada" not in tutorbot.text()
    assert "left the leaderboards" in board.note
    assert "Use /privacy" in tutorbot.say("/privacy sideways")[0].plain()


def test_no_answer_leaks_while_a_round_is_open(tutorbot):
    tutorbot.say("/round reinforcement-learning-from-human-feedback-q1", user="prof")
    replies = tutorbot.say("what is RLHF?", user="ada")
    assert "round" in replies[0].plain() and "hint" in replies[0].plain().lower()
    assert not any(isinstance(r, R.Passage) for r in replies)
    assert any(
        isinstance(r, R.Passage) for r in tutorbot.say("what is DPO?", user="ada")
    )  # other concepts: fine
    tutorbot.say("/close", user="prof")
    assert any(isinstance(r, R.Passage) for r in tutorbot.say("what is RLHF?", user="ada"))


def test_my_data_and_forget_me(tutorbot):
    answer_right(tutorbot, "dpo", user="bob")
    answer_right(tutorbot, "dpo")
    tutorbot.say("/ask when is the final exam?")
    file = tutorbot.say("/my-data")[0]
    assert isinstance(file, R.File)
    data = json.loads(file.data)
    assert len(data["attempts"]) == 1 and data["questions_forwarded"][0]["text"] == "when is the final exam?"
    [ask] = tutorbot.say("/forget-me")
    assert isinstance(ask, R.Confirm) and ask.action == "forget-me"  # typed: adapters never parse the words
    assert "/forget-me confirm" in tutorbot.text([ask])  # the console's way to say yes
    assert tutorbot.store.attempt_count() == 2  # nothing deleted without confirmation
    assert "deleted (1 answer)" in tutorbot.say("/forget-me confirm")[0].plain()
    assert tutorbot.store.attempt_count() == 1 and tutorbot.store.inbox() == []  # bob's answer stays
    for period in ("week", "all"):  # gone from the class's standings too: bob ranks first of one
        board = next(r for r in tutorbot.say(f"/leaderboard {period}", user="bob") if isinstance(r, R.Table))
        assert [row[1] for row in board.rows] == ["bob"] and "#1 of 1" in board.note


@pytest.mark.parametrize(
    "command",
    [
        "/class-report",
        "/inbox",
        "/inbox answer 1 hi",
        "/inbox add 1",
        "/inbox dismiss 1",
        "/class-timezone Europe/Paris",
    ],
)
def test_instructor_commands_refuse_students(tutorbot, command):
    answer_right(tutorbot, "dpo", user="bob")
    tutorbot.say("/ask when is the final exam?", user="bob")
    replies = tutorbot.say(command, user="ada")
    assert len(replies) == 1 and "for instructors" in replies[0].plain()
    assert "bob" not in tutorbot.text() and "final exam" not in tutorbot.text()


def test_class_report(tutorbot):
    answer_right(tutorbot, "dpo", user="ada")
    q = next(
        q
        for q in tutorbot.tutor.course.questions.values()
        if q.type == "single_choice" and q.concept_id == "reinforcement-learning-from-human-feedback"
    )
    tutorbot.say(f"/quiz {q.id}", user="bob")
    right = tutorbot.right_answer("bob")
    tutorbot.say(f"/answer {'A' if right != 'A' else 'B'}", user="bob")
    assert not tutorbot.feedback().correct
    replies = tutorbot.say("/class-report", user="prof")
    images = [r for r in replies if isinstance(r, R.Image)]
    assert [i.filename for i in images] == ["class-mastery.png", "participation.png"]
    assert all(i.data.startswith(b"\x89PNG") for i in images)
    table = next(r for r in replies if isinstance(r, R.Table))
    assert len(table.rows) == 2 and table.headers[-1] == "most chosen wrong"
    assert table.rows[0][1] == "0/1" and table.rows[0][3].endswith("(1)")  # the hardest first, its wrong pick


def test_class_report_counts_answers_per_day_in_the_class_zone(tutorbot, clock):
    tutorbot.say("/class-timezone Asia/Kolkata", user="prof")  # UTC+05:30: midnight at 18:30 UTC
    for user, when in (
        ("ada", datetime(2026, 11, 8, 18, 20, tzinfo=UTC)),  # Sunday 23:50 there
        ("bob", datetime(2026, 11, 8, 18, 35, tzinfo=UTC)),  # Monday 00:05 there
        ("cy", datetime(2026, 11, 9, 9, 0, tzinfo=UTC)),  # Monday 14:30 there
    ):
        clock.now = when
        answer_right(tutorbot, "dpo", user=user)
    clock.now = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    replies = tutorbot.say("/class-report", user="prof")
    chart = next(r for r in replies if isinstance(r, R.Image) and r.filename == "participation.png")
    assert chart.alt.endswith("11-08 1, 11-09 2")


def test_inbox_answer_becomes_part_of_the_course(course, embedder, sqlite_url, clock):
    # a retriever of its own: /inbox add puts a passage into the index, which the session's shared retriever
    # must not keep ("when is the midterm exam?" would then be answered, not forwarded, in later tests)
    from tests.tutorbot import TutorBot

    tutorbot = TutorBot(course, Retriever(course, embedder), sqlite_url, clock)
    question = "what does the acronym HHH stand for in model evaluation rubrics at my company?"
    tutorbot.say("/ask when is the midterm exam?", user="ada")
    items = tutorbot.store.inbox()
    assert items and items[0].text == "when is the midterm exam?"
    listed = tutorbot.say("/inbox", user="prof")[0]
    assert isinstance(listed, R.Table) and listed.rows[0][1:3] == ("asked once", "ada")
    item = items[0].id
    assert "answer" in tutorbot.say(f"/inbox add {item}", user="prof")[0].plain()  # answer first
    tutorbot.say(
        f"/inbox answer {item} The midterm exam is in week 7, on the Monday lecture slot.", user="prof"
    )
    tutorbot.say(f"/inbox add {item} llm-alignment", user="prof")
    assert "Added to the course" in tutorbot.text()
    assert tutorbot.store.inbox() == []
    replies = tutorbot.say("when is the midterm exam?", user="bob")
    passage = next(r for r in replies if isinstance(r, R.Passage))
    assert "week 7" in passage.excerpt
    del question
    tutorbot.engine.dispose()


def test_digest_once_a_day_outside_quiet_hours(tutorbot, clock):
    answer_right(tutorbot, "dpo")
    tutorbot.say("/digest on 22-8")
    tutorbot.say("/timezone Europe/Berlin")
    assert tutorbot.tutor.digests() == []  # nothing due yet
    clock.now = datetime(2026, 11, 4, 22, 30, tzinfo=UTC)  # due; 23:30 in Berlin: quiet hours
    assert tutorbot.tutor.digests() == []
    clock.now = datetime(2026, 11, 5, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    sent = tutorbot.tutor.digests()
    assert len(sent) == 1 and sent[0][0].user == "ada" and "/review" in sent[0][1][0].plain()
    assert tutorbot.tutor.digests() == []  # once a day
    tutorbot.say("/digest off")
    clock.advance(days=1)
    assert tutorbot.tutor.digests() == []


def test_round_results_respect_privacy(tutorbot):
    """The scores posted when a round closes name nobody who chose /privacy hidden, and show pseudonyms."""
    tutorbot.say("/privacy hidden", user="bob")
    tutorbot.say("/privacy pseudonym Night\x00 Owl\u202e", user="cy")
    [question] = [
        r
        for r in tutorbot.say("/round reinforcement-learning-from-human-feedback-q2", user="prof")
        if isinstance(r, R.Question)
    ]
    right = tutorbot.right_answer_for_session(question.session_id)
    for user in ("ada", "bob", "cy"):
        tutorbot.say(f"/answer {right}", user=user)
    [result] = [r for r in tutorbot.say("/close", user="prof") if isinstance(r, R.RoundResult)]
    names = [row[0] for row in result.scores]
    assert sorted(names) == ["Night Owl", "ada"]  # bob answered, and is counted, but not named
    assert result.answered == 3
    shown = tutorbot.text([result])
    assert "Night Owl" in shown and "bob:" not in shown and "cy:" not in shown


def test_one_open_round_a_channel_and_clicks_checked_against_the_round(tutorbot):
    """A replayed or repeated /quiz opens no second round for a student (an instructor may open more),
    and a (forged) close naming another channel's round closes nothing and reveals nothing."""
    from bot import events as E

    tutor = tutorbot.tutor
    eve = E.LearnerRef("slack", "T1", "U0EVE", display_name="eve")
    prof = E.LearnerRef("slack", "T1", "U0PROF", display_name="prof", is_instructor=True)
    a = E.ClassRef("slack", "T1", "C0A", "class-a")
    b = E.ClassRef("slack", "T1", "C0B", "class-b")
    [first] = [r for r in tutor.handle(E.StartRound(eve, topic="dpo", where=a)) if isinstance(r, R.Question)]
    again = tutor.handle(E.StartRound(eve, topic="dpo", where=a))
    assert not any(isinstance(r, R.Question) for r in again) and "already open" in again[0].plain()
    assert any(isinstance(r, R.Question) for r in tutor.handle(E.StartRound(prof, topic="rlhf", where=a)))
    forged = tutor.handle(E.CloseRound(eve, session_id=first.session_id, where=b))
    assert not any(isinstance(r, R.RoundResult) for r in forged) and "no open round" in forged[0].plain()
    closed = tutor.handle(E.CloseRound(eve, session_id=first.session_id, where=a))  # its own channel: closes
    assert any(isinstance(r, R.RoundResult) for r in closed)
