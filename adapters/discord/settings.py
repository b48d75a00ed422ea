"""The Discord adapter's settings (DISCORD_*), read from the environment when `tutor serve discord` starts.

The core's settings (TUTOR_*) are `bot.settings.Settings`; these are Discord's alone. Importing this module
imports nothing from discord.py. The token is SecretStr: never printed or logged (its repr is stars)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DiscordSettings(BaseSettings):
    """DISCORD_TOKEN, DISCORD_API_URL, DISCORD_GATEWAY_URL and DISCORD_GUILD_IDS."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    token: SecretStr | None = Field(
        default=None, validation_alias="DISCORD_TOKEN", description="the bot's token (Developer Portal > Bot)"
    )
    api_url: str = Field(
        default="", validation_alias="DISCORD_API_URL", description="REST base URL; default Discord's own"
    )
    gateway_url: str = Field(
        default="",
        validation_alias="DISCORD_GATEWAY_URL",
        description="gateway websocket URL; default Discord's",
    )
    guild_ids: str = Field(
        default="",
        validation_alias="DISCORD_GUILD_IDS",
        description="comma-separated server ids: commands registered there only, at once; empty: globally",
    )
