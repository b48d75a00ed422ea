"""Every scenario runs once per platform driver. One driver per test module and platform (a Slack app, a
Discord client and gateway are started once per module); each scenario begins with a fresh class and fresh
users (`Driver.begin`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.course import Course
from bot.retrieval import Retriever
from tests.conftest import Clock
from tests.scenarios.driver import Driver, Setup

Factory = Callable[[Setup, Path], Driver]


def _console(setup: Setup, tmp: Path) -> Driver:
    from tests.scenarios.console_driver import ConsoleDriver

    return ConsoleDriver(setup, tmp)


def _slack(setup: Setup, tmp: Path) -> Driver:
    from tests.scenarios.slack_driver import SlackDriver

    return SlackDriver(setup)


def _discord(setup: Setup, tmp: Path) -> Driver:
    from tests.scenarios.discord_driver import DiscordDriver

    return DiscordDriver(setup)


def _webhook(setup: Setup, tmp: Path) -> Driver:
    from tests.scenarios.webhook_driver import WebhookDriver

    return WebhookDriver(setup)


# The platforms every scenario runs on: a new platform's driver is one more line here.
DRIVERS: list[tuple[str, Factory]] = [
    ("console", _console),
    ("slack", _slack),
    ("discord", _discord),
    ("webhook", _webhook),
]


@pytest.fixture(scope="module", params=[name for name, _ in DRIVERS])
def platform(
    request: pytest.FixtureRequest,
    course: Course,
    retriever: Retriever,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Driver]:
    factory = dict(DRIVERS)[request.param]
    tmp = tmp_path_factory.mktemp(f"scenario-{request.param}")
    setup = Setup(course, retriever, f"sqlite:///{tmp / 'tutor.sqlite'}", Clock())
    driver = factory(setup, tmp)
    yield driver
    driver.close()


@pytest.fixture
def driver(platform: Driver) -> Driver:
    """The module's driver, begun afresh for this scenario."""
    platform.begin()
    return platform
