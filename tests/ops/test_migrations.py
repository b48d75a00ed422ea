"""Schema migrations: the migrations build exactly the tables the code declares, and the first released
schema upgrades to the current one with nothing lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
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
    # 0006: the inbox item asked once, by its learner, in its words
    [item] = store.inbox()
    assert (item.text, item.asked, item.status) == ("when is the exam?", 1, "open")
    assert [(ask.learner_id, name, ask.text) for ask, name in store.inbox_askers(item.id)] == [
        (ada.id, "Ada", "when is the exam?")
    ]
    assert store.progress_of(ada.id)["reinforcement-learning-from-human-feedback"].attempts == 1
    # 0002 backfilled the class onto the attempt and the standings the leaderboards read
    room = store.find_class("slack", "T1", "C1")
    assert store.leaderboard_rows(room.id) == [(ada.id, "Ada", 15, 1, 1, 1)]
    from datetime import UTC, datetime

    since = datetime(2026, 11, 1, tzinfo=UTC)
    assert store.leaderboard_rows(room.id, since=since) == [(ada.id, "Ada", 15, 1, 1, 1)]
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


def test_schema_0005_inbox_rows_upgrade_with_their_askers_and_are_answered_to_them(db_url):
    """Open and answered items of a 0005 database keep their state, count 1 and get their asker, who is told
    when an open one is answered; the upgrade can be undone."""
    engine = make_engine(db_url, create=False)
    migrate.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO learner (id, platform, workspace, user_id, display_name, created_at, privacy, "
                "pseudonym, timezone, digest, quiet_start, quiet_end, digest_sent_on) VALUES "
                "(1, 'slack', 'T1', 'U1', 'Ada', '2026-11-02 09:00:00', 'visible', '', '', false, 22, 8, ''), "
                "(2, 'slack', 'T1', 'U2', 'Prof', '2026-11-02 09:00:00', 'visible', '', '', false, 22, 8, '')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO inbox_question (id, learner_id, class_id, text, closest, asked_at, status, answer, "
                "answered_by, answered_at, added_to_course) VALUES "
                "(1, 1, NULL, 'when is the exam?', '[]', '2026-11-02 09:00:00', 'open', '', NULL, NULL, false), "
                "(2, 1, NULL, 'is lora on it?', '[]', '2026-11-02 10:00:00', 'answered', 'No.', 2, "
                "'2026-11-02 11:00:00', false)"
            )
        )
    migrate.upgrade(engine)
    store = Store(engine)
    assert [(i.id, i.asked) for i in store.inbox()] == [(1, 1)]
    [answered] = store.inbox(status="answered")
    assert (answered.asked, answered.answer, answered.answered_by) == (1, "No.", 2)
    assert [ask.learner_id for ask, _ in store.inbox_askers(2)] == [1]
    _, [notice] = store.answer_inbox(1, "In week 7.", 2, datetime(2026, 11, 3, tzinfo=UTC))
    assert (notice.learner_id, notice.question) == (1, "when is the exam?")
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0005")
    assert migrate.current(engine) == "0005"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM inbox_question")).scalar() == 2
    engine.dispose()
