"""Payloads the adapter cannot read, signed and posted over HTTP to the real Bolt app: acknowledged at once,
a polite refusal to the learner, one warning line in the log (never the payload), and nothing recorded."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

from adapters.slack.app import COULD_NOT_READ
from tests.adapters.slack.harness import CLASS, INSTRUCTOR, find_element, question_of_type


def test_a_click_whose_actions_is_not_a_list_is_acknowledged_and_refused(slack, caplog):
    """Bolt itself reads actions[0] to route a click: without the guard this was a 500 and a traceback."""
    slack.command("/quiz", question_of_type(slack.tutor, "single_choice"), user=INSTRUCTOR[0])
    message = slack.round_question()
    block, button = find_element(message["blocks"], text="A")
    key = f"act{slack.next_id()}"
    payload = {
        "type": "block_actions",
        "user": slack._user("U0ADA"),
        "api_app_id": slack.api.app_id,
        "token": "legacy-verification-token",
        "trigger_id": f"{slack.next_id()}.2222.abcdef",
        "team": {"id": slack.api.team_id, "domain": "class"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": CLASS[0]},
        "channel": {"id": CLASS[0], "name": CLASS[1]},
        "message": message,
        "response_url": slack.api.response_url(key),
        "state": {"values": {}},
        # one action object where Slack sends a list of them
        "actions": {
            "action_id": button["action_id"],
            "block_id": block["block_id"],
            "type": "button",
            "value": button["value"],
            "action_ts": f"{time.time():.6f}",
        },
    }
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        started = time.monotonic()
        response = slack.post(
            urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        )
        assert response.status == 200 and time.monotonic() - started < 3  # acknowledged at once
        slack.settle()
    [refusal] = slack.responses(key)
    assert refusal.args["text"] == COULD_NOT_READ
    assert refusal.args["response_type"] == "ephemeral" and refusal.args["replace_original"] is False
    assert "slack: could not read a block_actions: actions is not a list" in caplog.text
    assert (
        "Traceback" not in caplog.text and key not in caplog.text and "legacy-verification" not in caplog.text
    )
    assert slack.tutor.store.attempt_count() == 0
    assert slack.tutor.store.find_learner("slack", slack.api.team_id, "U0ADA") is None
    assert not slack.api.of("chat.postEphemeral")  # no "Got it" feedback: nothing was answered


def test_a_written_answer_with_unreadable_metadata_is_refused_by_direct_message(slack, caplog):
    """A view submission has no response_url: the refusal goes to the learner's DM with the app."""
    slack.command("/quiz", question_of_type(slack.tutor, "open_ended"), user=INSTRUCTOR[0])
    message = slack.round_question()
    slack.click(message, text="Write my answer", user="U0ADA")
    [opened] = slack.api.wait_for("views.open")
    view = {**opened.args["view"], "private_metadata": '{"session": "the one from before'}
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        response = slack.submit_view(view, "Alignment means the model follows human intent.", user="U0ADA")
    assert response.status == 200
    [refusal] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0ADA")
    assert refusal.args["text"] == COULD_NOT_READ
    assert "slack: could not read a view_submission: view.private_metadata is not JSON" in caplog.text
    assert "the one from before" not in caplog.text and "Traceback" not in caplog.text
    assert slack.tutor.store.attempt_count() == 0


def test_a_form_the_tutor_did_not_open_is_refused_politely(slack, caplog):
    """A view_submission for another app's modal (or an old version's): a refusal, not an HTTP 404."""
    view = {
        "type": "modal",
        "callback_id": "someone_elses_form",
        "private_metadata": "",
        "blocks": [
            {"type": "input", "block_id": "b", "element": {"type": "plain_text_input", "action_id": "a"}}
        ],
    }
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        response = slack.submit_view(view, "hello", user="U0ADA")
    assert response.status == 200
    [refusal] = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0ADA")
    assert refusal.args["text"] == COULD_NOT_READ
    assert "slack: could not read a view_submission: the form is not one the tutor opened" in caplog.text
    assert slack.tutor.store.attempt_count() == 0


