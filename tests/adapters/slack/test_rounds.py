"""Class rounds: /quiz in a channel, three students, private feedback, closing by the poster, an instructor
or the deadline, and rounds that outlive a restart."""

from __future__ import annotations

import threading

from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.slack.harness import CLASS, INSTRUCTOR, Workspace, question_of_type, right_answer


def _ephemerals_to(slack, user: str):
    return slack.api.of("chat.postEphemeral", lambda c: c.args["user"] == user)


def test_a_class_round_with_three_students(slack):
    qid = question_of_type(slack.tutor, "single_choice", skip=2)
    r, poster_key = slack.command("/quiz", qid, user=INSTRUCTOR[0])
    assert r.status == 200
    message = slack.round_question()
    post = slack.api.of("chat.postMessage")[0]
    assert post.args["channel"] == CLASS[0]
    # a section with the question and one button per choice, and the poster's Close button
    kinds = [b["type"] for b in message["blocks"]]
    assert "section" in kinds and "actions" in kinds
    labels = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    n = len(slack.tutor.course.questions[qid].options)
    assert labels == [*"ABCDEFGH"[:n], "Close round"]
    assert "Class round" in post.texts() and "Started by prof" in post.texts()
    assert "<!date^" in post.texts()  # the deadline, shown in each reader's own time zone
    sid = slack.session_of(message)
    right = right_answer(slack.tutor, sid)
    wrong = next(x for x in "ABCD" if x != right)

    slack.click(message, text=right, user="U0ADA")
    slack.click(message, text=wrong, user="U0BOB")
    slack.click(message, text=right, user="U0CY")
    for user, chosen in (("U0ADA", right), ("U0BOB", wrong), ("U0CY", right)):
        [feedback] = _ephemerals_to(slack, user)
        assert feedback.args["channel"] == CLASS[0]
        assert f"Got it: {chosen} is recorded" in feedback.texts()
    # bob clicks again, twice: his first answer counts
    slack.click(message, text=right, user="U0BOB")
    slack.click(message, text=right, user="U0BOB")
    bob = _ephemerals_to(slack, "U0BOB")
    assert len(bob) == 3 and all("first answer counts" in c.texts() for c in bob[1:])
    assert slack.tutor.store.attempt_count() == 3
    # nothing about the answer has reached the channel yet
    assert len(slack.api.of("chat.postMessage")) == 1

    slack.click(message, text="Close round", user=INSTRUCTOR[0])
    [result] = slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    text = result.texts()
    assert result.args["channel"] == CLASS[0]
    assert f"The answer is {right}." in text
    assert "How the class answered* (3 answers)" in text
    tally = next(
        b["text"]["text"]
        for b in result.args["blocks"]
        if "How the class answered" in b["text"].get("text", "")
    )
    assert f":white_check_mark: *{right})" in tally and tally.count("` 2") == 1 and tally.count("` 1") == 1
    scores = next(
        b["text"]["text"] for b in result.args["blocks"] if b["text"].get("text", "").startswith("*Scores")
    )
    assert "ada: right, +15" in scores and "cy: right, +15" in scores and "bob: wrong, +0" in scores
    # the question message loses its buttons
    [update] = slack.api.of("chat.update")
    assert update.args["ts"] == message["ts"] and update.args["channel"] == CLASS[0]
    assert not [b for b in update.args["blocks"] if b["type"] == "actions"]
    assert "Round closed" in update.texts()
    # a late click is told the round is closed, and records nothing
    slack.click(message, text=right, user="U0DAN")
    [late] = _ephemerals_to(slack, "U0DAN")
    assert "round is closed" in late.texts()
    assert slack.tutor.store.attempt_count() == 3
    # the class leaderboard now ranks the round's answers
    _, key = slack.command("/leaderboard", user="U0BOB")
    board = slack.responses(key)[0].texts()
    assert (
        "Leaderboard of cs-101" in board and "ada" in board and "cy" in board and "You are #3 of 3" in board
    )


