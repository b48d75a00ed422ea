"""The Slack adapter's settings (SLACK_*), read from the environment when `tutor serve slack` starts.

The core's settings (TUTOR_*) are `bot.settings.Settings`; these are Slack's alone. Secrets are SecretStr:
never printed or logged (their repr is stars)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    """SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN (Socket Mode) and SLACK_API_URL."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    bot_token: SecretStr | None = Field(
        default=None, validation_alias="SLACK_BOT_TOKEN", description="the bot token, xoxb-..."
    )
    signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="verifies requests in HTTP mode (Basic Information > App Credentials)",
    )
    app_token: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_APP_TOKEN",
        description="an app-level token, xapp-...: when set, Socket Mode instead of HTTP",
    )
    api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias="SLACK_API_URL",
        description="the Web API's base URL (GovSlack, a proxy, the tests' fake)",
    )
