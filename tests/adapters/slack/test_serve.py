"""`tutor serve slack`: its environment checks, HTTP mode, and Socket Mode (SLACK_APP_TOKEN) against the fake."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from adapters.slack.app import serve as serve_slack
from adapters.slack.settings import SlackSettings
from bot.settings import Settings
from tests.adapters.slack.harness import BOT_TOKEN, SIGNING_SECRET, slack_signature
from tests.conftest import http_get

ROOT = Path(__file__).resolve().parents[3]


def _settings(api_url: str = "http://127.0.0.1:9/api/", **kw) -> SlackSettings:
    values = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "app_token": None,
        "api_url": api_url,
        **kw,
    }
    return SlackSettings(**values)


def serve(tutor, slack_settings: SlackSettings, args: argparse.Namespace) -> int:
    """`tutor serve slack` as the CLI runs it, the core's settings from the environment, Slack's given."""
    return serve_slack(tutor, Settings(), args, slack_settings)


def _args(port: int = 0, stop: threading.Event | None = None, health_port: int = 0) -> argparse.Namespace:
    return argparse.Namespace(host="127.0.0.1", port=port, sharded=False, stop=stop, health_port=health_port)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"bot_token": None}, "SLACK_BOT_TOKEN"),
        ({"signing_secret": None}, "SLACK_SIGNING_SECRET"),
        ({"app_token": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
    ],
)
def test_a_missing_or_wrong_token_is_a_one_line_error_and_exit_2(tutor, capsys, missing, named):
    assert serve(tutor, _settings(**missing), _args()) == 2
    err = capsys.readouterr().err
    assert named in err and len(err.strip().splitlines()) == 1
    assert BOT_TOKEN not in err and SIGNING_SECRET not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tutor, settings, args) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(tutor, settings, args)), daemon=True)
    thread.start()
    return thread, result


def test_http_mode_serves_healthz_and_signed_commands_until_stopped(tutor, slack_api):
    port, stop = _free_port(), threading.Event()
    thread, result = _run(tutor, _settings(slack_api.api_url), _args(port, stop))
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # up to 10 s for the server to listen
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("/healthz did not answer")
        form = urlencode(
            {
                "command": "/next",
                "text": "",
                "user_id": "U0ADA",
                "user_name": "ada",
                "team_id": slack_api.team_id,
                "channel_id": "C0CLASS",
                "channel_name": "cs-101",
                "response_url": slack_api.response_url("serve"),
                "trigger_id": "1.2.3",
            }
        ).encode()
        ts = str(int(time.time()))
        request = urllib.request.Request(
            f"{base}/slack/events",
            data=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": slack_signature(SIGNING_SECRET, ts, form),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 200
        [reply] = slack_api.wait_for("response_url", lambda c: c.path == "serve")
        assert "Learn next" in reply.texts()
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]


def test_socket_mode_when_an_app_token_is_set(tutor, slack_api):
    stop = threading.Event()
    settings = _settings(slack_api.api_url, app_token="xapp-1-A0TUTOR-1-test", signing_secret=None)
    health_port = _free_port()
    thread, result = _run(tutor, settings, _args(_free_port(), stop, health_port=health_port))
    try:
        [opened] = slack_api.wait_for("apps.connections.open")
        assert opened.token == "xapp-1-A0TUTOR-1-test"
        slack_api.wait_for("socket.connected")
        # no HTTP port of its own in Socket Mode: /healthz and /metrics on TUTOR_HEALTH_PORT; ready (200) once
        # the client has taken the socket as open, a moment after the server saw it connect
        health = f"http://127.0.0.1:{health_port}/healthz"
        for _ in range(100):
            if http_get(health)[0] == 200:
                break
            time.sleep(0.1)
        assert http_get(health) == (200, "ok\n")
        slack_api.socket_send(
            {
                "envelope_id": "env-help-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "token": "legacy",
                    "team_id": slack_api.team_id,
                    "team_domain": "class",
                    "channel_id": "C0CLASS",
                    "channel_name": "cs-101",
                    "user_id": "U0ADA",
                    "user_name": "ada",
                    "command": "/help",
                    "text": "",
                    "api_app_id": slack_api.app_id,
                    "is_enterprise_install": "false",
                    "response_url": slack_api.response_url("socket-help"),
                    "trigger_id": "1.2.3",
                },
            }
        )
        [ack] = slack_api.wait_for("socket.received", lambda c: c.args.get("envelope_id") == "env-help-1")
        [reply] = slack_api.wait_for("response_url", lambda c: c.path == "socket-help")
        assert "/quiz" in reply.texts()
        status, metrics = http_get(f"http://127.0.0.1:{health_port}/metrics")
        assert status == 200 and 'tutor_requests_total{command="help"} 1' in metrics
        slack_api.socket_send(
            {
                "envelope_id": "env-mention-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": {
                    "token": "legacy",
                    "team_id": slack_api.team_id,
                    "api_app_id": slack_api.app_id,
                    "type": "event_callback",
                    "event_id": "Ev0SOCKET1",
                    "event_time": int(time.time()),
                    "event": {
                        "type": "app_mention",
                        "user": "U0BOB",
                        "text": f"<@{slack_api.bot_user_id}> what is RLHF?",
                        "ts": "1762074321.000100",
                        "channel": "C0CLASS",
                    },
                },
            }
        )
        slack_api.wait_for("socket.received", lambda c: c.args.get("envelope_id") == "env-mention-1")
        [post] = slack_api.wait_for("chat.postMessage")
        assert post.args["thread_ts"] == "1762074321.000100" and "RLHF" in post.texts()
        assert json.dumps(ack.args).startswith("{")
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]
    with pytest.raises(OSError):  # stopped with the worker
        http_get(f"http://127.0.0.1:{health_port}/healthz")


def test_the_cli_reports_a_missing_bot_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        TUTOR_DATABASE_URL=f"sqlite:///{tmp_path / 't.sqlite'}",
        TUTOR_CACHE_DIR=str(tmp_path / "cache"),
        TUTOR_DATA_DIR=str(tmp_path / "data"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tutor_cli", "serve", "slack", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr
