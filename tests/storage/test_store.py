"""Storage on SQLite and PostgreSQL alike: identities, one attempt per learner per question instance, boards."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.events import ClassRef, LearnerRef
from bot.storage import StorageUnavailable, Workspace, make_engine

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_learner_and_class_are_created_once(store):
    a = store.learner(LearnerRef("slack", "T1", "U1", display_name="Ada"))
    b = store.learner(LearnerRef("slack", "T1", "U1", display_name="Ada L."))
    other = store.learner(LearnerRef("discord", "T1", "U1"))
    assert a.id == b.id != other.id
    assert store.find_learner("slack", "T1", "U1").display_name == "Ada L."
    c1 = store.class_room(ClassRef("slack", "T1", "C1", name="cs-101"))
    assert store.class_room(ClassRef("slack", "T1", "C1")).id == c1.id


def test_an_attempt_is_recorded_once(store):
    lid = store.learner(LearnerRef("console", "local", "ada")).id
    row = store.open_solo_session(lid, "q1", "c1", [0, 1, 2], T0)
    first = store.record_attempt(
        row, lid, correct=True, score=1.0, response="B", points=15, first_try=True, now=T0
    )
    again = store.record_attempt(
        row, lid, correct=False, score=0.0, response="C", points=0, first_try=False, now=T0
    )
    assert first is not None and again is None
    assert [a.response for a in store.attempts_of(lid)] == ["B"]
    progress = store.progress_of(lid)["c1"]
    assert (progress.attempts, progress.correct, progress.mastery) == (1, 1, 0.5)
    assert store.session(row.id).status == "answered"


def test_concurrent_double_click_counts_once(store):
    lid = store.learner(LearnerRef("console", "local", "ada")).id
    row = store.open_solo_session(lid, "q1", "c1", [0, 1], T0)
    results = []
    barrier = threading.Barrier(4)

    def click():
        barrier.wait()
        results.append(
            store.record_attempt(
                row, lid, correct=True, score=1.0, response="A", points=10, first_try=True, now=T0
            )
        )

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert len(store.attempts_of(lid)) == 1
    assert store.progress_of(lid)["c1"].attempts == 1


def test_new_question_skips_the_open_one(store):
    lid = store.learner(LearnerRef("console", "local", "ada")).id
    first = store.open_solo_session(lid, "q1", "c1", [], T0)
    second = store.open_solo_session(lid, "q2", "c1", [], T0 + timedelta(minutes=1))
    assert store.session(first.id).status == "replaced"  # not "skipped": its answer was never shown
    assert store.open_session_of(lid).id == second.id


def test_boards_by_class_workspace_and_since(store):
    room = store.class_room(ClassRef("console", "local", "cs-101")).id
    other = store.class_room(ClassRef("console", "local", "cs-202")).id
    ada = store.learner(LearnerRef("console", "local", "ada", display_name="ada")).id
    bob = store.learner(LearnerRef("console", "local", "bob", display_name="bob")).id
    for i, (who, cls, pts, when) in enumerate(
        [
            (ada, room, 15, T0),
            (ada, other, 10, T0),
            (bob, room, 10, T0),
            (bob, room, 10, T0 + timedelta(days=8)),
        ]
    ):
        s = store.open_solo_session(who, f"q{i}", "c1", [], when, class_id=cls)
        store.record_attempt(
            s, who, correct=True, score=1.0, response="A", points=pts, first_try=True, now=when
        )
    assert store.leaderboard_rows(room) == [(bob, "bob", 20, 2, 1, 2), (ada, "ada", 15, 1, 2, 2)]
    # the workspace's board counts every class of it
    workspace = Workspace("console", "local")
    assert store.leaderboard_rows(workspace) == [(ada, "ada", 25, 2, 1, 2), (bob, "bob", 20, 2, 2, 2)]
    assert store.leaderboard_rows(room, since=T0 + timedelta(days=7)) == [(bob, "bob", 10, 1, 1, 1)]
    rows = list(store.export_attempts())
    assert len(rows) == 4 and rows[0].user_id == "ada" and rows[0].answered_at.tzinfo is not None


def test_class_boards_read_from_the_top_agree_with_a_full_ranking(store):
    """The first ranks of a class's board (weekly and all time), read best first through the board index, are
    exactly those of ranking every learner: ties share a rank and all show, hidden learners are left out and
    not counted, pseudonyms are shown, and a learner below the top sees their own rank."""
    import random

    from bot.storage.repo import monday_of

    rng = random.Random(7)
    room = store.class_room(ClassRef("console", "local", "cs-101")).id
    other = store.class_room(ClassRef("console", "local", "cs-202")).id
    ids = [
        store.learner(LearnerRef("console", "local", f"u{i}", display_name=f"learner {i}")).id
        for i in range(40)
    ]
    for lid in ids[:6]:
        store.update_learner(lid, privacy="hidden")
    store.update_learner(ids[6], privacy="pseudonym", pseudonym="Night Owl")
    n = 0
    for lid in ids:
        for _ in range(rng.randrange(0, 4)):
            cls = room if rng.random() < 0.8 else other
            when = T0 + timedelta(days=rng.choice([0, 1, 8]))
            s = store.open_solo_session(lid, f"q{n}", "c1", [], when, class_id=cls)
            right = rng.random() < 0.6
            store.record_attempt(
                s,
                lid,
                correct=right,
                score=float(right),
                response="A",
                points=rng.choice([0, 10, 15]) * right,
                first_try=True,
                now=when,
            )
            n += 1
    week = monday_of(T0, "UTC")
    for kwargs in ({"week": week}, {}):
        full = store.leaderboard_rows(room, **kwargs)  # every ranked learner, ranked by the database
        assert full and all(lid not in ids[:6] for lid, *_ in full)
        assert full[0][5] == len(full)
        for top in (1, 3, 10):
            for me in (ids[0], ids[-1], full[-1][0], None):
                got = store.leaderboard_rows(room, top=top, me=me, **kwargs)
                want = [r for r in full if r[4] <= top or r[0] == me]
                assert got == want, (kwargs, top, me)
    shown = {name for _, name, *_ in store.leaderboard_rows(room, top=40)}
    assert "learner 6" not in shown and ("Night Owl" in shown or ids[6] not in {r[0] for r in full})


def test_inbox(store):
    lid = store.learner(LearnerRef("console", "local", "ada")).id
    store.add_inbox(lid, None, "what is the airspeed of a swallow?", ["c1"], T0)
    items = store.inbox()
    assert [i.text for i in items] == ["what is the airspeed of a swallow?"]


def test_unreachable_database_names_the_variable():
    with pytest.raises(
        StorageUnavailable, match=r"TUTOR_DATABASE_URL=postgresql\+psycopg://u:\*\*\*@127\.0\.0\.1:1/x"
    ):
        make_engine("postgresql+psycopg://u:secret@127.0.0.1:1/x")
    with pytest.raises(StorageUnavailable, match="TUTOR_DATABASE_URL is not a database URL"):
        make_engine("not a url")


def test_answer_times_are_counted_per_quarter_hour(store):
    room = store.class_room(ClassRef("console", "local", "cs-101")).id
    other = store.class_room(ClassRef("console", "local", "cs-202")).id
    ada = store.learner(LearnerRef("console", "local", "ada")).id
    times = [T0 + timedelta(minutes=m) for m in (0, 7, 14, 15, 44, 60 * 24)]
    for i, when in enumerate(times):
        s = store.open_solo_session(ada, f"q{i}", "c1", [], when, class_id=room)
        store.record_attempt(
            s, ada, correct=True, score=1.0, response="A", points=10, first_try=True, now=when
        )
    s = store.open_solo_session(ada, "elsewhere", "c1", [], T0, class_id=other)
    store.record_attempt(s, ada, correct=True, score=1.0, response="A", points=10, first_try=True, now=T0)
    q = timedelta(minutes=15)
    assert sorted(store.answer_times(room, T0)) == [(T0, 3), (T0 + q, 1), (T0 + 2 * q, 1), (T0 + 96 * q, 1)]
    assert sorted(store.answer_times(room, T0 + timedelta(minutes=10))) == [
        (T0, 1),
        (T0 + q, 1),
        (T0 + 2 * q, 1),
        (T0 + 96 * q, 1),
    ]
    assert sum(n for _, n in store.answer_times(None, T0)) == 7


def test_question_history_and_practice_attempts(store):
    """What makes an answer practice, read back on both databases: answers, skips (not questions replaced
    unanswered), rounds closed in the learner's classes (not elsewhere); a practice attempt leaves mastery
    and the card alone, and a wrong answer makes the concept due at once."""
    ada = store.learner(LearnerRef("console", "local", "ada")).id
    mine = store.class_room(ClassRef("console", "local", "cs-101")).id
    other = store.class_room(ClassRef("console", "local", "cs-202")).id
    s = store.open_solo_session(ada, "q1", "c1", [], T0, mine)
    store.record_attempt(s, ada, correct=False, score=0.0, response="A", points=0, first_try=True, now=T0)
    assert store.progress_of(ada)["c1"].due.replace(tzinfo=UTC) == T0  # due for /review at once
    store.open_solo_session(ada, "q2", "c1", [], T0 + timedelta(minutes=1))
    store.open_solo_session(ada, "q3", "c1", [], T0 + timedelta(minutes=2))  # q2 replaced, never shown
    store.set_session_status(store.open_session_of(ada).id, "open", "skipped", T0 + timedelta(minutes=3))
    for room, minute in ((mine, 4), (other, 5)):
        r = store.open_round(room, "q4", "c1", [], T0, T0 + timedelta(minutes=minute), ada)
        store.set_session_status(r.id, "open", "closed", T0 + timedelta(minutes=minute))
    seen = [(e.question_id, e.how, e.correct) for e in store.question_history(ada)]
    assert seen == [("q1", "answer", False), ("q3", "skipped", False), ("q4", "round", False)]
    assert [e.at for e in store.question_history(ada, "q4")] == [T0 + timedelta(minutes=4)]
    assert len(store.question_history(ada, "q4", class_id=other)) == 2  # asked from the other class too
    before = store.progress_of(ada)["c1"]
    s = store.open_solo_session(ada, "q1", "c1", [], T0 + timedelta(minutes=6))
    store.record_attempt(
        s,
        ada,
        correct=True,
        score=1.0,
        response="B",
        points=0,
        first_try=False,
        now=T0 + timedelta(minutes=6),
        counts=False,
    )
    after = store.progress_of(ada)["c1"]
    assert (after.mastery, after.card, after.attempts) == (before.mastery, before.card, 2)
    assert after.due.replace(tzinfo=UTC) == T0 + timedelta(days=1)  # back on the card's schedule
