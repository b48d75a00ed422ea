"""The learner's own commands through the real Bolt app: /review, /privacy, /digest and the digest DM, /timezone,
/forget-me with its confirmation button, /my-data as an uploaded file, /progress with its chart, /leaderboard week."""

from __future__ import annotations

import json
import logging

from adapters.slack.app import SlackTutor
from bot import events as E
from bot import replies as R
from tests.adapters.slack.harness import (
    BOT_TOKEN,
    CLASS,
    SIGNING_SECRET,
    STUDENTS,
    find_element,
    right_answer,
)

DM = ("D0ADA", "directmessage")
PNG = b"\x89PNG\r\n\x1a\n"


def who(slack, user: str = "U0ADA") -> E.LearnerRef:
    """The learner as the Slack adapter names them (team, user id, user name)."""
    return E.LearnerRef("slack", slack.api.team_id, user, STUDENTS.get(user, user.lower()))


def room(slack) -> E.ClassRef:
    return E.ClassRef("slack", slack.api.team_id, CLASS[0], CLASS[1])


def single_choice(slack, concept: int = 0) -> str:
    """The first single-choice question of the course's `concept`-th concept (in course order)."""
    cid = slack.tutor.course.topological_order()[concept]
    return next(q.id for q in slack.tutor.course.questions_of(cid) if q.type == "single_choice")


def answered(slack, user: str | E.LearnerRef, question_id: str, where: E.ClassRef | None = None) -> None:
    """Set-up through the core: `user` answers `question_id` right (the Slack side is not what is tested)."""
    learner = who(slack, user) if isinstance(user, str) else user
    [question] = [
        r
        for r in slack.tutor.handle(E.StartQuiz(learner, topic=question_id, where=where))
        if isinstance(r, R.Question)
    ]
    answer = right_answer(slack.tutor, question.session_id)
    replies = slack.tutor.handle(
        E.Answer(learner, response=answer, session_id=question.session_id, where=where)
    )
    assert any(isinstance(r, R.Feedback) and r.correct for r in replies)


