"""deploy/slack-manifest.yml: one paste creates an app whose commands, events, scopes and URLs match the adapter."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from adapters.slack.app import EVENTS_PATH
from adapters.slack.parse import COMMAND_PATTERN, COMMANDS, INSTRUCTOR_COMMANDS

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yml"


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_installs_every_command_on_the_events_url():
    m = _manifest()
    commands = m["features"]["slash_commands"]
    assert sorted(c["command"] for c in commands) == sorted(f"/{c}" for c in COMMANDS)
    for c in commands:
        assert COMMAND_PATTERN.match(c["command"])
        assert urlparse(c["url"]).path == EVENTS_PATH and c["url"].startswith("https://")
        assert c["description"] and len(c["description"]) <= 100
        assert c["should_escape"] is False  # the tutor strips mentions itself and never echoes them


def test_the_manifest_is_the_command_table():
    """Every chat command of bot/commands.py, with its summary and grammar, and nothing else."""
    from bot.commands import CHAT

    listed = [
        (c["command"], c["description"], c.get("usage_hint", ""))
        for c in _manifest()["features"]["slash_commands"]
    ]
    assert listed == [(f"/{c.name}", c.summary, c.usage) for c in CHAT]


def test_the_manifest_subscribes_to_what_the_adapter_handles_with_the_scopes_it_needs():
    m = _manifest()
    settings = m["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_mention",
        "message.im",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    urls = {settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]}
    urls |= {c["url"] for c in m["features"]["slash_commands"]}
    assert len(urls) == 1 and urlparse(urls.pop()).path == EVENTS_PATH
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "chat:write", "commands", "im:history", "users:read", "channels:join"}
    needed |= {"files:write", "im:write"}  # uploads (charts, /my-data) and conversations.open for DMs
    assert needed <= scopes
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["features"]["app_home"]["messages_tab_enabled"] is True
    assert m["features"]["bot_user"]["display_name"]


def test_the_manifest_says_which_commands_are_for_instructors_and_how_to_use_the_ones_with_arguments():
    commands = {c["command"].lstrip("/"): c for c in _manifest()["features"]["slash_commands"]}
    for name in INSTRUCTOR_COMMANDS:
        assert commands[name]["description"].startswith("Instructors:")
    for name in ("privacy", "digest", "timezone", "leaderboard", "inbox", "class-timezone"):
        assert commands[name].get("usage_hint"), name