def test_only_the_poster_or_an_instructor_may_close_a_round(slack):
    slack.command("/quiz", question_of_type(slack.tutor, "single_choice"), user="U0ADA")
    message = slack.round_question()
    slack.click(message, text="Close round", user="U0BOB")
    [refused] = _ephemerals_to(slack, "U0BOB")
    assert "Only the person who started this round, or an instructor" in refused.texts()
    assert not slack.api.of("chat.postMessage", lambda c: "Round closed" in c.texts())
    # prof is a workspace admin (users.info says so): an instructor
    slack.click(message, text="Close round", user=INSTRUCTOR[0])
    slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    assert slack.api.of("users.info", lambda c: c.args["user"] == INSTRUCTOR[0])
    # closing twice posts the results once
    slack.click(message, text="Close round", user="U0ADA")
    assert len(slack.api.of("chat.postMessage", lambda c: "Round closed" in c.texts())) == 1
    assert "already closed" in _ephemerals_to(slack, "U0ADA")[-1].texts()


def test_tutor_instructors_setting_names_instructors(tutor, slack_api):
    tutor.instructors = {"U0CY"}
    workspace = Workspace(tutor, slack_api)
    try:
        workspace.command("/quiz", question_of_type(tutor, "single_choice"), user="U0ADA")
        workspace.click(workspace.round_question(), text="Close round", user="U0CY")
        slack_api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    finally:
        workspace.close()


def test_a_round_closes_at_its_deadline(slack):
    slack.command("/quiz", f"{question_of_type(slack.tutor, 'single_choice')} 30s", user="U0ADA")
    message = slack.round_question()
    slack.click(message, text="A", user="U0BOB")
    assert slack.bot.close_due_rounds() == 0  # not yet
    slack.tutor.clock.advance(seconds=31)
    slack.click(message, text="B", user="U0CY")  # after the deadline: not counted
    assert "round is closed" in _ephemerals_to(slack, "U0CY")[0].texts()
    # the background loop closes it and posts the results
    slack.bot.round_interval = 0.05
    slack.bot.start()
    [result] = slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    assert "(1 answer)" in result.texts() and "bob" in result.texts()
    assert slack.api.wait_for("chat.update")[0].args["ts"] == message["ts"]
    assert slack.tutor.store.attempt_count() == 1


def test_rounds_outlive_a_restart(tutor, slack_api, sqlite_url, clock):
    first = Workspace(tutor, slack_api)
    first.command("/quiz", question_of_type(tutor, "single_choice", skip=5), user=INSTRUCTOR[0])
    # a second open round in the channel: an instructor's (a student may open only one at a time)
    first.command("/quiz", f"{question_of_type(tutor, 'single_choice', skip=6)} 600s", user=INSTRUCTOR[0])
    early = first.round_question(0)
    late = first.round_question(1)
    first.click(early, text="A", user="U0BOB")
    first.close()  # the process stops with both rounds open

    engine = make_engine(sqlite_url)
    restarted = Tutor(tutor.course, Store(engine), tutor.retriever, clock=clock)
    second = Workspace(restarted, slack_api)
    try:
        # buttons on the old messages still work: the session id is in them, the round in the database
        second.click(early, text="B", user="U0CY")
        assert "Got it: B is recorded" in _ephemerals_to(second, "U0CY")[0].texts()
        clock.advance(seconds=121)  # past the first round's deadline (120 s), not the second's (600 s)
        second.bot.round_interval = 0.05
        second.bot.start()
        [result] = slack_api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
        assert "(2 answers)" in result.texts() and "bob" in result.texts() and "cy" in result.texts()
        assert restarted.store.session(second.session_of(late)).status == "open"  # resumed, not closed
        second.click(late, text="C", user="U0CY")
        assert "Got it: C is recorded" in _ephemerals_to(second, "U0CY")[-1].texts()
    finally:
        second.close()
        engine.dispose()


