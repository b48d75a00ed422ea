"""Instructor commands through the real Bolt app: /class-report (PNG uploads and tables), /inbox, /class-timezone.
Instructors are workspace admins and owners (users.info) or TUTOR_INSTRUCTORS; a student is refused politely
and sees no one's data."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.retrieval import Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.slack.harness import CLASS, INSTRUCTOR, Workspace
from tests.adapters.slack.test_learning import PNG, answered, code_text, room, single_choice, who

PROF = INSTRUCTOR[0]
REFUSAL = "Sorry, that command is for instructors"
UNANSWERED = "how do I bake banana bread for the class party?"


def _class_with_answers(slack) -> int:
    """ada and bob answered in the class channel; cy's question is in the inbox. Returns the inbox item's id."""
    answered(slack, "U0ADA", single_choice(slack), where=room(slack))
    answered(slack, "U0BOB", single_choice(slack, 1), where=room(slack))
    store = slack.tutor.store
    cy = store.learner(who(slack, "U0CY"))
    concept = slack.tutor.course.topological_order()[0]
    return store.add_inbox(
        cy.id, store.class_room(room(slack)).id, UNANSWERED, [concept], slack.tutor.clock()
    )


def test_a_student_is_refused_every_instructor_command_and_sees_no_data(slack):
    item = _class_with_answers(slack)
    commands = [
        ("/class-report", ""),
        ("/inbox", ""),
        ("/inbox", f"answer {item} Use a recipe."),
        ("/inbox", f"add {item}"),
        ("/class-timezone", "Europe/Berlin"),
    ]
    for command, text in commands:
        _, key = slack.command(command, text, user="U0ADA", channel=CLASS)
        [reply] = slack.responses(key)
        assert reply.args["response_type"] == "ephemeral"
        assert REFUSAL in reply.texts(), command
        for secret in ("bob", "cy", "banana", "Hardest", "Mastery"):
            assert secret not in reply.texts(), (command, secret)
    assert slack.api.uploads == [] and not slack.api.of("files.getUploadURLExternal")
    assert not slack.api.of("chat.postMessage") and not slack.api.of("chat.postEphemeral")
    # the adapter asked Slack once (then cached): ada is not an admin or owner
    assert [c.args["user"] for c in slack.api.of("users.info")] == ["U0ADA"]
    store = slack.tutor.store
    assert [q.id for q in store.inbox()] == [item]
    assert store.find_class("slack", slack.api.team_id, CLASS[0]).timezone == ""


def test_class_report_uploads_png_charts_and_answers_with_the_tables(slack):
    _class_with_answers(slack)
    _, key = slack.command("/class-report", user=PROF, channel=CLASS)
    uploads = slack.api.uploaded(count=2)
    assert [u.filename for u in uploads] == ["class-mastery.png", "participation.png"]
    for upload in uploads:
        assert upload.data.startswith(PNG) and upload.length == len(upload.data)
        assert upload.channel == "D0PROF"  # the instructor's DM: learners' names are in the charts
    assert "Mastery heatmap of cs-101: 2 learners" in uploads[0].initial_comment
    assert uploads[0].alt_txt.startswith("Mastery heatmap of cs-101")
    assert "Answers per day" in uploads[1].initial_comment
    [reply] = slack.responses(key)
    assert reply.args["response_type"] == "ephemeral"
    assert "Hardest questions in cs-101" in reply.texts() and "1/1" in code_text(reply)
    assert "class-mastery.png" in reply.texts() and "participation.png" in reply.texts()
    assert not slack.api.of("chat.postMessage")  # nothing about the class is posted in the channel


def test_class_report_in_a_channel_without_answers_is_empty_not_everyones(slack):
    _class_with_answers(slack)
    _, key = slack.command("/class-report", user=PROF, channel=("C0OTHER", "other-class"))
    [reply] = slack.responses(key)
    assert "No answers yet in other-class" in reply.texts()
    assert "ada" not in reply.texts() and slack.api.uploads == []


def test_tutor_instructors_names_instructors_without_asking_slack(slack):
    slack.tutor.instructors = {"U0CY"}
    _class_with_answers(slack)
    _, key = slack.command("/inbox", user="U0CY")
    assert UNANSWERED in slack.responses(key)[0].texts()
    assert not slack.api.of("users.info")


def test_class_timezone_is_set_by_an_instructor_in_the_channel(slack):
    _, key = slack.command("/class-timezone", "Europe/Berlin", user=PROF, channel=CLASS)
    assert "week now starts on Monday at 00:00 Europe/Berlin" in slack.responses(key)[0].texts()
    assert slack.tutor.store.find_class("slack", slack.api.team_id, CLASS[0]).timezone == "Europe/Berlin"
    _, key = slack.command("/class-timezone", "Europe/Berlin", user=PROF, channel=("D0PROF", "directmessage"))
    assert "in its channel" in slack.responses(key)[0].texts()
    _, key = slack.command("/class-timezone", "Atlantis/Capital", user=PROF, channel=CLASS)
    assert "Name a time zone" in slack.responses(key)[0].texts()


@pytest.fixture
def own_slack(course, embedder, sqlite_url, clock, slack_api) -> Iterator[Workspace]:
    """A workspace whose tutor has a retriever of its own: /inbox add puts a passage into the index, which the
    session's shared retriever must not keep for other tests."""
    engine = make_engine(sqlite_url)
    tutor = Tutor(course, Store(engine), Retriever(course, embedder), clock=clock)
    workspace = Workspace(tutor, slack_api)
    yield workspace
    workspace.close()
    engine.dispose()


