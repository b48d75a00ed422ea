"""A conversation through the real Bolt app: a question, its follow-ups in the same thread or DM, thanks, and a
quiz answered in plain text, as a student talks to a tutor (#11)."""

from __future__ import annotations

from bot import events as E
from bot import replies as R
from tests.adapters.slack.harness import CLASS, STUDENTS, right_answer

NOT_SURE = "not sure"


def posts(slack, n: int):
    return slack.api.wait_for("chat.postMessage", count=n)


def test_a_follow_up_in_the_answers_thread_continues_it_and_another_thread_does_not(slack):
    slack.mention("what is RLHF?", ts="1762080000.000100")
    [first] = posts(slack, 1)
    assert first.args["thread_ts"] == "1762080000.000100"
    assert "Reinforcement Learning from Human Feedback" in first.texts()
    # "why?" in the answer's thread is about RLHF, not a question for the instructors
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ADA",
            "text": f"<@{slack.api.bot_user_id}> why?",
            "ts": "1762080010.000200",
            "thread_ts": "1762080000.000100",
            "channel": CLASS[0],
        }
    )
    why = posts(slack, 2)[-1]
    assert why.args["thread_ts"] == "1762080000.000100"
    assert NOT_SURE not in why.texts() and "Reinforcement Learning from Human Feedback" in why.texts()
    # thanks: a short friendly reply, never the inbox
    slack.mention("thanks, that helps", ts="1762080020.000300")
    thanks = posts(slack, 3)[-1]
    assert "welcome" in thanks.texts().lower()
    # "why?" at the top of the channel starts a thread of its own: nothing before it to lean on
    slack.mention("why?", ts="1762080030.000400")
    alone = posts(slack, 4)[-1]
    assert alone.args["thread_ts"] == "1762080030.000400"
    assert "Reinforcement Learning from Human Feedback" not in alone.texts()
    assert "ask again with its name" in alone.texts()
    assert slack.tutor.store.inbox() == []


def test_a_dm_conversation_follows_up_says_thanks_and_takes_a_plain_text_answer(slack):
    slack.direct_message("what is direct preference optimization?")
    [first] = posts(slack, 1)
    assert first.args["channel"] == "D0ADA" and "Direct Preference Optimization" in first.texts()
    slack.direct_message("give me an example")
    example = posts(slack, 2)[-1]
    assert NOT_SURE not in example.texts() and "Direct Preference Optimization" in example.texts()
    slack.direct_message("ok thanks!")
    assert "welcome" in posts(slack, 3)[-1].texts().lower()
    # a question is open in the DM: a bare answer typed as a message is taken as the answer
    cid = "reinforcement-learning-from-human-feedback"
    qid = next(q.id for q in slack.tutor.course.questions_of(cid) if q.type == "single_choice")
    learner = E.LearnerRef("slack", slack.api.team_id, "U0ADA", STUDENTS["U0ADA"])
    [question] = [r for r in slack.tutor.handle(E.StartQuiz(learner, topic=qid)) if isinstance(r, R.Question)]
    sid = question.session_id
    slack.direct_message(right_answer(slack.tutor, sid))
    fed = posts(slack, 4)[-1]
    assert "Correct" in fed.texts() or "correct" in fed.texts().lower()
    assert slack.tutor.store.inbox() == []
