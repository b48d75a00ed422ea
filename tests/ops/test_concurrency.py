"""Concurrent worker processes on one database keep every invariant: one attempt per learner per question
instance, progress that agrees with the attempts, consistent points all time and weekly."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.storage import Store, Workspace, make_engine
from bot.storage.repo import monday_of
from tutor_cli import loadgen


@pytest.mark.parametrize("workers", [4])
def test_contending_workers_record_each_answer_once(db_url, workers):
    rounds, learners = 6, 5
    round_ids = loadgen.prepare(db_url, rounds, learners)
    # every worker answers every round for the same learners: 4x the contention of a double click
    recorded, _ = loadgen.run(db_url, workers, round_ids, [list(range(learners))] * workers)
    assert recorded == rounds * learners
    engine = make_engine(db_url)
    store = Store(engine)
    attempts = [a for lid in range(1, learners + 1) for a in store.attempts_of(lid)]
    assert len(attempts) == rounds * learners
    assert len({(a.session_id, a.learner_id) for a in attempts}) == len(attempts)
    per_concept = Counter((a.learner_id, a.concept_id) for a in attempts)
    for lid in range(1, learners + 1):
        for cid, p in store.progress_of(lid).items():
            assert p.attempts == per_concept[(lid, cid)]
            assert p.correct == sum(
                1 for a in attempts if a.learner_id == lid and a.concept_id == cid and a.correct
            )
    totals = {lid: pts for lid, _, pts, *_ in store.leaderboard_rows(Workspace("bench", "w"))}
    assert sum(totals.values()) == sum(a.points for a in attempts)
    # the weekly standings the class's weekly board reads agree with the attempts, learner by learner
    points = Counter()
    for a in attempts:
        points[a.learner_id] += a.points
    room = store.find_class("bench", "w", "c1")
    weekly = store.leaderboard_rows(room.id, week=monday_of(loadgen.T0, "UTC"))
    assert {lid: pts for lid, _, pts, *_ in weekly} == dict(points)
    engine.dispose()
