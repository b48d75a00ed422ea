"""Slack's settings live in the adapter: the same SLACK_* variables as ever, secrets never shown."""

from __future__ import annotations

import pytest

from adapters.slack.settings import SlackSettings

SLACK_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_slack_variables_are_read(env):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1-bot-secret")
    env.setenv("SLACK_SIGNING_SECRET", "signing-secret-value")
    env.setenv("SLACK_APP_TOKEN", "xapp-1-app-secret")
    env.setenv("SLACK_API_URL", "https://slack-gov.com/api/")
    env.setenv("TUTOR_BOT_TOKEN", "not-slack's")  # the core's prefix is not Slack's
    settings = SlackSettings()
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "xoxb-1-bot-secret"
    assert settings.signing_secret is not None
    assert settings.signing_secret.get_secret_value() == "signing-secret-value"
    assert settings.app_token is not None and settings.app_token.get_secret_value() == "xapp-1-app-secret"
    assert settings.api_url == "https://slack-gov.com/api/"
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("xoxb-1-bot-secret", "signing-secret-value", "xapp-1-app-secret"):
        assert secret not in shown


def test_unset_or_empty_variables_keep_the_defaults(env):
    env.setenv("SLACK_API_URL", "")
    settings = SlackSettings()
    assert (settings.bot_token, settings.signing_secret, settings.app_token) == (None, None, None)
    assert settings.api_url == "https://slack.com/api/"
