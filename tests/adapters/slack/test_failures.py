"""Web API failures: ratelimited (Retry-After), channel_not_found, not_in_channel. Each leaves a log line,
is retried where that makes sense, and never loses a student's attempt."""

from __future__ import annotations

import logging

from tests.adapters.slack.harness import CLASS, INSTRUCTOR, question_of_type, right_answer


def _round(slack, skip: int = 0):
    slack.command("/quiz", question_of_type(slack.tutor, "single_choice", skip=skip), user=INSTRUCTOR[0])
    return slack.round_question()


def test_rate_limited_feedback_waits_for_retry_after_and_is_sent(slack, caplog):
    message = _round(slack)
    slack.api.ratelimit("chat.postEphemeral", retry_after=1)
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        slack.click(message, text="A", user="U0ADA")
    calls = slack.api.of("chat.postEphemeral")
    assert [c.error for c in calls] == ["ratelimited", ""]
    assert "Got it: A is recorded" in calls[1].texts() and calls[1].args["user"] == "U0ADA"
    assert "chat.postEphemeral rate limited; retrying in 1 s" in caplog.text
    assert slack.tutor.store.attempt_count() == 1


def test_rate_limits_on_the_round_post_are_retried(slack, caplog):
    slack.api.ratelimit("chat.postMessage", retry_after=1)
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        message = _round(slack)
    assert [c.error for c in slack.api.of("chat.postMessage")] == ["ratelimited", ""]
    assert "rate limited" in caplog.text
    slack.click(message, text="B", user="U0BOB")
    assert slack.tutor.store.attempt_count() == 1


def test_feedback_to_a_channel_not_found_goes_through_the_response_url(slack, caplog):
    message = _round(slack)
    slack.api.fail("chat.postEphemeral", "channel_not_found")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        _, key = slack.click(message, text="C", user="U0CY")
    assert "chat.postEphemeral in C0CLASS failed: channel_not_found" in caplog.text
    [fallback] = slack.responses(key)
    assert fallback.args["response_type"] == "ephemeral" and fallback.args["replace_original"] is False
    assert "Got it: C is recorded" in fallback.texts()
    learner = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0CY")
    assert [a.response for a in slack.tutor.store.attempts_of(learner.id)] == ["C"]


def test_feedback_when_not_in_channel_and_no_response_url_reaches_the_learner_by_dm(slack, caplog):
    """A written answer (modal) has no response_url: the feedback goes to the learner's DM with the app."""
    slack.command("/quiz", question_of_type(slack.tutor, "open_ended"), user=INSTRUCTOR[0])
    message = slack.round_question()
    slack.click(message, text="Write my answer", user="U0ADA")
    [opened] = slack.api.wait_for("views.open")
    slack.api.fail("chat.postEphemeral", "not_in_channel")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        slack.submit_view(
            opened.args["view"], "Alignment means the model follows human values and intent safely."
        )
    assert "chat.postEphemeral in C0CLASS failed: not_in_channel" in caplog.text
    [dm] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0ADA")
    assert "is recorded" in dm.texts()
    assert slack.tutor.store.attempt_count() == 1


def test_a_round_post_not_in_channel_joins_and_posts_again(slack, caplog):
    slack.api.fail("chat.postMessage", "not_in_channel")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        message = _round(slack)
    assert "chat.postMessage in C0CLASS failed: not_in_channel" in caplog.text
    assert [c.args["channel"] for c in slack.api.of("conversations.join")] == [CLASS[0]]
    assert [c.error for c in slack.api.of("chat.postMessage")] == ["not_in_channel", ""]
    slack.click(message, text="A", user="U0ADA")
    assert slack.tutor.store.attempt_count() == 1


def test_a_round_that_cannot_be_posted_is_closed_and_the_poster_told(slack, caplog):
    slack.api.fail("chat.postMessage", "not_in_channel")
    slack.api.fail("conversations.join", "method_not_supported_for_channel_type")  # a private channel
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        _, key = slack.command(
            "/quiz",
            question_of_type(slack.tutor, "single_choice"),
            user="U0ADA",
            channel=("G0PRIVATE", "secret"),
        )
    assert "conversations.join in G0PRIVATE failed: method_not_supported_for_channel_type" in caplog.text
    [told] = slack.responses(key)
    assert "couldn't post the round" in told.texts() and "/invite" in told.texts()
    assert slack.tutor.store.open_rounds() == []
    slack.tutor.clock.advance(seconds=600)
    assert slack.bot.close_due_rounds() == 0  # nothing left to close, nothing posted
    assert not slack.api.of("chat.postMessage", lambda c: "Round closed" in c.texts())


def test_results_that_cannot_be_posted_are_logged_and_the_answers_kept(slack, caplog):
    message = _round(slack, skip=1)
    sid = slack.session_of(message)
    slack.click(message, text=right_answer(slack.tutor, sid), user="U0ADA")
    slack.click(message, text="A", user="U0BOB")
    slack.tutor.clock.advance(seconds=121)
    slack.api.fail("chat.postMessage", "channel_not_found")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        assert slack.bot.close_due_rounds() == 1
    assert f"the results of round {sid} were not posted in C0CLASS" in caplog.text
    assert slack.tutor.store.attempt_count() == 2
    assert slack.tutor.store.session(sid).status == "closed"
    _, key = slack.command("/leaderboard", user="U0ADA")
    assert "You are #1 of 2 with 15 points" in slack.responses(key)[0].texts()


def test_a_dm_quiz_outside_the_apps_dm_is_answered_through_the_response_url(slack):
    """/quiz in a DM between two people: the app cannot post there (channel_not_found), so the question comes
    back privately through the response_url, and its buttons work."""
    slack.api.fail("chat.postMessage", "channel_not_found", times=2)  # the question, then the feedback
    _, key = slack.command(
        "/quiz", question_of_type(slack.tutor, "single_choice"), channel=("D0OTHERS", "directmessage")
    )
    [question] = slack.responses(key)
    message = {"ts": "", "blocks": question.args["blocks"]}
    sid = slack.session_of(message)
    _, click = slack.click(
        message, text=right_answer(slack.tutor, sid), channel=("D0OTHERS", "directmessage"), ephemeral=True
    )
    assert slack.tutor.store.attempt_count() == 1
    [feedback] = slack.responses(click)
    assert "Correct!" in feedback.texts()