def test_inbox_lists_answers_and_adds_to_the_course(own_slack):
    slack = own_slack
    item = _class_with_answers(slack)
    _, key = slack.command("/inbox", user=PROF, channel=("D0PROF", "directmessage"))
    listing = slack.responses(key)[0]
    assert "could not answer (1 open)" in listing.texts()
    assert UNANSWERED in code_text(listing) and "cy" in code_text(listing)

    _, key = slack.command(
        "/inbox", f"answer #{item} Bake it at home; the course is about alignment.", user=PROF
    )
    assert f"Inbox #{item} is answered" in slack.responses(key)[0].texts()
    concept = slack.tutor.course.topological_order()[0]
    _, key = slack.command("/inbox", f"add {item} {concept}", user=PROF)
    added = slack.responses(key)[0].texts()
    assert "Added to the course under" in added and slack.tutor.course.concepts[concept].title in added
    _, key = slack.command("/inbox", user=PROF)
    assert "The inbox is empty" in slack.responses(key)[0].texts()

    _, key = slack.command("/inbox", "add 999", user=PROF)
    assert "No inbox question #999" in slack.responses(key)[0].texts()
    _, key = slack.command("/inbox", "shout 1", user=PROF)
    assert "Use /inbox" in slack.responses(key)[0].texts()
    # the instructor was recognised once (users.info), then from the cache
    assert [c.args["user"] for c in slack.api.of("users.info")] == [PROF]


# -- the inbox: duplicates, dismissals, and answers sent to every asker as a DM ------------------------------
MIDTERM = "when is the midterm exam?"


def test_an_answer_is_a_dm_to_every_learner_who_asked(slack):
    slack.command("/ask", MIDTERM, user="U0ADA")
    slack.command("/ask", "What date is the midterm exam", user="U0BOB", channel=("D0BOB", "directmessage"))
    [item] = slack.tutor.store.inbox()  # one question, asked twice
    _, key = slack.command("/inbox", user=PROF, channel=("D0PROF", "directmessage"))
    assert "asked 2 times" in code_text(slack.responses(key)[0])
    slack.api.reset()

    answer = "Week 7, the Monday lecture slot. <!channel> bring a pen."
    _, key = slack.command("/inbox", f"answer {item.id} {answer}", user=PROF)
    [reply] = slack.responses(key)
    assert reply.args["response_type"] == "ephemeral"
    assert f"Inbox #{item.id} is answered; ada and bob are told." in reply.texts()
    opened = [c.args["users"] for c in slack.api.of("conversations.open")]
    assert opened == ["U0ADA", "U0BOB"]
    dms = {c.args["channel"]: c for c in slack.api.of("chat.postMessage")}
    assert set(dms) == {"D0ADA", "D0BOB"}  # each in their DM with the app; nothing in the class channel
    assert f'You asked: \\"{MIDTERM}\\"' in dms["D0ADA"].texts()
    assert 'You asked: \\"What date is the midterm exam\\"' in dms["D0BOB"].texts()
    for dm in dms.values():
        assert "Week 7, the Monday lecture slot." in dm.texts()
        assert "<!channel>" not in dm.texts() and "@\u200bchannel" in dm.texts()
    ada = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA")
    assert all(n.delivered_at is not None for n in slack.tutor.store.outbox_of(ada.id))
    assert slack.bot.send_notices() == 0  # delivered: the worker's tick sends nothing again


