"""Fixtures: the fake Slack Web API, and a workspace running the real Bolt app against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.course import Course
from bot.retrieval import Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.slack.harness import Workspace
from tests.fakes.slack_api import FakeSlackAPI


@pytest.fixture
def slack_api() -> Iterator[FakeSlackAPI]:
    api = FakeSlackAPI().start()
    yield api
    api.stop()


@pytest.fixture
def tutor(course: Course, retriever: Retriever, sqlite_url: str, clock) -> Iterator[Tutor]:
    engine = make_engine(sqlite_url)
    yield Tutor(course, Store(engine), retriever, clock=clock, round_seconds=120)
    engine.dispose()


@pytest.fixture
def slack(tutor: Tutor, slack_api: FakeSlackAPI) -> Iterator[Workspace]:
    workspace = Workspace(tutor, slack_api)
    yield workspace
    workspace.close()
