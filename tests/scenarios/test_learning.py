"""Learning, written once and run on every platform: a quiz answered by button and by typing, a double click,
/progress, a leaderboard that never shows another workspace's or platform's learners, and /forget-me."""

from __future__ import annotations

import re

from bot import events as E
from tests.scenarios.driver import (
    CHANNEL,
    DM,
    PRIVATE,
    Driver,
    Seen,
    answer_right_in,
    names_in,
    text,
    with_choice,
)


def single_choice(driver: Driver, skip: int = 0) -> str:
    return [q.id for q in driver.tutor.course.questions.values() if q.type == "single_choice"][skip]


def quiz(driver: Driver, qid: str, user: str = "ada") -> Seen:
    """/quiz in the user's DM: a personal question, with a button per choice."""
    seen = driver.command("quiz", qid, user=user, place=DM)
    question = with_choice(seen, "A")
    assert {"A", "B", "Hint", "Skip"} <= set(question.choices)
    return question


def plain(said: str) -> str:
    """Text without the platforms' emphasis marks, for comparing with the course's own words."""
    return re.sub(r"[*_`]", "", said)


def attempts(driver: Driver, user: str) -> int:
    learner = driver.store.find_learner(*_key(driver.learner(user)))
    return len(driver.store.attempts_of(learner.id)) if learner else 0


def _key(ref: E.LearnerRef) -> tuple[str, str, str]:
    return ref.platform, ref.workspace, ref.user


def test_a_quiz_answered_by_button_gets_feedback_with_the_explanation(driver):
    qid = single_choice(driver)
    question = quiz(driver, qid)
    assert plain(driver.tutor.course.questions[qid].prompt)[:40] in plain(question.text)
    right = driver.right_answer(question)
    said = text(driver.click(question, right))
    assert "Correct" in said and "+15 points" in said
    q = driver.tutor.course.questions[qid]
    explanation = next(o.explanation for o in q.options if o.correct)
    assert plain(explanation)[:40] in plain(said), said
    assert attempts(driver, "ada") == 1


def test_a_bare_answer_typed_in_the_dm_is_the_answer(driver):
    if not driver.typed_answers:
        return
    forwarded = driver.store.forwarded_count()
    question = quiz(driver, single_choice(driver, 1))
    said = text(driver.say(driver.right_answer(question), place=DM))
    assert "Correct" in said
    assert driver.store.forwarded_count() == forwarded and attempts(driver, "ada") == 1


def test_a_wrong_answer_is_explained(driver):
    qid = single_choice(driver, 2)
    question = quiz(driver, qid)
    wrong = next(k for k in "ABCD" if k != driver.right_answer(question))
    said = text(driver.click(question, wrong))
    assert "Correct" not in said
    q = driver.tutor.course.questions[qid]
    assert all(plain(o.explanation)[:30] in plain(said) for o in q.options), said


def test_a_double_click_is_answered_once(driver):
    question = quiz(driver, single_choice(driver, 3))
    right = driver.right_answer(question)
    assert "Correct" in text(driver.click(question, right))
    wrong = next(k for k in "ABCD" if k != right)
    again = text(driver.click(question, wrong))
    assert "Correct" not in again and "points" not in again
    assert re.search(r"already answered|no open question", again), again
    assert attempts(driver, "ada") == 1


def test_progress_after_an_attempt_is_shown_to_the_learner_alone(driver):
    qid = single_choice(driver, 4)
    question = quiz(driver, qid)
    driver.click(question, driver.right_answer(question))
    seen = driver.command("progress", place=CHANNEL)
    said = text(seen)
    concept = driver.tutor.course.concepts[driver.tutor.course.questions[qid].concept_id].title
    assert re.search(r"progress of ada", said, re.IGNORECASE) and "15 points" in said
    assert concept[:30] in said
    assert all(s.visibility == PRIVATE and s.to == "ada" for s in seen)


def test_the_leaderboard_never_shows_another_workspaces_or_platforms_learners(driver):
    topic = single_choice(driver, 5)
    answer_right_in(driver.tutor, driver.learner("ada"), driver.room(), topic)
    zed, zeds_class = driver.elsewhere("zed")  # this platform, another workspace (team, server)
    answer_right_in(driver.tutor, zed, zeds_class, topic)
    answer_right_in(driver.tutor, zed, None, single_choice(driver, 6))
    yan = E.LearnerRef("teams", "W1", "U0YAN", "yan")  # another platform altogether
    answer_right_in(driver.tutor, yan, E.ClassRef("teams", "W1", "C1", "cs-101"), topic)
    answer_right_in(driver.tutor, yan, None, single_choice(driver, 6))

    board = driver.command("leaderboard", user="bob", place=CHANNEL)
    assert names_in(board, "ada", "zed", "yan") == {"ada"}, text(board)
    for period in ("week", ""):
        for user in ("ada", "bob"):
            seen = driver.command("leaderboard", period, user=user, place=DM)
            assert not names_in(seen, "zed", "yan"), text(seen)


