"""Schema migrations: the migrations build exactly the tables the code declares, and the first released
schema upgrades to the current one with nothing lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy import inspect as sa_inspect
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


def test_schema_0008_notices_move_to_one_outbox_with_nothing_lost_and_nothing_sent_again(db_url):
    """A 0008 database with a pending and a delivered row of each kind (an instructor's answer in
    `notification`, a review's outcome in `review_notice`): after the upgrade the outbox holds all four, in the
    order they were made; the two pending ones are taken once, the delivered ones never; /my-data shows them
    under the keys it always did. Downgrading moves them back."""
    engine = make_engine(db_url, create=False)
    migrate.upgrade(engine, "0008")
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO learner (id, platform, workspace, user_id, display_name, created_at, privacy, pseudonym, "
            "timezone, digest, quiet_start, quiet_end, digest_sent_on) VALUES "
            "(1, 'slack', 'T1', 'U1', 'Ada', '2026-11-02 09:00:00', 'visible', '', '', false, 22, 8, ''), "
            "(2, 'slack', 'T1', 'U2', 'Prof', '2026-11-02 09:00:00', 'visible', '', '', false, 22, 8, '')",
            "INSERT INTO inbox_question (id, learner_id, class_id, text, closest, asked_at, status, answer, "
            "answered_by, answered_at, added_to_course, asked) VALUES "
            "(1, 1, NULL, 'when is the exam?', '[]', '2026-11-02 09:00:00', 'answered', 'Week 7.', 2, "
            "'2026-11-02 10:00:00', false, 1), "
            "(2, 1, NULL, 'is lora on it?', '[]', '2026-11-02 09:05:00', 'answered', 'No.', 2, "
            "'2026-11-02 12:00:00', false, 1)",
            "INSERT INTO notification (learner_id, inbox_id, question, answer, created_at, claimed_at, "
            "delivered_at) VALUES "
            "(1, 1, 'when is the exam?', 'Week 7.', '2026-11-02 10:00:00', '2026-11-02 10:00:00', "
            "'2026-11-02 10:00:01'), "
            "(1, 2, 'is lora on it?', 'No.', '2026-11-02 12:00:00', NULL, NULL)",
            "INSERT INTO quiz_session (id, kind, learner_id, class_id, question_id, concept_id, presentation, "
            "status, hints_used, created_by, created_at, deadline, closed_at, version, message) VALUES "
            "(1, 'solo', 1, NULL, 'q1', 'c1', '[]', 'answered', 0, NULL, '2026-11-02 09:00:00', NULL, NULL, 1, '')",
            "INSERT INTO attempt (id, session_id, class_id, learner_id, question_id, concept_id, correct, score, "
            "response, points, first_try, answered_at) VALUES "
            "(1, 1, NULL, 1, 'q1', 'c1', true, 0.667, 'an answer', 15, true, '2026-11-02 09:01:00')",
            "INSERT INTO answer_review (id, attempt_id, learner_id, question_id, rubric_size, verdicts, doubts, "
            "graded_score, score, covered, status, queued_at, version) VALUES "
            "(1, 1, 1, 'q1', 6, '[]', '[]', 0.5, 0.667, '[0, 1, 2, 4]', 'overridden', '2026-11-02 09:01:00', 2)",
            "INSERT INTO review_decision (id, review_id, reviewer_id, action, old_score, new_score, old_points, "
            "new_points, covered, comment, at) VALUES "
            "(1, 1, 2, 'accept', 0.5, 0.5, 0, 0, '[0, 1, 2]', '', '2026-11-02 11:00:00'), "
            "(2, 1, 2, 'override', 0.5, 0.667, 0, 15, '[0, 1, 2, 4]', '', '2026-11-02 13:00:00')",
            "INSERT INTO review_notice (learner_id, decision_id, text, created_at, delivered_at) VALUES "
            "(1, 1, 'kept its grade', '2026-11-02 11:00:00', '2026-11-02 11:05:00'), "
            "(1, 2, 'changed its grade', '2026-11-02 13:00:00', NULL)",
        ):
            conn.execute(text(sql))
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        tables = {"notification", "review_notice", "outbox"} & set(sa_inspect(conn).get_table_names())
    assert tables == {"outbox"}
    store = Store(engine)
    owed = store.outbox_of(1)
    assert [(e.kind, e.ref_id, e.question, e.text, e.delivered_at is not None) for e in owed] == [
        ("answer", 1, "when is the exam?", "Week 7.", True),
        ("review", 1, "", "kept its grade", True),
        ("answer", 2, "is lora on it?", "No.", False),
        ("review", 2, "", "changed its grade", False),
    ]
    data = store.learner_data(1)
    assert [
        (n["inbox_id"], n["question"], n["answer"], bool(n["delivered_at"])) for n in data["notifications"]
    ] == [
        (1, "when is the exam?", "Week 7.", True),
        (2, "is lora on it?", "No.", False),
    ]
    assert [(n["decision_id"], n["text"], bool(n["delivered_at"])) for n in data["review_notices"]] == [
        (1, "kept its grade", True),
        (2, "changed its grade", False),
    ]
    # the pending two go out once, with the same lease; the delivered two never again
    now, lease = datetime(2026, 11, 3, tzinfo=UTC), timedelta(minutes=5)
    taken = store.claim_outbox(now, now - lease, platform="slack")
    assert [(e.kind, e.text) for e, _ in taken] == [("answer", "No."), ("review", "changed its grade")]
    assert store.claim_outbox(now, now - lease, platform="slack") == []
    for entry, _ in taken:
        store.outbox_sent(entry.id, True, now)
    later = now + timedelta(days=1)
    assert store.claim_outbox(later, later - lease) == []
    # a new notice after the upgrade is the next entry: no id of the moved rows is taken twice
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (learner_id, kind, ref_id, question, text, created_at) "
                "VALUES (1, 'answer', 1, 'again?', 'Yes.', '2026-11-04 09:00:00')"
            )
        )
    assert len({e.id for e in store.outbox_of(1)}) == 5
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0008")
    assert migrate.current(engine) == "0008"
    with engine.connect() as conn:
        answers = conn.execute(
            text("SELECT inbox_id, answer, delivered_at IS NOT NULL FROM notification ORDER BY id")
        ).all()
        reviews = conn.execute(
            text("SELECT decision_id, text, delivered_at IS NOT NULL FROM review_notice ORDER BY id")
        ).all()
    assert [tuple(r) for r in answers] == [(1, "Week 7.", True), (2, "No.", True), (1, "Yes.", False)]
    assert [tuple(r) for r in reviews] == [(1, "kept its grade", True), (2, "changed its grade", True)]
    engine.dispose()


def test_the_head_read_from_the_scripts_is_alembics():
    from alembic.script import ScriptDirectory

    assert migrate.head() == ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head()


def test_a_worker_on_a_current_schema_does_not_load_alembic(tmp_path):
    """Alembic is for creating and upgrading a schema; a worker that finds it current reads its revision with
    plain SQL (Alembic is 11 MiB of a worker's memory)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'tutor.sqlite'}"
    make_engine(url).dispose()  # created and stamped at the head
    probe = (
        "import sys\n"
        "from bot.storage import make_engine, migrate\n"
        f"engine = make_engine({url!r})\n"
        "print(migrate.current(engine), migrate.head(), 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == [migrate.head(), migrate.head(), "False"]
    # a database with two version rows is Alembic's to judge, as before
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001')"))
    with pytest.raises(Exception, match="more than one head"):
        migrate.current(engine)
    engine.dispose()


def _start_worker(url: str, ready, go, out) -> None:  # type: ignore[no-untyped-def]
    """One worker process starting on `url` at the same moment as the others (`go`): what it reported."""
    ready.put(True)
    go.wait(30)
    try:
        engine = make_engine(url)
        out.put(("ok", migrate.current(engine)))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - the test reports whatever a worker met
        out.put((type(exc).__name__, str(exc)))


def test_workers_starting_together_on_an_empty_database_all_start(db_url):
    """Two workers (or two `tutor eval` runs) started at once on a new database: one creates the schema, the
    others wait for it and start on it. Before, a worker that looked between the other's tables and its
    revision stamp took the new database for the first released schema ("has schema 0001 ... run `tutor db
    upgrade`") and refused to start."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=_start_worker, args=(db_url, ready, go, out)) for _ in range(4)]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=60)
    go.set()
    reports = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(30)
    assert reports == [("ok", migrate.head())] * len(workers)