def test_a_failed_dm_stays_pending_and_the_worker_sends_it_later(slack, caplog):
    slack.command("/ask", MIDTERM, user="U0ADA")
    slack.command("/ask", MIDTERM, user="U0NEW")  # not known to Slack's users yet: conversations.open fails
    [item] = slack.tutor.store.inbox()
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        slack.command("/inbox", f"answer {item.id} Week 7.", user=PROF)
    assert [c.args["channel"] for c in slack.api.of("chat.postMessage")] == ["D0ADA"]
    assert "was not delivered; it is tried again later" in caplog.text
    new = slack.tutor.store.find_learner("slack", slack.api.team_id, "U0NEW")
    [pending] = slack.tutor.store.outbox_of(new.id)
    assert pending.delivered_at is None

    slack.api.add_user("U0NEW", "newcomer")  # the next tick of the worker reaches them
    assert slack.bot.send_notices() == 1
    [late] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "D0NEW")
    assert "Week 7." in late.texts() and MIDTERM in late.texts()
    assert slack.bot.send_notices() == 0
    assert len(slack.api.of("chat.postMessage", lambda c: c.args["channel"] == "D0ADA")) == 1  # ada once


def test_dismiss_takes_a_question_off_the_list_without_a_word_to_the_asker(slack):
    slack.command("/ask", MIDTERM, user="U0ADA")
    [item] = slack.tutor.store.inbox()
    slack.api.reset()
    _, key = slack.command("/inbox", f"dismiss #{item.id}", user=PROF)
    assert f"Inbox #{item.id} is dismissed" in slack.responses(key)[0].texts()
    _, key = slack.command("/inbox", f"dismiss {item.id}", user=PROF)
    assert f"Inbox #{item.id} was dismissed already." in slack.responses(key)[0].texts()
    _, key = slack.command("/inbox", "dismiss 999", user=PROF)
    assert "No inbox question #999" in slack.responses(key)[0].texts()
    _, key = slack.command("/inbox", f"dismiss {item.id}", user="U0ADA")
    assert REFUSAL in slack.responses(key)[0].texts()
    _, key = slack.command("/inbox", user=PROF)
    assert "The inbox is empty" in slack.responses(key)[0].texts()
    assert not slack.api.of("chat.postMessage") and not slack.api.of("conversations.open")


def test_review_answers_rescores_and_the_student_gets_a_direct_message(slack):
    from tests.test_review_answers import queued

    item = queued(slack.tutor, who(slack, "U0ADA"))
    gone = queued(slack.tutor, who(slack, "U0GONE"))  # left the workspace: cannot be messaged

    _, key = slack.command("/review-answers", user="U0ADA")
    assert REFUSAL in slack.responses(key)[0].texts() and "salary" not in slack.responses(key)[0].texts()
    _, key = slack.command("/review-answers", user=PROF)
    [listed] = slack.responses(key)
    assert listed.args["response_type"] == "ephemeral"
    assert "2 open-ended answers await review" in listed.texts() and f"#{item} · ada" in listed.texts()

    _, key = slack.command("/review-answers", f"score {item} 1,2,3,5 Good pilot conditions.", user=PROF)
    assert (
        f"Answer #{item} (ada) re-scored: 50% (not passed) → 67% (passed)" in slack.responses(key)[0].texts()
    )
    _, key = slack.command("/tutor-review-answers", f"accept #{gone}", user=PROF)  # the prefixed spelling
    assert "grade kept at 50%" in slack.responses(key)[0].texts()
    _, key = slack.command("/review-answers", "accept 999", user=PROF)
    assert "No answer #999 to review" in slack.responses(key)[0].texts()
    assert not slack.api.of("chat.postMessage")  # nobody is messaged before the worker's tick

    assert slack.bot.send_notices() == 1
    [dm] = slack.api.wait_for("chat.postMessage")
    assert dm.args["channel"] == "D0ADA"
    assert (
        "changed its grade from 50% to 67%: it now passes" in dm.texts()
        and "Good pilot conditions." in dm.texts()
    )
    # U0GONE's notice goes back for the next tick; ada's is not sent twice
    store = slack.tutor.store
    pending = {
        user: [
            e.delivered_at is None
            for e in store.outbox_of(store.find_learner("slack", slack.api.team_id, user).id)
        ]
        for user in ("U0ADA", "U0GONE")
    }
    assert pending == {"U0ADA": [False], "U0GONE": [True]}
    assert slack.bot.send_notices() == 0
    assert len(slack.api.of("chat.postMessage")) == 1
