"""Discord's settings live in the adapter: the same DISCORD_* variables as ever, the token never shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from adapters.discord.settings import DiscordSettings

DISCORD_ENV = ("DISCORD_TOKEN", "DISCORD_API_URL", "DISCORD_GATEWAY_URL", "DISCORD_GUILD_IDS")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in DISCORD_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_discord_variables_are_read(env):
    env.setenv("DISCORD_TOKEN", "discord-bot-secret")
    env.setenv("DISCORD_API_URL", "http://127.0.0.1:9/api/v10")
    env.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:9/gateway")
    env.setenv("DISCORD_GUILD_IDS", "123,456")
    settings = DiscordSettings()
    assert settings.token is not None and settings.token.get_secret_value() == "discord-bot-secret"
    assert (settings.api_url, settings.gateway_url, settings.guild_ids) == (
        "http://127.0.0.1:9/api/v10",
        "ws://127.0.0.1:9/gateway",
        "123,456",
    )
    assert "discord-bot-secret" not in repr(settings) + str(settings) + settings.model_dump_json()


def test_unset_or_empty_variables_keep_the_defaults(env):
    env.setenv("DISCORD_TOKEN", "")
    settings = DiscordSettings()
    assert settings.token is None
    assert (settings.api_url, settings.gateway_url, settings.guild_ids) == ("", "", "")


def test_the_settings_import_nothing_from_discord_py():
    code = (
        "import sys, adapters.discord.settings;"
        "print(sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.')))"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