def code_text(call) -> str:
    """The monospaced parts of a message (the tables)."""
    return "\n".join(
        b["text"]["text"]
        for b in call.args["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("```")
    )


def answer_right(slack, message: dict, *, channel, user: str = "U0ADA", ephemeral: bool = False) -> None:
    """Answer a posted question right, the way its own buttons, selects or form let a learner."""
    sid = slack.session_of(message)
    qtype = slack.tutor.course.questions[slack.tutor.store.session(sid).question_id].type
    right = right_answer(slack.tutor, sid)
    if qtype == "single_choice":
        slack.click(message, text=right, channel=channel, user=user, ephemeral=ephemeral)
    elif qtype == "ordering":
        picks = {f"pick_{pos}": step for pos, step in enumerate(right.split(), 1)}
        slack.click(
            message, text="Submit order", channel=channel, user=user, picks=picks, ephemeral=ephemeral
        )
    elif qtype == "matching":
        picks = {f"pick_{pair[0]}": pair[1:] for pair in right.split()}
        slack.click(
            message, text="Submit matches", channel=channel, user=user, picks=picks, ephemeral=ephemeral
        )
    else:
        slack.click(message, text="Write my answer", channel=channel, user=user, ephemeral=ephemeral)
        [opened] = slack.api.wait_for("views.open")
        slack.submit_view(opened.args["view"], right, user=user)


# -- /review ------------------------------------------------------------------------------------------
def test_review_with_nothing_answered_says_so(slack):
    slack.command("/review", channel=DM)
    [post] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0])
    assert "Nothing to review yet" in post.texts()


def test_review_in_a_dm_puts_the_most_due_question_and_its_buttons_work(slack):
    qid = single_choice(slack)
    answered(slack, "U0ADA", qid)
    _, key = slack.command("/review", channel=DM)
    [post] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0])
    assert "Nothing is due for review" in post.texts() and "next review is due" in post.texts()
    slack.tutor.clock.advance(days=60)

    slack.command("/review", channel=DM)
    post = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == DM[0], count=2)[-1]
    title = slack.tutor.course.concepts[slack.tutor.course.questions[qid].concept_id].title
    assert "Review:" in post.texts() and title in post.texts() and "Quiz:" in post.texts()
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"]}
    assert slack.tutor.store.session(slack.session_of(message)).kind == "solo"
    answer_right(slack, message, channel=DM)
    learner = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA")
    attempts = slack.tutor.store.attempts_of(learner.id)
    assert len(attempts) == 2 and attempts[-1].correct


def test_review_in_a_channel_is_a_question_only_the_learner_sees(slack):
    answered(slack, "U0BOB", single_choice(slack, 1))
    slack.tutor.clock.advance(days=60)
    _, key = slack.command("/review", user="U0BOB", channel=CLASS)
    [ephemeral] = slack.api.wait_for("chat.postEphemeral")
    assert ephemeral.args["channel"] == CLASS[0] and ephemeral.args["user"] == "U0BOB"
    assert "Review:" in ephemeral.texts() and "Quiz:" in ephemeral.texts()
    assert not slack.api.of("chat.postMessage")  # nothing in the channel for everyone
    message = {"ts": "", "blocks": ephemeral.args["blocks"]}
    answer_right(slack, message, channel=CLASS, user="U0BOB", ephemeral=True)
    [feedback] = slack.api.wait_for("chat.postEphemeral", lambda c: "Correct!" in c.texts())
    assert feedback.args["user"] == "U0BOB" and feedback.args["channel"] == CLASS[0]
    learner = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0BOB")
    assert [a.correct for a in slack.tutor.store.attempts_of(learner.id)] == [True, True]


# -- /privacy -----------------------------------------------------------------------------------------
def test_privacy_pseudonym_and_hidden_change_the_leaderboard(slack):
    answered(slack, "U0ADA", single_choice(slack))
    _, key = slack.command("/privacy")
    assert "under your name (ada)" in slack.responses(key)[0].texts()

    _, key = slack.command("/privacy", "pseudonym Night Owl")
    assert "You appear on leaderboards as Night Owl." in slack.responses(key)[0].texts()
    _, key = slack.command("/leaderboard", user="U0BOB", channel=("D0BOB", "directmessage"))
    board = code_text(slack.responses(key)[0])
    assert "Night Owl" in board and "ada" not in board

    _, key = slack.command("/privacy", "hidden")
    assert "You have left the leaderboards" in slack.responses(key)[0].texts()
    _, key = slack.command("/leaderboard", user="U0BOB", channel=("D0BOB", "directmessage"))
    assert "Night Owl" not in slack.responses(key)[0].texts() and "ada" not in slack.responses(key)[0].texts()

    _, key = slack.command("/privacy", "famous")
    reply = slack.responses(key)[0]
    assert reply.args["response_type"] == "ephemeral" and "Use /privacy visible" in reply.texts()


# -- /digest, /timezone and the digest DM ----------------------------------------------------------------
def test_digest_and_timezone_settings(slack):
    _, key = slack.command("/digest")
    assert "Daily review digest: off" in slack.responses(key)[0].texts()
    _, key = slack.command("/digest", "on 21-7")
    assert "Daily review digest: on; quiet hours 21:00-07:00 (UTC)" in slack.responses(key)[0].texts()
    _, key = slack.command("/digest", "23-6")  # the quiet hours alone
    assert "on; quiet hours 23:00-06:00" in slack.responses(key)[0].texts()
    _, key = slack.command("/digest", "sometimes")
    assert "Use /digest on" in slack.responses(key)[0].texts()

    _, key = slack.command("/timezone", "Europe/Berlin")
    assert "Your time zone is Europe/Berlin." in slack.responses(key)[0].texts()
    _, key = slack.command("/timezone", "Mars/Olympus_Mons")
    assert "Name a time zone like Europe/Berlin" in slack.responses(key)[0].texts()
    learner = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA")
    assert (learner.digest, learner.quiet_start, learner.quiet_end, learner.timezone) == (
        True,
        23,
        6,
        "Europe/Berlin",
    )


def test_the_digest_is_a_direct_message_once_a_day(slack):
    slack.command("/digest", "on 22-8")
    answered(slack, "U0ADA", single_choice(slack))
    answered(slack, "U0BOB", single_choice(slack, 1))  # bob did not opt in
    slack.tutor.clock.advance(days=60)  # 09:00 UTC: outside ada's quiet hours

    assert slack.bot.send_digests() == 1
    [opened] = slack.api.wait_for("conversations.open")
    assert opened.args["users"] == "U0ADA"
    [dm] = slack.api.wait_for("chat.postMessage")
    assert dm.args["channel"] == "D0ADA"
    assert "Time for a review" in dm.texts() and "/review" in dm.texts()
    # once a day: the next tick sends nothing, and the day after (still due) sends again
    assert slack.bot.send_digests() == 0
    slack.tutor.clock.advance(days=1)
    assert slack.bot.send_digests() == 1


def test_a_learner_who_cannot_be_messaged_does_not_cost_the_others_their_digest(slack, caplog):
    dee = E.LearnerRef("discord", "G1", "4242", "dee")  # a Discord learner sharing the database
    for learner in (who(slack, "U0GONE"), who(slack, "U0ADA"), dee):
        slack.tutor.handle(E.Digest(learner, setting="on"))
        answered(slack, learner, single_choice(slack))
    slack.tutor.clock.advance(days=60)

    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        assert slack.bot.send_digests() == 1
    opened = {c.args["users"]: c.response["ok"] for c in slack.api.of("conversations.open")}
    assert opened == {"U0GONE": False, "U0ADA": True}  # U0GONE left the workspace: user_not_found
    assert "conversations.open in U0GONE failed: user_not_found" in caplog.text
    assert "the review digest for U0GONE could not be delivered" in caplog.text
    # the Discord learner's digest is left, unclaimed, for the Discord worker sharing the database
    assert [ref.user for ref, _ in slack.tutor.digests(platform="discord")] == ["4242"]
    [dm] = slack.api.wait_for("chat.postMessage")
    assert dm.args["channel"] == "D0ADA"


def test_the_digest_loop_survives_a_failing_tick_and_sends(tutor, slack_api, caplog):
    for uid, name in STUDENTS.items():
        slack_api.add_user(uid, name)
    learner = E.LearnerRef("slack", slack_api.team_id, "U0ADA", "ada")
    tutor.handle(E.Digest(learner, setting="on"))
    [question] = [
        r for r in tutor.handle(E.StartQuiz(learner, topic="llm-alignment-q1")) if isinstance(r, R.Question)
    ]
    tutor.handle(
        E.Answer(learner, response=right_answer(tutor, question.session_id), session_id=question.session_id)
    )
    tutor.clock.advance(days=60)

    real, ticks = tutor.digests, []

    def flaky(platform=None):
        ticks.append(1)
        if len(ticks) == 1:
            raise RuntimeError("database went away")
        return real(platform=platform)

    tutor.digests = flaky
    bot = SlackTutor(
        tutor,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        api_url=slack_api.api_url,
        round_interval=3600,
        digest_interval=0.05,
    )
    with caplog.at_level(logging.ERROR, logger="adapters.slack"):
        bot.start()
        try:
            [dm] = slack_api.wait_for("chat.postMessage", lambda c: "Time for a review" in c.texts())
        finally:
            bot.stop()
    assert dm.args["channel"] == "D0ADA"
    assert "sending the review digests failed" in caplog.text and len(ticks) >= 2


# -- /forget-me -----------------------------------------------------------------------------------------
def test_forget_me_asks_with_a_button_and_deletes_on_the_click(slack):
    _, key = slack.command("/forget-me")
    [nothing] = slack.responses(key)
    assert "keeps nothing about you" in nothing.texts() and "Delete everything" not in nothing.texts()

    answered(slack, "U0ADA", single_choice(slack))
    _, key = slack.command("/forget-me", "confirm")  # typed text never deletes: the button does
    [prompt] = slack.responses(key)
    assert prompt.args["response_type"] == "ephemeral"
    assert "press *Delete everything* below" in prompt.texts() and "/forget-me confirm" not in prompt.texts()
    _, delete = find_element(prompt.args["blocks"], text="Delete everything")
    assert delete["style"] == "danger" and delete["confirm"]["confirm"]["text"] == "Delete"
    assert slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA") is not None

    message = {"ts": "", "blocks": prompt.args["blocks"]}
    _, kept = slack.click(message, text="Keep my data", ephemeral=True)
    [kept_reply] = slack.responses(kept)
    assert kept_reply.args["replace_original"] is True and "Nothing was deleted" in kept_reply.texts()
    assert slack.tutor.store.attempt_count() == 1

    _, key = slack.command("/forget-me")
    message = {"ts": "", "blocks": slack.responses(key)[0].args["blocks"]}
    _, done = slack.click(message, text="Delete everything", ephemeral=True)
    [gone] = slack.responses(done)
    assert gone.args["replace_original"] is True  # the buttons go with the question
    assert "everything about you is deleted (1 answer)" in gone.texts()
    assert "actions" not in [b["type"] for b in gone.args["blocks"]]
    assert slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA") is None
    assert slack.tutor.store.attempt_count() == 0


def test_forget_me_deletes_only_the_clickers_own_data(slack):
    answered(slack, "U0ADA", single_choice(slack))
    answered(slack, "U0BOB", single_choice(slack, 1))
    _, key = slack.command("/forget-me", user="U0ADA")
    message = {"ts": "", "blocks": slack.responses(key)[0].args["blocks"]}
    slack.click(message, text="Delete everything", user="U0BOB", ephemeral=True)
    assert slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA") is not None
    assert slack.tutor.store.find_learner("slack", slack.api.team_id, "U0BOB") is None


# -- /my-data -------------------------------------------------------------------------------------------
def test_my_data_is_uploaded_as_a_json_file_to_the_learners_dm(slack):
    answered(slack, "U0ADA", single_choice(slack))
    _, key = slack.command("/my-data", channel=CLASS)
    [upload] = slack.api.uploaded()
    assert upload.channel == "D0ADA" and upload.filename == "tutor-data-U0ADA.json"
    assert upload.length == len(upload.data)
    data = json.loads(upload.data)
    assert data["learner"]["user_id"] == "U0ADA" and data["learner"]["platform"] == "slack"
    assert len(data["attempts"]) == 1 and data["attempts"][0]["correct"] is True
    assert "Your data: 1 answers" in upload.initial_comment
    # Slack's upload flow: ask for a URL, POST the bytes there (on the fake, on loopback), complete it
    flow = [c.method for c in slack.api.calls if c.method.startswith("files.") or c.method == "upload"]
    assert flow == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [asked] = slack.api.of("files.getUploadURLExternal")
    assert asked.response["upload_url"].startswith(slack.api.url + "/upload/")
    [complete] = slack.api.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "D0ADA"
    # where the command was typed, a private note says where the file went; no data in the channel
    [note] = slack.responses(key)
    assert note.args["response_type"] == "ephemeral"
    assert "tutor-data-U0ADA.json" in note.texts() and "direct messages" in note.texts()
    assert "attempts" not in note.texts()
    assert not slack.api.of("chat.postMessage")


def test_my_data_in_the_apps_dm_needs_no_note(slack):
    _, key = slack.command("/my-data", channel=DM)
    [upload] = slack.api.uploaded()
    assert upload.channel == DM[0] and json.loads(upload.data)["attempts"] == []
    assert slack.responses(key) == []


def test_my_data_is_shown_as_text_when_the_upload_fails(slack, caplog):
    answered(slack, "U0ADA", single_choice(slack))
    slack.api.fail("files.getUploadURLExternal", "missing_scope")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        _, key = slack.command("/my-data")
    assert "files.upload in D0ADA failed: missing_scope" in caplog.text
    [shown] = slack.responses(key)
    assert shown.args["response_type"] == "ephemeral"
    blocks = json.dumps(shown.args["blocks"])
    assert "tutor-data-U0ADA.json" in blocks and "U0ADA" in blocks and "attempts" in blocks
    assert slack.api.uploads == []

    # the bytes refused at the upload URL (HTTP 500): the same text instead
    slack.api.fail("upload", "storage unavailable")
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        _, key = slack.command("/my-data")
    assert "attempts" in json.dumps(slack.responses(key)[0].args["blocks"])
    assert slack.api.uploads == [] and not slack.api.of("files.completeUploadExternal")


# -- /progress and the Home tab ---------------------------------------------------------------------------
def test_progress_uploads_its_chart_and_the_home_tab_keeps_text(slack):
    answered(slack, "U0ADA", single_choice(slack))
    _, key = slack.command("/progress", channel=CLASS)
    [chart] = slack.api.uploaded()
    assert chart.filename == "progress.png" and chart.data.startswith(PNG) and chart.channel == "D0ADA"
    assert "Progress of ada" in chart.initial_comment and "Progress of ada" in chart.alt_txt
    [reply] = slack.responses(key)
    assert "Progress of ada" in code_text(reply) or "Progress of ada" in reply.texts()
    assert "progress.png" in reply.texts() and "direct messages" in reply.texts()

    slack.event({"type": "app_home_opened", "user": "U0ADA", "channel": "D0ADA", "tab": "home"})
    [home] = slack.api.wait_for("views.publish")
    assert "Progress of ada" in home.texts() and ":frame_with_picture:" in home.texts()
    assert len(slack.api.uploads) == 1  # the Home tab uploads nothing


def test_progress_chart_that_cannot_be_uploaded_is_described(slack):
    answered(slack, "U0ADA", single_choice(slack))
    slack.api.fail("files.completeUploadExternal", "not_in_channel")
    _, key = slack.command("/progress", channel=DM)
    [reply] = slack.responses(key)
    assert ":frame_with_picture: Progress of ada" in reply.texts()
    assert slack.api.uploads == []


# -- /leaderboard week ---------------------------------------------------------------------------------
def test_weekly_leaderboard_counts_this_week_only(slack):
    answered(slack, "U0ADA", single_choice(slack), where=room(slack))  # Monday 2 November
    slack.tutor.clock.advance(days=7)  # the next Monday: a new week
    answered(slack, "U0BOB", single_choice(slack, 1), where=room(slack))

    _, key = slack.command("/leaderboard", "week", user="U0BOB")
    week = slack.responses(key)[0]
    assert "Leaderboard of cs-101, this week" in week.texts()
    assert "bob" in code_text(week) and "ada" not in code_text(week)
    assert "You are #1 of 1 with 15 points" in week.texts()

    _, key = slack.command("/leaderboard", "all", user="U0BOB")
    everyone = slack.responses(key)[0]
    assert "all time" in everyone.texts() and "ada" in code_text(everyone) and "bob" in code_text(everyone)
    _, key = slack.command("/leaderboard", user="U0ADA")
    assert "all time" in slack.responses(key)[0].texts()
