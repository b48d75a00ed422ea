"""The HTTP endpoint: signatures, url_verification, /healthz, acknowledging before the work, redeliveries."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

from bot import events as E
from bot.tutor import Tutor
from tests.adapters.slack.harness import CLASS, Workspace, slack_signature


def test_url_verification_answers_the_challenge(slack):
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    r = slack.post(body, "application/json")
    assert r.status == 200
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_healthz_answers_200_and_other_paths_404(slack):
    assert slack.http("GET", "/healthz").status == 200
    assert slack.http("GET", "/nope").status == 404


def test_unsigned_badly_signed_and_stale_requests_are_refused(slack):
    form = urlencode(
        {
            "command": "/help",
            "text": "",
            "user_id": "U0ADA",
            "user_name": "ada",
            "team_id": slack.api.team_id,
            "channel_id": CLASS[0],
            "channel_name": CLASS[1],
            "response_url": slack.api.response_url("forged"),
        }
    ).encode()
    ctype = "application/x-www-form-urlencoded"
    # signed with another secret
    assert (
        slack.post(
            form, ctype, signature=slack_signature("not-the-secret", str(int(time.time())), form)
        ).status
        == 401
    )
    # a valid signature of an old request (replayed ten minutes later)
    old = int(time.time()) - 600
    assert (
        slack.post(form, ctype, timestamp=old, signature=slack_signature(slack.secret, str(old), form)).status
        == 401
    )
    # a body changed after signing
    ts = str(int(time.time()))
    sig = slack_signature(slack.secret, ts, form)
    assert slack.post(form.replace(b"help", b"quiz"), ctype, timestamp=int(ts), signature=sig).status == 401
    # no signature headers at all
    assert slack.http("POST", "/slack/events", form, {"Content-Type": ctype}).status == 401
    slack.settle()
    assert slack.responses("forged") == []
    # the same body signed properly is served
    r = slack.post(form, ctype)
    assert r.status == 200
    slack.settle()
    assert slack.responses("forged")


class GatedTutor(Tutor):
    """A tutor whose work waits for the test to open a gate: shows whether Slack got its ack first."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def handle(self, event: E.Event):
        self.entered.set()
        self.gate.wait(20)
        return super().handle(event)


def test_commands_are_acknowledged_before_the_work_is_done(tutor, slack_api):
    gated = GatedTutor(tutor.course, tutor.store, tutor.retriever, clock=tutor.clock)
    workspace = Workspace(gated, slack_api)
    try:
        r, key = workspace.command("/ask", "what is RLHF?", wait=False)
        # The HTTP answer (the ack) came back while the work was still waiting at the gate.
        assert r.status == 200 and r.body == b""
        assert gated.entered.wait(10)
        assert not gated.gate.is_set()
        assert workspace.responses(key) == []
        gated.gate.set()
        slack_api.wait_for("response_url", lambda c: c.path == key)
        assert "Reinforcement Learning from Human Feedback" in workspace.responses(key)[0].texts()
    finally:
        gated.gate.set()
        workspace.close()


def test_a_redelivered_event_is_answered_once(slack):
    first = slack.mention("what is DPO?", event_id="Ev0REDELIVER")
    assert first.status == 200
    again = slack.mention("what is DPO?", event_id="Ev0REDELIVER", retry=1)
    third = slack.mention("what is DPO?", event_id="Ev0REDELIVER", retry=2)
    assert again.status == 200 and third.status == 200
    slack.settle()
    replies = slack.api.of("chat.postMessage")
    assert len(replies) == 1
    assert "Direct Preference Optimization" in replies[0].texts()
    # a new event with another id is answered
    slack.mention("what is DPO?", event_id="Ev0OTHER")
    assert len(slack.api.of("chat.postMessage")) == 2


def test_metrics_count_the_commands_in_prometheus_text(slack):
    slack.command("/help")
    slack.command("/progress")
    slack.settle()
    r = slack.http("GET", "/metrics")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = r.body.decode()
    assert 'tutor_requests_total{command="help"} 1' in text
    assert 'tutor_requests_total{command="showprogress"} 1' in text
    assert 'tutor_request_seconds_count{command="help"} 1' in text
    assert "# TYPE tutor_request_seconds histogram" in text


def test_an_answer_click_is_recorded_before_it_is_acknowledged(tutor, slack_api):
    """Slack never retries an acknowledged click: the answer must be in the database before the ack leaves,
    so a worker killed right after acknowledging loses nothing the student saw accepted."""
    from tests.adapters.slack.harness import INSTRUCTOR, question_of_type

    gated = GatedTutor(tutor.course, tutor.store, tutor.retriever, clock=tutor.clock)
    gated.gate.set()
    workspace = Workspace(gated, slack_api)
    try:
        workspace.command("/quiz", question_of_type(gated, "single_choice"), user=INSTRUCTOR[0])
        message = workspace.round_question()
        gated.gate.clear()
        gated.entered.clear()
        answered: list = []
        clicker = threading.Thread(
            target=lambda: answered.append(workspace.click(message, text="A", user="U0ADA", wait=False)[0])
        )
        clicker.start()
        assert gated.entered.wait(10)  # the tutor is recording the answer ...
        time.sleep(0.5)
        assert answered == []  # ... and Slack has heard nothing yet
        assert tutor.store.attempt_count() == 0
        gated.gate.set()
        clicker.join(10)
        assert answered and answered[0].status == 200
        assert tutor.store.attempt_count() == 1  # recorded by the time the ack arrived, not after
    finally:
        gated.gate.set()
        workspace.close()
