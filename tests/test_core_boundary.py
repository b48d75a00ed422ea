"""The core (`bot/`) stands alone: it imports no adapter, no platform SDK and not the command line that builds
it, and holds no platform's settings. A new platform is then one folder in `adapters/`, never a core edit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Top-level packages the core must never import: the adapters, the platform SDKs, the composition root.
FORBIDDEN = {"adapters", "slack_bolt", "slack_sdk", "discord", "tutor_cli"}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import in `source`, wherever it is written (in functions and branches too),
    and of every `importlib.import_module("...")` or `__import__("...")` called with a literal name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_the_scan_finds_imports_inside_functions_and_by_name():
    source = (
        "import os\n"
        "def serve():\n"
        "    if True:\n"
        "        from adapters.slack.app import serve\n"
        "    import discord.ext\n"
        "    importlib.import_module('slack_sdk.web')\n"
        "    return __import__('tutor_cli.cli')\n"
        "from . import events\n"
    )
    assert sorted(imported_modules(source)) == [
        (1, "os"),
        (4, "adapters.slack.app"),
        (5, "discord.ext"),
        (6, "slack_sdk.web"),
        (7, "tutor_cli.cli"),
    ]


def test_the_core_imports_no_adapter_no_platform_sdk_and_not_the_cli():
    files = sorted((ROOT / "bot").rglob("*.py"))
    assert len(files) > 50  # the whole core, subpackages and migrations included
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path in files
        for line, module in imported_modules(path.read_text(encoding="utf-8"))
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_core_settings_hold_no_platform_setting():
    names = {name.lower() for name in Settings.model_fields}
    aliases = {str(f.validation_alias).upper() for f in Settings.model_fields.values() if f.validation_alias}
    assert not {n for n in names if n.startswith(("slack", "discord"))}
    assert not {a for a in aliases if a.startswith(("SLACK_", "DISCORD_"))}


def test_platform_variables_leave_the_core_settings_alone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-core-never-sees-it")
    monkeypatch.setenv("DISCORD_TOKEN", "discord-core-never-sees-it")
    monkeypatch.setenv("TUTOR_ROUND_SECONDS", "90")
    settings = Settings()
    assert settings.round_seconds == 90
    dumped = repr(settings) + str(settings.model_dump())
    assert "never-sees-it" not in dumped
