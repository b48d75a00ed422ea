"""Instructor review of open-ended answers (/review-answers), in the core, on SQLite and PostgreSQL: an answer
the grader is unsure of is recorded provisional and queued; accepting keeps its grade, re-scoring moves the
attempt's score, points, standings and mastery; every decision is audited; the learner is told once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import events as E
from bot import replies as R
from bot import worker
from bot.features.review import PROVISIONAL
from bot.progress import spaced, update_mastery
from bot.storage import Store, make_engine
from bot.storage.repo import Provisional
from bot.tutor import Tutor
from tests.quiz.test_open_ended import HALF_MEMO
from tests.test_cli import env  # noqa: F401 - a fixture

GO = "go-no-go-internal-llm-q1"  # 6 rubric points
CONCEPT = "go-no-go-internal-llm"
ADA = E.LearnerRef("console", "local", "ada", "ada")
BOB = E.LearnerRef("console", "local", "bob", "bob")
PROF = E.LearnerRef("console", "local", "prof", "prof")
ELSEWHERE = E.LearnerRef("slack", "T9", "U9", "sam")  # another workspace's learner
ROOM = E.ClassRef("console", "local", "cs-101", "cs-101")


@pytest.fixture
def tutor(course, retriever, db_url, clock) -> Iterator[Tutor]:
    engine = make_engine(db_url)
    yield Tutor(course, Store(engine), retriever, clock=clock, instructors={"prof"})
    engine.dispose()


def utc(moment: datetime) -> datetime:
    """SQLite hands times back naive (they are UTC), PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def texts(replies: list[R.Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


def queued(
    tutor: Tutor, who: E.LearnerRef = ADA, *, score: float = 0.5, where: E.ClassRef | None = None
) -> int:
    """Set-up without the model: `who` answered GO, the grader covered points 1-3 of 6 (50%) and was unsure.
    Recorded as the tutor records it (points, progress, standings); returns the review's id."""
    store = tutor.store
    lid = store.learner(who).id
    class_id = store.class_room(where).id if where else None
    row = store.open_solo_session(lid, GO, CONCEPT, [], tutor.clock(), class_id)
    attempt = store.record_attempt(
        row,
        lid,
        correct=False,
        score=score,
        response="No-go for now; fix the salary leak first. The refusals are wrong both ways.",
        points=0,
        first_try=True,
        now=tutor.clock(),
        rating=spaced.rating_for(False, score, "open_ended"),
        provisional=Provisional(
            6, ("covered",) * 3 + ("absent",) * 3, ("score 50% is near the 60% pass mark",), (0, 1, 2)
        ),
    )
    assert attempt is not None
    items, _ = store.review_queue(who.platform, who.workspace)
    [mine] = [i.review.id for i in items if i.attempt.id == attempt.id]
    return mine


def review(tutor: Tutor, line: str, who: E.LearnerRef = PROF) -> list[R.Reply]:
    return tutor.handle(E.ReviewAnswers.from_text(who, line))


@pytest.mark.model
def test_an_unsure_answer_is_recorded_provisional_and_queued_a_sure_one_is_not(tutor):
    tutor.handle(E.StartQuiz(ADA, topic=GO))
    replies = tutor.handle(E.Answer(ADA, response=HALF_MEMO))
    [feedback] = [r for r in replies if isinstance(r, R.Feedback)]
    assert feedback.provisional and not feedback.correct and feedback.score == 0.5
    assert PROVISIONAL in texts(replies) and "an instructor will review it" in texts(replies)
    [attempt] = tutor.store.attempts_of(tutor.store.learner(ADA).id)
    assert (attempt.score, attempt.correct, attempt.points) == (0.5, False, 0)  # counted as graded meanwhile
    [item], total = tutor.store.review_queue("console", "local")
    assert total == 1 and item.attempt.id == attempt.id and item.review.status == "pending"
    assert json.loads(item.review.verdicts)[:3] == ["covered"] * 3 and json.loads(item.review.covered) == [
        0,
        1,
        2,
    ]

    tutor.handle(E.StartQuiz(BOB, topic=GO))
    replies = tutor.handle(
        E.Answer(BOB, response="Launch it next month for everyone; it is 91% accurate, good enough.")
    )
    assert not next(r for r in replies if isinstance(r, R.Feedback)).provisional
    assert PROVISIONAL not in texts(replies)
    assert tutor.store.review_queue("console", "local")[1] == 1


def test_the_queue_shows_the_question_the_answer_the_verdicts_and_the_score(tutor, course):
    item = queued(tutor)
    replies = review(tutor, "")
    shown = texts(replies)
    assert "1 open-ended answer await review" in shown
    assert f"#{item} · ada" in shown and "grader: 50% (not passed)" in shown
    assert "Why unsure: score 50% is near the 60% pass mark" in shown
    assert course.questions[GO].prompt[:60] in shown and "fix the salary leak first" in shown
    assert "1. ✓ covered: Gives a clear decision" in shown and "4. · absent: Treats the harsher" in shown
    assert "/review-answers score ID COVERED" in shown


def test_a_rescore_moves_the_attempt_the_standings_and_the_mastery(tutor, clock):
    item = queued(tutor, where=ROOM)
    lid = tutor.store.learner(ADA).id
    before = tutor.store.progress_of(lid)[CONCEPT]
    assert before.mastery == update_mastery(0.0, 0.5)
    clock.advance(hours=3)
    replies = review(tutor, f"score {item} 1, 2, 3, 5 Good pilot conditions.")
    assert f"Answer #{item} (ada) re-scored: 50% (not passed) → 67% (passed), points 0 → 15." in texts(
        replies
    )

    [attempt] = tutor.store.attempts_of(lid)
    assert (attempt.score, attempt.correct, attempt.points) == (0.667, True, 15)  # right on a first try
    progress = tutor.store.progress_of(lid)[CONCEPT]
    assert (progress.attempts, progress.correct, progress.mastery) == (1, 1, update_mastery(0.0, 0.667))
    # the review schedule as if the answer had been graded 67% when it was sent (3 hours ago): Good, not Hard
    card, due = spaced.review("", spaced.rating_for(True, 0.667, "open_ended"), clock() - timedelta(hours=3))
    stored = {k: v for k, v in json.loads(progress.card).items() if k != "card_id"}  # card_id: a timestamp
    assert (
        stored == {k: v for k, v in json.loads(card).items() if k != "card_id"} and utc(progress.due) == due
    )
    room = tutor.store.class_room(ROOM).id
    assert tutor.store.leaderboard_rows(room) == [(lid, "ada", 15, 1, 1, 1)]
    board, _ = tutor.leaderboard(room, period="week")
    assert [(s.name, s.points, s.correct) for s in board] == [("ada", 15, 1)]
    assert tutor.progress_report(lid)["points"] == 15

    [decision] = tutor.store.review_decisions(item)
    assert decision.reviewer_id == tutor.store.learner(PROF).id and utc(decision.at) == clock()
    assert (decision.action, decision.old_score, decision.new_score) == ("override", 0.5, 0.667)
    assert (decision.old_points, decision.new_points, decision.comment) == (0, 15, "Good pilot conditions.")
    assert json.loads(decision.covered) == [0, 1, 2, 4]
    assert tutor.store.review_queue("console", "local")[1] == 0  # decided: off the queue

    # and down again (a correction): it no longer passes, the points go
    review(tutor, f"score {item} none")
    [attempt] = tutor.store.attempts_of(lid)
    assert (attempt.score, attempt.correct, attempt.points) == (0.0, False, 0)
    assert tutor.store.leaderboard_rows(room) == [(lid, "ada", 0, 0, 1, 1)]
    assert tutor.store.progress_of(lid)[CONCEPT].mastery == 0.0


def test_a_rescore_replays_the_later_answers_on_the_concept(tutor, clock):
    item = queued(tutor)
    lid = tutor.store.learner(ADA).id
    clock.advance(days=3)
    row = tutor.store.open_solo_session(lid, GO, CONCEPT, [], clock())
    tutor.store.record_attempt(
        row, lid, correct=True, score=1.0, response="...", points=10, first_try=False, now=clock(), rating=4
    )
    review(tutor, f"score {item} 1,2,3,4,5,6")
    progress = tutor.store.progress_of(lid)[CONCEPT]
    assert progress.mastery == update_mastery(update_mastery(0.0, 1.0), 1.0) and progress.correct == 2
    assert tutor.progress_report(lid)["points"] == 25


def test_accept_keeps_the_grade_and_is_audited(tutor):
    item = queued(tutor)
    replies = review(tutor, f"accept {item} Fair: the pilot conditions are missing.")
    assert f"Answer #{item} (ada): grade kept at 50% (not passed). ada will be told." in texts(replies)
    [attempt] = tutor.store.attempts_of(tutor.store.learner(ADA).id)
    assert (attempt.score, attempt.points) == (0.5, 0)
    [decision] = tutor.store.review_decisions(item)
    assert (decision.action, decision.old_score, decision.new_score, decision.comment) == (
        "accept",
        0.5,
        0.5,
        "Fair: the pilot conditions are missing.",
    )
    again = review(tutor, f"accept {item}")
    assert "already reviewed" in texts(again) and len(tutor.store.review_decisions(item)) == 1


def test_the_learner_is_told_once(tutor):
    item = queued(tutor)
    review(tutor, f"score {item} 1,2,3,5 Well argued; @everyone should read it.")
    [notice] = worker.due_notices(tutor, "console")
    to, replies = notice.to, notice.replies
    assert to.user == "ada"
    [text] = [r.plain() for r in replies]
    title = tutor.course.concepts[CONCEPT].title
    assert text.startswith(f"An instructor reviewed your answer to *{title}* (")
    assert "changed its grade from 50% to 67%: it now passes. Points for it: 0 → 15." in text
    assert "Their comment:" in text and "@everyone" not in text  # defused: no mass mention
    assert worker.due_notices(tutor, "console") == []  # taken: no second worker sends it
    worker.notice_done(tutor, notice, delivered=False)  # sending failed: it comes back
    assert worker.due_notices(tutor, "slack") == []  # another platform's worker leaves it alone
    # the console has no direct messages: the learner's next session opens with it, once
    assert [r.plain() for r in tutor.handle(E.SessionStart(ADA))] == [text]
    assert tutor.handle(E.SessionStart(ADA)) == [] and worker.due_notices(tutor, "console") == []


def test_a_worker_killed_while_sending_a_review_notice_loses_nothing(tutor, clock):
    item = queued(tutor)
    review(tutor, f"accept {item} Fair.")
    [taken] = worker.due_notices(tutor, "console")  # a worker takes it, then dies before it reports
    assert taken.kinds == ("review",) and "kept its grade" in taken.replies[0].plain()
    clock.advance(minutes=4)
    assert worker.due_notices(tutor, "console") == []  # its lease holds: nobody sends it twice meanwhile
    assert tutor.handle(E.SessionStart(ADA)) == []
    clock.advance(minutes=1, seconds=1)  # the lease lapsed: the next tick takes it again
    [again] = worker.due_notices(tutor, "console")
    assert again.ids == taken.ids and again.replies == taken.replies
    worker.notice_done(tutor, again, delivered=True)
    clock.advance(hours=1)
    assert worker.due_notices(tutor, "console") == [] and tutor.handle(E.SessionStart(ADA)) == []
    [entry] = tutor.store.outbox_of(tutor.store.learner(ADA).id)
    assert entry.delivered_at is not None


def test_one_outbox_holds_answers_and_review_notices_and_a_tick_sends_a_learners_together(tutor):
    """An instructor's inbox answer whose direct message failed and a review's outcome wait in the same
    outbox: the worker's next tick takes both for the learner, as one message, and reports both."""
    ada = tutor.store.learner(ADA).id
    asked = tutor.store.add_inbox(ada, None, "when is the exam?", [], tutor.clock())
    answered = tutor.handle(E.Inbox(PROF, action="answer", item_id=asked, text="Week 7."))
    [dm] = [r for r in answered if isinstance(r, R.DirectMessage)]
    tutor.notice_sent(dm.notice_id, delivered=False)  # the direct message did not arrive
    review(tutor, f"accept {queued(tutor)}")
    [notice] = worker.due_notices(tutor, "console")
    assert notice.to.user == "ada" and notice.kinds == ("answer", "review") and notice.ids[0] == dm.notice_id
    first, second = (r.plain() for r in notice.replies)
    assert 'You asked: "when is the exam?"' in first and "Week 7." in first and "kept its grade" in second
    worker.notice_done(tutor, notice, delivered=True)
    assert worker.due_notices(tutor, "console") == [] and tutor.handle(E.SessionStart(ADA)) == []
    assert [e.kind for e in tutor.store.outbox_of(ada) if e.delivered_at is not None] == ["answer", "review"]


def test_students_other_workspaces_and_bad_input_change_nothing(tutor):
    item = queued(tutor)
    other = queued(tutor, ELSEWHERE)
    refused = review(tutor, f"score {item} 1,2,3,4", who=BOB)
    assert "for instructors" in texts(refused)
    assert f"No answer #{other} to review" in texts(review(tutor, f"accept {other}"))  # not this workspace's
    assert f"#{other}" not in texts(review(tutor, ""))
    for line, says in [
        (f"score {item}", "Say which rubric points the answer covers, numbered 1 to 6"),
        (f"score {item} 7", "rubric points 1 to 6; 7 is not one"),
        (f"score {item} most", "'most' is not a list of rubric points"),
        (f"accept {item} " + "x" * 1001, "the limit is 1,000"),
        ("accept", "No answer #0 to review"),
        ("frobnicate 3", "/review-answers accept ID [COMMENT]"),
    ]:
        assert says in texts(review(tutor, line)), line
    assert tutor.store.review_decisions(item) == [] and worker.due_notices(tutor, "console") == []
    [attempt] = tutor.store.attempts_of(tutor.store.learner(ADA).id)
    assert (attempt.score, attempt.points) == (0.5, 0)


def test_two_instructors_deciding_at_once_apply_one_decision(tutor):
    item = queued(tutor)
    stale = tutor.store.review_item(item)
    review(tutor, f"score {item} 1,2,3,4")
    late = tutor.store.decide_review(
        stale,
        action="accept",
        reviewer_id=tutor.store.learner(PROF).id,
        score=0.5,
        correct=False,
        points=0,
        covered=[0, 1, 2],
        comment="",
        notice="kept",
        now=tutor.clock(),
        rate=lambda qid, ok, sc: 1,
    )
    assert late is None and len(tutor.store.review_decisions(item)) == 1
    assert tutor.store.attempts_of(tutor.store.learner(ADA).id)[0].points == 15


def test_my_data_shows_the_reviews_and_forget_me_deletes_them(tutor):
    item = queued(tutor)
    review(tutor, f"score {item} 1,2,3,5 Nice.")
    [file] = tutor.handle(E.MyData(ADA))
    data = json.loads(file.data)
    [mine] = data["answer_reviews"]
    assert (mine["id"], mine["graded_score"], mine["score"], mine["status"]) == (
        item,
        0.5,
        0.667,
        "overridden",
    )
    [decision] = mine["decisions"]
    assert decision["comment"] == "Nice." and "reviewer_id" not in decision
    [notice] = data["review_notices"]  # their outbox entry, under the key it always had
    assert "changed its grade" in notice["text"] and notice["decision_id"] == decision["id"]
    assert notice["claimed_at"] is None and notice["delivered_at"] is None  # not sent yet

    lid = tutor.store.learner(ADA).id
    tutor.handle(E.ForgetMe(ADA, confirm=True))
    assert tutor.store.review_item(item) is None and tutor.store.review_decisions(item) == []
    assert worker.due_notices(tutor, "console") == [] and tutor.store.outbox_of(lid) == []
    assert tutor.store.find_learner("console", "local", "ada") is None


def test_an_instructor_who_is_forgotten_leaves_the_audit_unsigned(tutor):
    item = queued(tutor)
    review(tutor, f"accept {item}")
    tutor.handle(E.ForgetMe(PROF, confirm=True))
    [decision] = tutor.store.review_decisions(item)
    assert decision.reviewer_id is None and decision.action == "accept"
    [row] = list(tutor.store.export_review_decisions())
    assert (row.user_id, row.reviewer, row.action) == ("ada", "", "accept")


@pytest.mark.model
def test_through_the_cli_the_audit_is_exported_and_the_overrides_feed_the_grading_eval(env, tmp_path):  # noqa: F811
    from tests.test_cli import tutor as cli

    answered = cli("chat", "--user", "ada", env=env, stdin=f"/quiz {GO}\n/answer {HALF_MEMO}\n")
    assert answered.returncode == 0 and "an instructor will review it" in " ".join(answered.stdout.split())
    decided = cli(
        "chat",
        "--user",
        "prof",
        "--instructor",
        env=env,
        stdin="/review-answers score 1 1,2,3,5 Good pilot.\n",
    )
    assert "re-scored" in decided.stdout, decided.stdout + decided.stderr

    [row] = [
        json.loads(x) for x in cli("export", "reviews", "--format", "jsonl", env=env).stdout.splitlines()
    ]
    assert {
        k: row[k] for k in ("user_id", "question_id", "action", "old_score", "new_score", "reviewer")
    } == {
        "user_id": "ada",
        "question_id": GO,
        "action": "override",
        "old_score": 0.5,
        "new_score": 0.667,
        "reviewer": "prof",
    }
    assert (row["old_points"], row["new_points"], row["covered"], row["comment"]) == (
        0,
        15,
        [1, 2, 3, 5],
        "Good pilot.",
    )
    assert row["at"].startswith("20")
    header = cli("export", "reviews", env=env).stdout.splitlines()[0]
    assert header.startswith("decision_id,review_id,platform,workspace,user_id,question_id,action,old_score")

    calibration = cli("export", "calibration", env=env)
    assert [json.loads(x) for x in calibration.stdout.splitlines()] == [
        {"question_id": GO, "kind": "instructor", "answer": HALF_MEMO, "covered": [0, 1, 2, 4]}
    ]
    f = tmp_path / "instructor.jsonl"
    f.write_text(calibration.stdout)
    evaluated = cli("eval", "--grading", str(f), env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    # the grader passes 3 of 6 (50%) where the instructor passed 4 of 6: a wrong decision, and in the queue
    assert "1/1 (100%)" in evaluated.stdout and "instruc" in evaluated.stdout

    told = " ".join(cli("chat", "--user", "ada", env=env, stdin="").stdout.split())
    assert "changed its grade from 50% to 67%: it now passes" in told
    assert "changed its grade" not in cli("chat", "--user", "ada", env=env, stdin="").stdout
