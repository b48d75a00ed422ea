"""Schema migrations: the migrations build exactly the tables the code declares, and the first released
schema upgrades to the current one with nothing lost."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from bot.storage import StorageUnavailable, Store, make_engine, migrate
from tests.conftest import DATA


def test_migrations_build_the_declared_schema(db_url):
    engine = make_engine(db_url, create=False)
    before, after = migrate.upgrade(engine)
    assert before is None and after == migrate.head()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diffs == []
    engine.dispose()


def test_the_first_released_schema_upgrades_with_nothing_lost(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript((DATA / "schema-0001.sql").read_text())
    con.close()
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    assert migrate.current(engine) == "0001"
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
    store = Store(make_engine(url))  # a worker starts on it
    ada = store.find_learner("slack", "T1", "U1")
    assert ada is not None and ada.display_name == "Ada"
    attempts = store.attempts_of(ada.id)
    assert [(a.question_id, a.correct, a.points) for a in attempts] == [
        ("reinforcement-learning-from-human-feedback-q1", True, 15)
    ]
    assert [i.text for i in store.inbox()] == ["when is the exam?"]
    assert store.progress_of(ada.id)["reinforcement-learning-from-human-feedback"].attempts == 1
    # 0002 backfilled the class onto the attempt and the standings the leaderboards read
    room = store.find_class("slack", "T1", "C1")
    assert store.totals(room.id) == [(ada.id, "Ada", 15, 1)]
    from datetime import UTC, datetime

    assert store.totals(room.id, since=datetime(2026, 11, 1, tzinfo=UTC)) == [(ada.id, "Ada", 15, 1)]
    # 0004 backfilled the weekly standings: Monday 2 November 09:00 UTC counts in that week
    from datetime import date

    assert store.leaderboard_rows(room.id, week=date(2026, 11, 2)) == [(ada.id, "Ada", 15, 1, 1, 1)]
    assert store.leaderboard_rows(room.id, week=date(2026, 10, 26)) == []


def test_a_worker_refuses_a_database_behind_its_schema(sqlite_url, monkeypatch):
    make_engine(sqlite_url).dispose()
    current = migrate.head()
    monkeypatch.setattr(migrate, "head", lambda: "9999")
    with pytest.raises(
        StorageUnavailable, match=rf"has schema {current}; this tutor needs 9999\. .*tutor db upgrade"
    ):
        make_engine(sqlite_url)
