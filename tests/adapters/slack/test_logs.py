"""Quiet, safe logs: a refused request is one line without its body; no response_url, token or body at INFO;
a malformed timestamp header is a 401, not a 500 with a traceback."""

from __future__ import annotations

import io
import logging
import time
from urllib.parse import urlencode

import pytest

from bot import logs
from tests.adapters.slack.harness import CLASS, slack_signature


class Written:
    """What the worker's configured log handler wrote, as an operator's log file would hold it."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def read(self) -> str:
        return self.buffer.getvalue()


@pytest.fixture
def info_logs():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("INFO")
    written = Written()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written.buffer)  # type: ignore[arg-type]
    yield written
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in logs.CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _forged_form(slack) -> bytes:
    return urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "command": "/help",
            "text": "",
            "user_id": "U0ADA",
            "team_id": slack.api.team_id,
            "channel_id": CLASS[0],
            "response_url": "https://hooks.slack.com/commands/T0001/1234/SeCrEtPaTh",
            "padding": "x" * 20000,
        }
    ).encode()


def test_a_badly_signed_request_logs_one_line_without_its_body(slack, info_logs):
    form = _forged_form(slack)
    ctype = "application/x-www-form-urlencoded"
    stamp = str(int(time.time()))
    assert slack.post(form, ctype, signature=slack_signature("not-the-secret", stamp, form)).status == 401
    err = info_logs.read()
    assert "SeCrEtPaTh" not in err and "gIkuvaNzQIHg97ATvDxqgjtO" not in err and "xxxxxxxxxx" not in err
    refusals = [line for line in err.splitlines() if "refused" in line]
    assert len(refusals) == 1 and "401" in refusals[0]
    assert len(err) < 1000


@pytest.mark.parametrize("stamp", ["soon", "1700000000, 1700000000", "-5", ""])
def test_a_malformed_timestamp_is_refused_without_a_traceback(slack, info_logs, stamp):
    form = _forged_form(slack)
    r = slack.http(
        "POST",
        "/slack/events",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": slack_signature(slack.secret, stamp, form),
        },
    )
    assert r.status == 401
    err = info_logs.read()
    assert "Traceback" not in err and "ERROR" not in err and "SeCrEtPaTh" not in err


def test_secrets_are_redacted_from_any_log_line():
    line = logs.redact(
        'posting {"token": "abc", "response_url": "https://hooks.slack.com/actions/T/1/x"} with xoxb-1-2-abc'
    )
    assert "abc" not in line and "hooks.slack.com" not in line and "xoxb-1" not in line
    assert len(logs.redact("y" * 50_000)) < logs.MAX_MESSAGE + 100