def test_an_ordering_round_is_answered_with_selects(slack):
    qid = question_of_type(slack.tutor, "ordering")
    slack.command("/quiz", qid, user="U0ADA")
    message = slack.round_question()
    sid = slack.session_of(message)
    n = len(slack.tutor.course.questions[qid].options)
    selects = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    ]
    assert [s["action_id"] for s in selects] == [f"pick_{i}" for i in range(1, n + 1)]
    right = right_answer(slack.tutor, sid).split()
    # bob leaves a select empty: told how to answer, nothing recorded, and he may try again
    partial = {f"pick_{i}": step for i, step in enumerate(right[:-1], 1)}
    slack.click(message, text="Submit order", user="U0BOB", picks=partial)
    assert "List each step number" in _ephemerals_to(slack, "U0BOB")[0].texts()
    assert slack.tutor.store.attempt_count() == 0
    slack.click(
        message, text="Submit order", user="U0ADA", picks={f"pick_{i}": s for i, s in enumerate(right, 1)}
    )
    assert f"Got it: {' '.join(right)} is recorded" in _ephemerals_to(slack, "U0ADA")[0].texts()
    backwards = {f"pick_{i}": s for i, s in enumerate(reversed(right), 1)}
    slack.click(message, text="Submit order", user="U0BOB", picks=backwards)
    assert "is recorded" in _ephemerals_to(slack, "U0BOB")[-1].texts()
    slack.click(message, text="Close round", user="U0ADA")
    [result] = slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    assert "The right order is" in result.texts() and "ada: right, +15" in result.texts()


def test_an_open_ended_round_is_answered_in_a_modal(slack):
    qid = question_of_type(slack.tutor, "open_ended")
    slack.command("/quiz", qid, user=INSTRUCTOR[0])
    message = slack.round_question()
    slack.click(message, text="Write my answer", user="U0ADA")
    [opened] = slack.api.wait_for("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"] and view["type"] == "modal" and view["callback_id"] == "open_answer"
    assert slack.tutor.course.questions[qid].prompt[:50] in opened.texts()
    r = slack.submit_view(view, slack.tutor.course.questions[qid].model_answer, user="U0ADA")
    assert r.status == 200 and r.body == b""  # the modal closes at once; grading comes after
    [feedback] = slack.api.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U0ADA")
    assert feedback.args["channel"] == CLASS[0] and "is recorded" in feedback.texts()
    slack.submit_view(view, "too short", user="U0BOB")
    [short] = slack.api.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U0BOB")
    assert "at least 5 words" in short.texts()
    slack.click(message, text="Close round", user=INSTRUCTOR[0])
    [result] = slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    assert "(1 answer)" in result.texts() and "A strong answer" in result.texts()
    assert "ada: right" in result.texts()


def test_a_topic_without_questions_is_told_to_the_poster_only(slack):
    _, key = slack.command("/quiz", "qwzx vbnm plkj", user="U0ADA")
    [reply] = slack.responses(key)
    assert reply.args["response_type"] == "ephemeral" and "couldn't find a topic" in reply.texts()
    assert slack.api.of("chat.postMessage") == []


def test_a_double_click_sent_at_once_counts_once(slack):
    slack.command("/quiz", question_of_type(slack.tutor, "single_choice", skip=4), user=INSTRUCTOR[0])
    message = slack.round_question()
    clicks = [
        threading.Thread(
            target=slack.click, args=(message,), kwargs={"text": "A", "user": "U0ADA", "wait": False}
        )
        for _ in range(2)
    ]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join(20)
    slack.settle()
    assert slack.tutor.store.attempt_count() == 1
    replies = [c.texts() for c in _ephemerals_to(slack, "U0ADA")]
    assert len(replies) == 2
    assert sum("Got it: A is recorded" in r for r in replies) == 1
    assert sum("first answer counts" in r for r in replies) == 1