def test_forget_me_asks_first_and_deletes_on_confirmation(driver):
    answer_right_in(driver.tutor, driver.learner("ada"), None, single_choice(driver, 7))
    seen = driver.command("forget-me", place=CHANNEL)
    prompt = with_choice(seen, "Delete everything")
    assert "Keep my data" in prompt.choices and all(s.visibility == PRIVATE for s in seen)
    assert driver.store.find_learner(*_key(driver.learner("ada"))) is not None  # asking deletes nothing

    bobs = text(driver.command("forget-me", user="bob", place=CHANNEL))  # bob has nothing kept
    assert "keeps nothing about you" in bobs

    done = text(driver.click(prompt, "Delete everything"))
    assert "everything about you is deleted (1 answer)" in done
    assert driver.store.find_learner(*_key(driver.learner("ada"))) is None


def test_hint_idk_and_give_up_in_plain_words_are_quiz_moves_not_questions(driver):
    forwarded = driver.store.forwarded_count()
    assert "no open question" in text(driver.say("can i get a hint")).lower()
    quiz(driver, single_choice(driver, 7))
    hint = text(driver.say("im kinda stuck on this one, any tips?"))  # about the open question
    assert hint.startswith("Hint") and "not sure" not in hint, hint
    unsure = text(driver.say("hmm i dont know"))
    assert "/hint" in unsure and "/skip" in unsure, unsure
    given_up = text(driver.say("i give up"))
    assert "Skipped" in given_up and "Nothing was recorded" in given_up, given_up
    another = driver.say("another one")  # just quizzed: one more question
    assert any(s.choices for s in another), text(another)
    assert attempts(driver, "ada") == 0 and driver.store.forwarded_count() == forwarded


def test_asking_to_be_quizzed_in_plain_words_puts_a_question(driver):
    forwarded = driver.store.forwarded_count()
    nothing_open = text(driver.say("B"))  # a bare answer with no question open is not a course question
    assert "no open question" in nothing_open.lower() and "not sure" not in nothing_open, nothing_open
    dpo = driver.tutor.course.concepts["direct-preference-optimization"].title
    asked = text(driver.say("quiz me on dpo"))
    assert f"Question ({dpo})" in plain(asked) or dpo in plain(asked), asked
    driver.say("i give up")
    driver.say("what is a reward model?")
    again = text(driver.say("ok quiz me on it"))  # "it": the concept the last answer was about
    rm = driver.tutor.course.concepts["reward-models-as-human-expert-proxies-in-llm-alignment"].title
    assert rm in plain(again), again
    assert driver.store.forwarded_count() == forwarded


def test_why_after_a_quiz_answer_is_about_that_question(driver):
    forwarded = driver.store.forwarded_count()
    qid = single_choice(driver, 8)
    question = quiz(driver, qid)
    wrong = next(k for k in "ABCD" if k != driver.right_answer(question))
    driver.click(question, wrong)
    concept = driver.tutor.course.concepts[driver.tutor.course.questions[qid].concept_id].title
    why = text(driver.say("why?"))  # before, no answer to lean on: "ask again with its name"
    assert concept[:30] in plain(why) and "not sure" not in why, why
    assert driver.store.forwarded_count() == forwarded


def test_a_run_on_message_or_a_few_words_of_another_language_still_make_the_move(driver):
    forwarded = driver.store.forwarded_count()
    quiz(driver, single_choice(driver, 7))
    hint = text(
        driver.say(
            "ok so i have read this question four times on the tram home and nothing clicks, could you point "
            "me somewhere useful"
        )
    )
    assert hint.startswith("Hint"), hint
    given_up = text(driver.say("me rindo, cuál era la respuesta?"))
    assert "Skipped" in given_up, given_up
    asked = driver.say("finally home after a long shift and too tired to read, anyway now quiz me on dpo")
    dpo = driver.tutor.course.concepts["direct-preference-optimization"].title
    assert any(s.choices for s in asked) and dpo in plain(text(asked)), text(asked)
    driver.say("/skip")
    progress = text(driver.say("como estou indo?"))
    assert "not sure" not in progress and ("No answers yet" in progress or "Progress of" in progress), (
        progress
    )
    assert attempts(driver, "ada") == 0 and driver.store.forwarded_count() == forwarded


def test_which_one_after_a_comparison_leans_on_it_and_is_no_request_to_study(driver):
    driver.say("dpo vs rlhf?")
    picked = text(driver.say("so which one should i pick"))
    assert "Direct Preference Optimization" in plain(picked), picked
    assert not picked.startswith(("Learn next", "This course is")), picked
