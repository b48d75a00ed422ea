"""Points and mastery that mean something (issue #12, item 4): an answer the learner has seen within the
question's review interval is practice, mastery counts first attempts, a failed open-ended answer keeps the
rubric back, a wrong answer makes its concept due for /review. Each exploit the issue measured, replayed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import replies as R
from bot.progress import practice, spaced
from bot.quiz.open_ended import COPY_SHARE, copied_share

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EVAL = Path(__file__).resolve().parents[2] / "eval"
OPEN = "ai-alignment-in-robotics-q5"  # open-ended, 4 rubric points; the held-out set's partial answer covers one


def seen(minutes: float, how: str = practice.ANSWERED) -> practice.Seen:
    return practice.Seen(T0 + timedelta(minutes=minutes), how)


@pytest.mark.parametrize(
    ("history", "scheduled", "now", "why", "earns"),
    [
        ([], None, T0, "", True),
        ([seen(0, practice.SKIPPED)], None, T0 + timedelta(minutes=5), "revealed", False),
        ([seen(0, practice.ROUND)], None, T0 + timedelta(hours=23), "revealed", False),
        ([seen(0, practice.SKIPPED)], None, T0 + timedelta(days=1), "", True),  # the interval is over
        # the interval runs to the concept's next scheduled review when that is further than a day
        ([seen(0)], T0 + timedelta(days=3), T0 + timedelta(days=2), "revealed", False),
        ([seen(0)], T0 + timedelta(days=3), T0 + timedelta(days=3), "", True),
        # a failed open-ended attempt shows no answer: a retry is practice for mastery, but may earn points
        ([seen(0, practice.TRIED)], None, T0 + timedelta(minutes=2), "repeat", True),
        (
            [seen(0, practice.TRIED), seen(1, practice.SKIPPED)],
            None,
            T0 + timedelta(minutes=2),
            "revealed",
            False,
        ),
        ([seen(-3000)], None, T0, "", True),  # seen two days ago, never reviewed since: counts
    ],
)
def test_verdict(history, scheduled, now, why, earns):
    v = practice.verdict(history, scheduled, now)
    assert (v.why, v.earns, v.counts) == (why, earns, why == "")


def test_a_wrong_answer_makes_the_concept_due_at_once_and_keeps_its_schedule():
    card, scheduled = spaced.review("", 1, T0)
    assert spaced.due_after(False, scheduled, T0) == T0  # /review serves it now
    assert spaced.scheduled_due(card) == scheduled == T0 + timedelta(days=1)  # FSRS's interval is kept
    assert spaced.due_after(True, scheduled, T0) == scheduled


def test_copied_share_tells_pasted_rubrics_from_answers_in_own_words(course):
    """Every hand-written answer of the grading sets shares under COPY_SHARE of its word trigrams with the
    rubric and model answer; the rubric or the model answer pasted back, whole or reordered, shares more."""
    honest = []
    for name in ("grading.jsonl", "grading-dev.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            q = course.questions[row["question_id"]]
            honest.append(copied_share(row["answer"], [*q.rubric, q.model_answer, q.explanation]))
    assert len(honest) > 250 and max(honest) < COPY_SHARE
    for q in (q for q in course.questions.values() if q.type == "open_ended"):
        sources = [*q.rubric, q.model_answer, q.explanation]
        for paste in (" ".join(q.rubric), " ".join(reversed(q.rubric)), q.model_answer):
            assert copied_share(paste, sources) >= COPY_SHARE, q.id


# -- the exploits the issue measured, through the console adapter ----------------------------------------


def learner_id(bot, user=None) -> int:
    return bot.store.learner(bot.app(user).learner).id or 0


def mastery(bot, concept_id: str, user=None) -> float:
    row = bot.store.progress_of(learner_id(bot, user)).get(concept_id)
    return row.mastery if row else 0.0


def points(bot, user=None) -> int:
    return sum(a.points for a in bot.store.attempts_of(learner_id(bot, user)))


def single_choice(course, n: int = 0):
    return [q for q in course.questions.values() if q.type == "single_choice"][n]


def wrong_key(bot) -> str:
    right = bot.right_answer()
    return next(c.key for c in bot.question().choices if c.key != right)


def test_skip_then_answer_earns_nothing(tutorbot, clock, course):
    """The issue: /quiz X, /skip (the answer is shown), /quiz X, /answer B gave +15 points and 50% mastery."""
    q = single_choice(course)
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say("/skip")
    assert tutorbot.feedback().skipped
    clock.advance(minutes=3)
    served = tutorbot.say(f"/quiz {q.id}")
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    fb = tutorbot.feedback()
    assert fb.correct and fb.points == 0
    assert "You saw this answer 3 minutes ago (you skipped it): practice only, no points" in served[0].plain()
    assert "practice only, no points" in tutorbot.text()
    assert points(tutorbot) == 0 and mastery(tutorbot, q.concept_id) == 0.0
    board = next(r for r in tutorbot.say("/leaderboard") if isinstance(r, R.Table))
    assert all(row[2] == "0" for row in board.rows)
    # a day later the interval is over: the answer counts again (no first-try bonus: it was tried)
    clock.advance(days=1, minutes=1)
    assert not any("You saw this answer" in r.plain() for r in tutorbot.say(f"/quiz {q.id}"))
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    assert tutorbot.feedback().points == 10 and mastery(tutorbot, q.concept_id) == 0.5


def test_wrong_then_right_and_right_again_earn_nothing_within_the_interval(tutorbot, clock, course):
    q, other = single_choice(course, 0), single_choice(course, 1)
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say(f"/answer {wrong_key(tutorbot)}")  # the feedback shows the right answer
    clock.advance(minutes=1)
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    assert tutorbot.feedback().points == 0 and mastery(tutorbot, q.concept_id) == 0.0
    # answering right and answering the same question right again: the second is practice
    tutorbot.say(f"/quiz {other.id}")
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    assert tutorbot.feedback().points == 15
    first = mastery(tutorbot, other.concept_id)
    for _ in range(3):
        clock.advance(minutes=1)
        tutorbot.say(f"/quiz {other.id}")
        tutorbot.say(f"/answer {tutorbot.right_answer()}")
        assert tutorbot.feedback().points == 0
    assert mastery(tutorbot, other.concept_id) == first and points(tutorbot) == 15


def test_a_closed_rounds_results_make_the_question_practice_for_the_class(tutorbot, clock, course):
    q = single_choice(course, 2)
    [shown] = [r for r in tutorbot.say(f"/round {q.id}", user="prof") if isinstance(r, R.Question)]
    right = tutorbot.right_answer_for_session(shown.session_id)
    tutorbot.say(f"/answer {right}", user="ada")
    tutorbot.say("/close", user="prof")
    clock.advance(minutes=10)
    for user in ("ada", "bob"):  # bob answered nothing, but the results were posted in his channel
        served = tutorbot.say(f"/quiz {q.id}", user=user)
        assert "ago (" in served[0].plain() and "practice only" in served[0].plain(), user
        tutorbot.say(f"/answer {tutorbot.right_answer(user)}", user=user)
        assert tutorbot.feedback().points == 0, user
    assert points(tutorbot, "ada") == 15 and points(tutorbot, "bob") == 0
    assert mastery(tutorbot, q.concept_id, "bob") == 0.0


def test_a_round_on_a_question_just_skipped_earns_nothing(tutorbot, clock, course):
    q = single_choice(course, 3)
    tutorbot.say(f"/quiz {q.id}", user="ada")
    tutorbot.say("/skip", user="ada")
    [shown] = [r for r in tutorbot.say(f"/round {q.id}", user="prof") if isinstance(r, R.Question)]
    ack = tutorbot.say(f"/answer {tutorbot.right_answer_for_session(shown.session_id)}", user="ada")
    assert "You saw this answer" in ack[0].plain()
    [result] = [r for r in tutorbot.say("/close", user="prof") if isinstance(r, R.RoundResult)]
    assert result.scores == (("ada", "right", 0),)


def open_answers(kind: str) -> str:
    for line in (EVAL / "grading.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["question_id"] == OPEN and row["kind"] == kind:
            return row["answer"]
    raise LookupError(kind)


def test_open_ended_paste_back_does_not_raise_mastery(tutorbot, clock, course):
    """The issue: re-asking a failed open-ended question and pasting back the rubric points printed after
    the first attempt moved mastery 25% -> 62% -> 81%."""
    q = course.questions[OPEN]
    tutorbot.say(f"/quiz {q.id}")
    replies = tutorbot.say(f"/answer {open_answers('partial')}")
    fb = tutorbot.feedback()
    assert not fb.correct and 0 < fb.score < 0.6  # a partial answer: some points, short of the pass mark
    shown = tutorbot.text(replies) + "".join(r.plain() for r in replies)
    assert not any(p in shown for p in q.rubric) and q.model_answer[:60] not in shown  # nothing to paste
    assert tutorbot.question().question_id == q.id  # a retry is put at once
    first = mastery(tutorbot, q.concept_id)
    assert first == pytest.approx(0.5 * fb.score)  # the first attempt counts, at half weight
    # giving up shows the key points and the model answer
    tutorbot.say("/skip")
    assert all(any(p in e for e in tutorbot.feedback().explanations) for p in q.rubric)
    pasted = " ".join(q.rubric)
    for wait in (timedelta(minutes=2), timedelta(days=30)):  # within the interval, and long after it
        clock.advance(seconds=wait.total_seconds())
        tutorbot.say(f"/quiz {q.id}")
        tutorbot.say(f"/answer {pasted}")
        assert tutorbot.feedback().correct  # the grader passes it: the rubric does cover the rubric
        assert tutorbot.feedback().points == 0, wait
        assert mastery(tutorbot, q.concept_id) == first, wait
    assert "repeats the key points and the strong answer you were shown" in tutorbot.text()
    assert points(tutorbot) == 0
    # in one's own words, in a new interval (the pasted answer's feedback showed the key points again), it counts
    clock.advance(days=2)
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say(f"/answer {open_answers('strong')}")
    assert tutorbot.feedback().correct and tutorbot.feedback().points == 10
    assert mastery(tutorbot, q.concept_id) > first


def test_open_ended_retry_in_own_words_earns_points_but_mastery_counts_the_first_attempt(tutorbot, course):
    q = course.questions[OPEN]
    tutorbot.say(f"/quiz {q.id}")
    tutorbot.say(f"/answer {open_answers('partial')}")
    first = mastery(tutorbot, q.concept_id)
    tutorbot.say(f"/answer {open_answers('strong')}")  # the retry the tutor offered
    fb = tutorbot.feedback()
    assert fb.correct and fb.points == 10  # earned: nothing was revealed
    assert mastery(tutorbot, q.concept_id) == first
    assert "mastery counts that first attempt" in tutorbot.text()


def test_review_serves_what_two_wrong_answers_made_due(tutorbot, clock, course):
    """The issue: /review said 'Nothing is due' right after two wrong answers."""
    concept = next(
        c
        for c in course.concepts
        if len([q for q in course.questions_of(c) if q.type == "single_choice"]) >= 3
    )
    first, second = [q for q in course.questions_of(concept) if q.type == "single_choice"][:2]
    for q in (first, second):
        tutorbot.say(f"/quiz {q.id}")
        tutorbot.say(f"/answer {wrong_key(tutorbot)}")
        assert not tutorbot.feedback().correct
        clock.advance(minutes=1)
    replies = tutorbot.say("/review")
    assert "is due" in replies[0].plain() and "Nothing is due" not in tutorbot.text()
    served = tutorbot.question()
    assert served.concept_id == concept
    assert served.question_id not in (first.id, second.id)  # not one whose answer was just shown
    tutorbot.say(f"/answer {tutorbot.right_answer()}")
    assert tutorbot.feedback().points == 15  # a first attempt: it counts
