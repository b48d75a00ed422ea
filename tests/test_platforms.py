"""`tutor serve NAME` finds NAME in the platform registry: the `tutor.platforms` entry points, with the bundled
adapters as a fallback when the installed metadata does not declare them (a checkout run from source)."""

from __future__ import annotations

import argparse
from importlib.metadata import EntryPoint

import pytest

from bot.settings import Settings
from tutor_cli import cli, platforms

SERVED: list[tuple[object, Settings, argparse.Namespace]] = []


def chalkboard_serve(tutor: object, settings: Settings, args: argparse.Namespace) -> int:
    """A platform packaged elsewhere, as its entry point would name it."""
    SERVED.append((tutor, settings, args))
    return 7


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch):
    """Set what `entry_points(group="tutor.platforms")` finds installed (`{name: "module:function"}`)."""

    def install(table: dict[str, str]) -> None:
        eps = [EntryPoint(name=n, value=v, group=platforms.GROUP) for n, v in table.items()]

        def entry_points(*, group: str) -> list[EntryPoint]:
            return [ep for ep in eps if ep.group == group]

        monkeypatch.setattr(platforms, "entry_points", entry_points)

    return install


@pytest.fixture
def no_tutor(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """`tutor serve` without loading a course and a model: the platform gets this stand-in as its tutor."""
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    tutor = object()
    monkeypatch.setattr(cli, "_tutor", lambda settings=None, course=None, serving=False: tutor)
    monkeypatch.setattr(
        "bot.logs.configure", lambda *args, **kw: None
    )  # the session's logging stays as it is
    SERVED.clear()
    return tutor


def test_without_installed_entry_points_the_bundled_adapters_are_found(installed):
    installed({})
    assert set(platforms.platforms()) == {"slack", "discord", "webhook"}
    from adapters.discord.app import serve as discord_serve
    from adapters.slack.app import serve as slack_serve

    assert platforms.load(platforms.find("slack")) is slack_serve
    assert platforms.load(platforms.find("discord")) is discord_serve


def test_an_installed_entry_point_is_a_platform_of_its_own(installed, no_tutor):
    installed({"chalkboard": f"{__name__}:chalkboard_serve"})
    assert set(platforms.platforms()) == {"slack", "discord", "webhook", "chalkboard"}
    code = cli.main(["serve", "chalkboard", "--port", "3100", "--host", "127.0.0.1", "--health-port", "0"])
    assert code == 7  # the platform's exit code is the command's
    [(tutor, settings, args)] = SERVED
    assert tutor is no_tutor and isinstance(settings, Settings)
    assert (args.platform_name, args.port, args.host, args.health_port, args.sharded) == (
        "chalkboard",
        3100,
        "127.0.0.1",
        0,
        False,
    )


def test_an_installed_entry_point_wins_over_the_bundled_one(installed, no_tutor):
    installed({"slack": f"{__name__}:chalkboard_serve"})
    assert cli.main(["serve", "slack"]) == 7 and len(SERVED) == 1


def test_an_unknown_platform_is_a_usage_error_naming_the_known_ones(installed, no_tutor, capsys):
    installed({"chalkboard": f"{__name__}:chalkboard_serve"})
    assert cli.main(["serve", "teams"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert (
        err == "tutor: no platform called 'teams': the known ones are chalkboard, discord, slack, webhook\n"
    )
    assert SERVED == []


def test_a_platform_that_cannot_be_imported_says_what_to_install(installed, no_tutor, capsys):
    installed({"slack": "tests.no_such_module:serve", "chalkboard": "tests.no_such_module:serve"})
    assert cli.main(["serve", "slack"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("tutor: the Slack adapter needs slack-bolt: pip install 'tutor[slack]' (No module")
    assert cli.main(["serve", "chalkboard"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "the chalkboard platform (tests.no_such_module:serve) cannot be imported" in err
    assert SERVED == []
