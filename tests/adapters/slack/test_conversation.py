"""A conversation in a channel through the real Bolt app: each mention's thread is a conversation of its own
(Slack's threads; the follow-ups, thanks and typed answers every platform shares are in tests/scenarios)."""

from __future__ import annotations

from tests.adapters.slack.harness import CLASS

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
