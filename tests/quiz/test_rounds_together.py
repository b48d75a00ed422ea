"""A class's burst recorded together (one transaction for the answers that arrived together) leaves exactly
the rows and replies that recording them one at a time leaves: attempts, points, first tries, progress and
its review schedule, all-time and weekly standings; double clicks and second answers count once."""

from __future__ import annotations

import sqlalchemy as sa

from bot import events as E
from bot import replies as R
from bot.retrieval import HashingEmbedder, Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.tutorbot import right_answer

CLASS = E.ClassRef("slack", "T1", "C0CLASS", "cs-101")
PROF = E.LearnerRef("slack", "T1", "U0PROF", display_name="prof", is_instructor=True)


def _round(tutor: Tutor, qid: str) -> int:
    [q] = [r for r in tutor.handle(E.StartRound(PROF, topic=qid, where=CLASS)) if isinstance(r, R.Question)]
    return q.session_id


def _wrong(tutor: Tutor, session_id: int) -> str:
    return "A" if right_answer(tutor, session_id) != "A" else "B"


def _rows(tutor: Tutor, prefix: str) -> dict[str, tuple]:
    """Everything the tutor keeps about the learners whose user id starts with `prefix`, by the rest of the id."""
    out: dict[str, tuple] = {}
    with tutor.store.engine.connect() as conn:
        for table, columns in {
            "attempt": "a.correct, a.score, a.points, a.first_try, a.response",
            "concept_progress": "a.concept_id, a.attempts, a.correct, a.mastery, a.card, a.due",
            "class_standing": "a.class_id, a.points, a.correct, a.answers",
            "weekly_standing": "a.class_id, a.week, a.points, a.correct, a.answers",
        }.items():
            rows = conn.execute(
                sa.text(
                    f"SELECT l.user_id, l.display_name, {columns} FROM {table} a "
                    "JOIN learner l ON l.id = a.learner_id WHERE l.user_id LIKE :p"
                ),
                {"p": prefix + "%"},
            ).all()
            for user, name, *rest in rows:
                key = f"{table}:{user[len(prefix) :]}"
                out[key] = tuple(sorted([*out.get(key, ()), (name, *map(str, rest))]))
    return out


def test_answers_recorded_together_leave_what_one_at_a_time_leaves(db_url, course, clock):
    engine = make_engine(db_url)
    tutor = Tutor(course, Store(engine), Retriever(course, HashingEmbedder()), clock=clock, rate_limit=0)
    qid = next(q.id for q in course.questions.values() if q.type == "single_choice")
    # Two groups of learners, "one" and "all", live the same story: learners 0-2 answered this question in
    # an earlier round (so not a first try, and their progress and standings rows exist), then everyone
    # answers a new round; 3 answers twice in the burst, 4 sends a letter that is no option.
    plan = {0: "right", 1: "wrong", 2: "right", 3: "twice", 4: "Z", 5: "right", 6: "wrong", 7: "right"}

    def learner(group: str, i: int) -> E.LearnerRef:
        return E.LearnerRef("slack", "T1", f"U{group}{i}", display_name=f"student {i}")

    earlier = _round(tutor, qid)
    for group in ("one", "all"):
        for i in range(3):
            text = right_answer(tutor, earlier) if i != 1 else _wrong(tutor, earlier)
            tutor.handle(E.Answer(learner(group, i), where=CLASS, response=text, session_id=earlier))
    assert tutor.close_round(earlier) is not None
    clock.advance(hours=1)

    def burst(group: str, session_id: int) -> list[E.Answer]:
        right, wrong = right_answer(tutor, session_id), _wrong(tutor, session_id)
        answers = []
        for i, how in plan.items():
            text = {"right": right, "wrong": wrong, "twice": right}.get(how, how)
            answers.append(E.Answer(learner(group, i), where=CLASS, response=text, session_id=session_id))
            if how == "twice":
                answers.append(
                    E.Answer(learner(group, i), where=CLASS, response=wrong, session_id=session_id)
                )
        return answers

    one, together = _round(tutor, qid), _round(tutor, qid)
    # the two rounds show their options in different orders: the same story, letter by letter
    singly = [tutor.handle(a) for a in burst("one", one)]
    grouped = tutor.handle_together(burst("all", together))

    def plain(replies: list[list[R.Reply]]) -> list[list[str]]:
        return [[r.plain() for r in rs] for rs in replies]

    assert plain(grouped) == plain(singly)
    assert [r[0].plain().startswith("Got it") for r in grouped].count(True) == 7  # 4's "Z" is no answer
    assert "first answer counts" in grouped[4][0].plain()  # 3's second click
    assert _rows(tutor, "Uall") == _rows(tutor, "Uone")
    assert len([k for k in _rows(tutor, "Uall") if k.startswith("attempt:")]) == 7  # all but 4
    # the same burst again records nothing more
    no_option = plain(grouped)[5]  # 4's "Z"
    assert all(
        r == no_option or "first answer counts" in r[0]
        for r in plain(tutor.handle_together(burst("all", together)))
    )
    assert _rows(tutor, "Uall") == _rows(tutor, "Uone")
    # a closed round refuses the whole burst, and records nothing
    assert tutor.close_round(together) is not None
    late = tutor.handle_together(burst("all", together))
    assert all("round is closed" in r[0].plain() for r in late)
    assert _rows(tutor, "Uall") == _rows(tutor, "Uone")
    engine.dispose()
