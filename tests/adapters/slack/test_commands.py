"""Every slash command, mentions, direct messages and the App Home tab, through the real HTTP endpoint."""

from __future__ import annotations

from tests.adapters.slack.harness import (
    CLASS,
    find_element,
    question_of_type,
    right_answer,
)

DM = ("D0ADA", "directmessage")


def test_ask_in_a_channel_answers_the_class_and_a_refusal_stays_private(slack):
    r, key = slack.command("/ask", "what is RLHF?")
    assert r.status == 200
    [reply] = slack.responses(key)
    assert (
        reply.args["response_type"] == "in_channel"
    )  # the core shows an answer to the class (bot.visibility)
    text = reply.texts()
    assert "Reinforcement Learning from Human Feedback (RLHF)" in text
    assert "reward model" in text.lower() and "Learn next" in text
    quoted = [b for b in reply.args["blocks"] if b["type"] == "section" and b["text"]["text"].startswith(">")]
    assert quoted, "the course's sentences are quoted"
    assert slack.api.of("chat.postMessage") == []  # through the response_url, not a post of the bot's own
    _, key = slack.command("/ask", "recipe for pancakes")
    [reply] = slack.responses(key)
    assert "not sure" in reply.texts() and reply.args["response_type"] == "ephemeral"
    _, key = slack.command("/ask", "what is RLHF?", channel=DM)
    assert slack.responses(key)[0].args["response_type"] == "ephemeral"  # a DM is private


def test_a_command_whose_text_says_payload_is_answered(slack):
    """slack-bolt 1.30 reads any form body containing "payload" as an interaction and answers 404."""
    r, key = slack.command("/ask", "what is a payload in RLHF? payload=1 &payload")
    assert r.status == 200
    [reply] = slack.responses(key)
    assert reply.texts().strip() and reply.args["response_type"] in ("ephemeral", "in_channel")


def test_help_lists_the_commands(slack):
    _, key = slack.command("/help")
    text = slack.responses(key)[0].texts()
    for command in ("/ask", "/quiz", "/progress", "/leaderboard", "/next", "/help"):
        assert command in text
    for command in ("/review", "/privacy", "/digest", "/timezone", "/my-data", "/forget-me", "/class-report"):
        assert command in text
    assert "buttons" in text  # how answering works in Slack


def test_renamed_commands_mean_the_same(slack):
    _, key = slack.command("/tutor-help")
    assert "/leaderboard" in slack.responses(key)[0].texts()


def test_next_names_what_to_learn(slack):
    _, key = slack.command("/next")
    text = slack.responses(key)[0].texts()
    start = slack.tutor.course.concepts[slack.tutor.course.start]
    assert "Learn next" in text and start.title in text


def test_quiz_in_a_dm_is_a_personal_question_answered_by_buttons(slack):
    qid = question_of_type(slack.tutor, "single_choice")
    r, key = slack.command("/quiz", qid, channel=DM)
    assert r.status == 200
    [post] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0])
    message = {"type": "message", "ts": post.response["ts"], "blocks": post.args["blocks"]}
    labels = [e["text"]["text"] for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels[:4] == ["A", "B", "C", "D"] and "Hint" in labels and "Skip" in labels
    assert "Close round" not in labels
    sid = slack.session_of(message)
    assert slack.tutor.store.session(sid).kind == "solo"

    slack.click(message, text="Hint", channel=DM)
    hint = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0], count=2)[-1]
    assert "Hint" in hint.texts() or "No hint" in hint.texts()

    right = right_answer(slack.tutor, sid)
    slack.click(message, text=right, channel=DM)
    feedback = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0], count=3)[-1]
    assert "Correct!" in feedback.texts() and ":white_check_mark:" in feedback.texts()
    assert "+10 points" in feedback.texts()  # a hint was used: no first-try bonus

    # a second click on the same question changes nothing
    wrong = next(x for x in "ABCD" if x != right)
    slack.click(message, text=wrong, channel=DM)
    again = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0], count=4)[-1]
    assert "already answered" in again.texts()
    learner = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA")
    attempts = slack.tutor.store.attempts_of(learner.id)
    assert len(attempts) == 1 and attempts[0].correct


def test_skip_in_a_dm_shows_the_answer_and_records_nothing(slack):
    qid = question_of_type(slack.tutor, "single_choice", skip=3)
    slack.command("/quiz", qid, channel=DM)
    [post] = slack.api.wait_for("chat.postMessage")
    slack.click({"ts": post.response["ts"], "blocks": post.args["blocks"]}, text="Skip", channel=DM)
    skipped = slack.api.wait_for("chat.postMessage", count=2)[-1]
    assert "Skipped" in skipped.texts() and "Nothing was recorded" in skipped.texts()
    assert slack.tutor.store.attempt_count() == 0


def test_matching_in_a_dm_is_answered_with_selects(slack):
    qid = question_of_type(slack.tutor, "matching")
    slack.command("/quiz", qid, channel=DM)
    [post] = slack.api.wait_for("chat.postMessage")
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"]}
    sid = slack.session_of(message)
    selects = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    ]
    n = len(slack.tutor.course.questions[qid].options)
    assert len(selects) == n and all(len(o["text"]["text"]) <= 75 for s in selects for o in s["options"])
    picks = {f"pick_{pair[0]}": pair[1:] for pair in right_answer(slack.tutor, sid).split()}
    # choosing in a select is acknowledged and does nothing by itself
    _, select_key = slack.click(message, action_id="pick_1", channel=DM, picks=picks)
    assert slack.responses(select_key) == [] and len(slack.api.of("chat.postMessage")) == 1
    slack.click(message, text="Submit matches", channel=DM, picks=picks)
    feedback = slack.api.wait_for("chat.postMessage", count=2)[-1]
    assert "Correct! The matches are" in feedback.texts()