def test_a_written_answer_is_recorded_before_the_modal_closes(slack):
    """Slack never sends an acknowledged view_submission again: the answer must be stored by the time the
    200 that closes the modal leaves (a worker killed right after would otherwise lose it)."""
    qid = question_of_type(slack.tutor, "open_ended")
    slack.command("/quiz", qid, user=INSTRUCTOR[0])
    slack.click(slack.round_question(), text="Write my answer", user="U0ADA")
    [opened] = slack.api.wait_for("views.open")
    r = slack.submit_view(opened.args["view"], slack.tutor.course.questions[qid].model_answer, wait=False)
    assert r.status == 200
    assert slack.tutor.store.attempt_count() == 1  # at the ack, not some time after it
    slack.settle()
    [feedback] = slack.api.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U0ADA")
    assert "is recorded" in feedback.texts()


def test_a_forged_close_naming_another_rounds_message_does_not_strip_its_buttons(slack):
    """A Close click (signed) on one round whose payload names another open round's message: the results
    are the clicked round's, and only that round's own message loses its buttons."""
    slack.command(
        "/quiz", f"{question_of_type(slack.tutor, 'single_choice', skip=1)} 600s", user=INSTRUCTOR[0]
    )
    slack.command(
        "/quiz", f"{question_of_type(slack.tutor, 'single_choice', skip=2)} 600s", user=INSTRUCTOR[0]
    )
    first, other = slack.round_question(0), slack.round_question(1)
    forged = {**first, "ts": other["ts"]}  # the first round's Close button, the other round's message
    slack.click(forged, text="Close round", user=INSTRUCTOR[0])
    slack.api.wait_for("chat.postMessage", lambda c: "Round closed" in c.texts())
    updated = [c.args["ts"] for c in slack.api.of("chat.update")]
    assert other["ts"] not in updated and updated == [first["ts"]]
    assert slack.tutor.store.session(slack.session_of(first)).status == "closed"
    assert slack.tutor.store.session(slack.session_of(other)).status == "open"
    slack.click(other, text="A", user="U0BOB")  # the other round still takes answers
    assert "Got it: A is recorded" in _ephemerals_to(slack, "U0BOB")[-1].texts()


def test_a_round_closed_after_a_restart_loses_its_buttons(tutor, slack_api, sqlite_url, clock):
    """Where a round was posted is stored with it: a worker that did not post it (restarted, or another
    one) still takes the buttons off its message when it closes, at its deadline or by a click."""
    first = Workspace(tutor, slack_api)
    qid = question_of_type(tutor, "single_choice", skip=3)
    first.command("/quiz", f"{qid} 60s", user=INSTRUCTOR[0])
    first.command("/quiz", f"{question_of_type(tutor, 'single_choice', skip=4)} 600s", user=INSTRUCTOR[0])
    due, clicked = first.round_question(0), first.round_question(1)
    first.close()
    engine = make_engine(sqlite_url)
    second = Workspace(Tutor(tutor.course, Store(engine), tutor.retriever, clock=clock), slack_api)
    try:
        clock.advance(seconds=61)
        assert second.bot.close_due_rounds() == 1
        [update] = slack_api.wait_for("chat.update")
        assert (update.args["channel"], update.args["ts"]) == (CLASS[0], due["ts"])
        assert "actions" not in {b["type"] for b in update.args["blocks"]}  # no buttons left
        # the question stays readable above the note (made again from the stored round)
        assert tutor.course.questions[qid].prompt[:30] in update.texts() and "Round closed" in update.texts()
        second.click(clicked, text="Close round", user=INSTRUCTOR[0])
        updates = slack_api.wait_for("chat.update", lambda c: c.args["ts"] == clicked["ts"])
        assert len(updates) == 1 and "actions" not in {b["type"] for b in updates[0].args["blocks"]}
    finally:
        second.close()
        engine.dispose()