def test_a_direct_message_with_a_file_is_answered(slack):
    """Slack sends a DM with an attachment as subtype file_share: its text is still the question."""
    slack.event(
        {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "user": "U0ADA",
            "text": "what is a reward model?",
            "files": [{"id": "F0NOTES", "name": "notes.pdf", "mimetype": "application/pdf"}],
            "ts": "1762075900.000200",
            "channel": "D0ADA",
            "team": slack.api.team_id,
        }
    )
    [post] = slack.api.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0ADA" and "reward model" in post.texts().lower()


def test_a_mention_of_someone_else_alone_is_not_a_question(slack):
    """'@tutor @bob' asks nothing: the tutor answers with its help, and nothing reaches the instructors."""
    slack.mention("<@U111>")
    [post] = slack.api.wait_for("chat.postMessage")
    assert "/quiz" in post.texts() and "U111" not in post.texts()
    assert slack.tutor.store.inbox() == []
    slack.mention("is <@U111|bob> right that PPO needs a reward model?")  # in a sentence, kept as @U111
    assert len(slack.api.wait_for("chat.postMessage", count=2)) == 2


def _signed_json(slack, body: dict) -> object:
    return slack.post(json.dumps(body).encode(), "application/json")


def _signed_form(slack, payload: dict) -> object:
    return slack.post(
        urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
    )


def test_an_event_that_is_not_an_object_is_acknowledged_not_a_500(slack, caplog):
    """Bolt's own authorization step reads `event` before any middleware of the app: a string or a list
    there was an HTTP 500 with a traceback (and Slack retries a 500, so it came back three times)."""
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        for i, event in enumerate(("hello", [1, 2], 42)):
            response = _signed_json(
                slack,
                {
                    "token": "legacy-verification-token",
                    "team_id": slack.api.team_id,
                    "api_app_id": slack.api.app_id,
                    "type": "event_callback",
                    "event_id": f"Ev0BAD{i}",
                    "event_time": int(time.time()),
                    "event": event,
                },
            )
            assert response.status == 200
        slack.settle()
    assert caplog.text.count("slack: could not read a event_callback: the event is not an event object") == 3
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text


def test_workflow_step_payloads_are_refused_politely_not_a_500(slack, caplog):
    """Steps from apps are not the tutor's: Bolt read `workflow_step` out of any such payload and failed with
    a KeyError (HTTP 500) when it was missing."""
    user = slack._user("U0ADA")
    team = {"id": slack.api.team_id, "domain": "class"}
    edit = {
        "type": "workflow_step_edit",
        "callback_id": "step",
        "team": team,
        "user": user,
        "trigger_id": "1.2",
    }
    save = {
        "type": "view_submission",
        "team": team,
        "user": user,
        "view": {"id": "V1", "type": "workflow_step", "callback_id": "step", "state": {"values": {}}},
    }
    with caplog.at_level(logging.WARNING, logger="adapters.slack"):
        for payload in (edit, {**edit, "callback_id": 5}, save):
            assert _signed_form(slack, payload).status == 200
        slack.settle()
    assert (
        "could not read a workflow_step_edit" in caplog.text
        and "could not read a view_submission" in caplog.text
    )
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text
    # each sender is told, in their DM with the app (these payloads carry no response_url)
    told = slack.api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0ADA")
    assert told and all(c.args["text"] == COULD_NOT_READ for c in told)


def test_a_malformed_payload_with_a_bad_signature_is_still_refused_401(slack):
    body = json.dumps({"type": "event_callback", "team_id": slack.api.team_id, "event": "x"}).encode()
    assert slack.post(body, "application/json", signature="v0=" + "0" * 64).status == 401
    payload = urlencode({"payload": json.dumps({"type": "workflow_step_edit", "callback_id": "s"})}).encode()
    assert slack.post(payload, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64).status == 401
    unsigned = urlencode({"payload": json.dumps({"type": "workflow_step_edit", "callback_id": "s"})}).encode()
    assert (
        slack.http(
            "POST", "/slack/events", unsigned, {"Content-Type": "application/x-www-form-urlencoded"}
        ).status
        == 401
    )