def test_progress_and_leaderboard(slack):
    _, key = slack.command("/progress")
    assert "No answers yet" in slack.responses(key)[0].texts()
    qid = question_of_type(slack.tutor, "single_choice", skip=1)
    slack.command("/quiz", qid, channel=DM)
    [post] = slack.api.wait_for("chat.postMessage")
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"]}
    slack.click(message, text=right_answer(slack.tutor, slack.session_of(message)), channel=DM)

    _, key = slack.command("/progress", channel=DM)
    progress = slack.responses(key)[0]
    concept = slack.tutor.course.concepts[slack.tutor.course.questions[qid].concept_id].title
    assert (
        "Progress of ada" in progress.texts()
        and concept in progress.texts()
        and "15 points" in progress.texts()
    )
    assert any(
        b["type"] == "section" and b["text"]["text"].startswith("```") for b in progress.args["blocks"]
    )

    _, key = slack.command("/leaderboard", channel=DM)
    board = slack.responses(key)[0].texts()
    assert "Leaderboard" in board and "ada" in board and "You are #1 of 1 with 15 points" in board
    # in a channel, the class's own ranking: nobody has answered a round there yet
    _, key = slack.command("/leaderboard", channel=CLASS)
    assert "No answers in this class yet" in slack.responses(key)[0].texts()


def test_a_mention_is_answered_in_a_thread(slack):
    slack.mention("what is RLHF?", ts="1762074999.000100")
    [post] = slack.api.wait_for("chat.postMessage")
    assert post.args["channel"] == CLASS[0] and post.args["thread_ts"] == "1762074999.000100"
    assert "Reinforcement Learning from Human Feedback (RLHF)" in post.texts()
    # a mention inside a thread is answered in that thread
    slack.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": f"<@{slack.api.bot_user_id}> and what is DPO?",
            "ts": "1762075111.000300",
            "thread_ts": "1762074999.000100",
            "channel": CLASS[0],
        }
    )
    second = slack.api.wait_for("chat.postMessage", count=2)[-1]
    assert (
        second.args["thread_ts"] == "1762074999.000100" and "Direct Preference Optimization" in second.texts()
    )
    # a bare mention gets the help
    slack.mention("")
    assert "/quiz" in slack.api.wait_for("chat.postMessage", count=3)[-1].texts()


def test_a_direct_message_is_answered_directly(slack):
    slack.direct_message("what is a reward model?")
    [post] = slack.api.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0ADA" and "thread_ts" not in post.args
    assert "reward model" in post.texts().lower()
    # our own messages, other bots, edits and channel messages are not questions
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "bot_id": "B0OTHER",
            "text": "hi",
            "channel": "D0ADA",
            "ts": "1.1",
        }
    )
    slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": "D0ADA",
            "ts": "1.2",
            "message": {"user": "U0ADA", "text": "what is DPO?"},
        }
    )
    slack.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0ADA",
            "text": "what is DPO?",
            "channel": CLASS[0],
            "ts": "1.3",
        }
    )
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": slack.api.bot_user_id,
            "bot_id": slack.api.bot_id,
            "text": "x",
            "channel": "D0ADA",
            "ts": "1.4",
        }
    )
    # a mention inside the DM arrives as app_mention too: message.im already answers it
    slack.mention("what is DPO?", channel="D0ADA")
    assert len(slack.api.of("chat.postMessage")) == 1


def test_app_home_shows_progress_and_next_steps(slack):
    slack.event({"type": "app_home_opened", "user": "U0ADA", "channel": "D0ADA", "tab": "home"})
    [publish] = slack.api.wait_for("views.publish")
    assert publish.args["user_id"] == "U0ADA" and publish.args["view"]["type"] == "home"
    text = publish.texts()
    assert (
        "Your progress" in text and "No answers yet" in text and "Next steps" in text and "Learn next" in text
    )
    # "Quiz me" puts a question in the learner's DM with the app
    home = {"ts": "", "blocks": publish.args["view"]["blocks"]}
    slack.click(home, text="Quiz me", channel=None)
    [post] = slack.api.wait_for("chat.postMessage")
    assert post.args["channel"] == "U0ADA" and "Quiz:" in post.texts()
    dm = {"ts": post.response["ts"], "blocks": post.args["blocks"]}
    assert slack.tutor.store.session(slack.session_of(dm)).kind == "solo"
    # the messages tab opening publishes nothing; the home tab again shows the progress now
    slack.event({"type": "app_home_opened", "user": "U0ADA", "channel": "D0ADA", "tab": "messages"})
    slack.event({"type": "app_home_opened", "user": "U0ADA", "channel": "D0ADA", "tab": "home"})
    assert len(slack.api.wait_for("views.publish", count=2)) == 2


def test_every_reply_element_respects_slack_limits(slack):
    """Buttons and options at most 75 characters, sections at most 3,000, at most 50 blocks: on real questions."""
    for qtype in ("single_choice", "ordering", "matching", "open_ended"):
        slack.command("/quiz", question_of_type(slack.tutor, qtype), channel=DM)
    posts = slack.api.wait_for("chat.postMessage", count=4)
    for post in posts:
        blocks = post.args["blocks"]
        assert len(blocks) <= 50
        for b in blocks:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= 3000
            for e in b.get("elements") or []:
                if e.get("type") == "button":
                    assert len(e["text"]["text"]) <= 75
                for o in e.get("options") or []:
                    assert len(o["text"]["text"]) <= 75
    assert find_element(posts[-1].args["blocks"], text="Write my answer")
