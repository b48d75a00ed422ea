"""Privacy and scope: a leaderboard ranks one class or one workspace, never learners of another workspace or
platform (a Slack DM /leaderboard once ranked everyone in the database). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot import events as E
from bot import replies as R
from bot.storage import Store, Workspace
from bot.tutor import Tutor
from tests.tutorbot import right_answer

ADA = E.LearnerRef("slack", "T1", "U0ADA", "Ada")  # the learner who asks, in workspace T1
CAROL = E.LearnerRef("slack", "T1", "U0CAROL", "Carol")  # same workspace, answered in a DM
DAN = E.LearnerRef("discord", "discord", "4242", "Dan", spans_workspaces=True)  # a Discord server's learner
EVE = E.LearnerRef("slack", "T2", "U0EVE", "Eve")  # another Slack workspace
CLASS_T1 = E.ClassRef("slack", "T1", "C0CLASS", "cs-101")
CLASS_G1 = E.ClassRef("discord", "9001", "777", "alignment")
CLASS_T2 = E.ClassRef("slack", "T2", "C0OTHER", "other-school")


@pytest.fixture
def tutor(mini_course, mini_retriever, db_url, clock):
    from bot.storage import make_engine

    engine = make_engine(db_url)
    yield Tutor(mini_course, Store(engine), mini_retriever, clock=clock, rate_limit=0)
    engine.dispose()


def answer_right(tutor: Tutor, who: E.LearnerRef, where: E.ClassRef | None) -> None:
    [question] = [
        r for r in tutor.handle(E.StartQuiz(who, topic="pt-q1", where=where)) if isinstance(r, R.Question)
    ]
    replies = tutor.handle(E.Answer(who, response=right_answer(tutor, question.session_id), where=where))
    assert any(isinstance(r, R.Feedback) and r.correct for r in replies)


@pytest.fixture
def everyone(tutor):
    """Four learners of three workspaces on two platforms, each with one right answer."""
    answer_right(tutor, ADA, CLASS_T1)
    answer_right(tutor, CAROL, None)
    answer_right(tutor, DAN, CLASS_G1)
    answer_right(tutor, EVE, CLASS_T2)
    return tutor


def board(tutor: Tutor, event: E.ShowLeaderboard) -> tuple[str, set[str]]:
    replies = tutor.handle(event)
    tables = [r for r in replies if isinstance(r, R.Table)]
    names = {row[1] for t in tables for row in t.rows}
    return "\n".join(r.plain() for r in replies), names


@pytest.mark.parametrize("period", ["all", "week"])
def test_a_slack_dm_leaderboard_ranks_its_own_workspace_only(everyone, period):
    text, names = board(everyone, E.ShowLeaderboard(ADA, period=period))
    assert names == {"Ada", "Carol"}
    assert "Dan" not in text and "Eve" not in text and "of 2 " in text


@pytest.mark.parametrize("period", ["all", "week"])
def test_a_class_leaderboard_ranks_that_class_only(everyone, period):
    _, names = board(everyone, E.ShowLeaderboard(ADA, period=period, where=CLASS_T1))
    assert names == {"Ada"}
    _, names = board(everyone, E.ShowLeaderboard(DAN, period=period, where=CLASS_G1))
    assert names == {"Dan"}


def test_a_discord_dm_leaderboard_names_nobody(everyone):
    """A Discord user is the same in every server, so a DM has no workspace to rank: the core points to the
    class instead of ranking every server's learners."""
    text, names = board(everyone, E.ShowLeaderboard(DAN))
    assert names == set() and "class's channel" in text
    assert not any(n in text for n in ("Ada", "Carol", "Eve", "Dan"))


def test_the_store_never_ranks_everyone(everyone):
    store = everyone.store
    with pytest.raises(ValueError, match="scoped"):
        store.leaderboard_rows(None)  # type: ignore[arg-type]
    rows = store.leaderboard_rows(Workspace("slack", "T2"))
    assert [name for _, name, *_ in rows] == ["Eve"] and rows[0][5] == 1  # ranked among 1
    rows = store.leaderboard_rows(Workspace("slack", "T1"), top=1, me=None)
    assert {name for _, name, *_ in rows} == {"Ada", "Carol"}  # tied for first
    assert store.leaderboard_rows(Workspace("teams", "T1")) == []


def test_a_class_report_in_a_new_channel_is_that_channels_not_another_classes(everyone):
    """The core makes the channel's class itself (the adapters once had to): an empty report, no other names."""
    prof = E.LearnerRef("slack", "T1", "U0PROF", "Prof", is_instructor=True)
    new_channel = E.ClassRef("slack", "T1", "C0NEW", "new-channel")
    text, _ = board(everyone, E.ClassReport(prof, where=new_channel))
    assert "No answers yet in new-channel" in text
    assert not any(n in text for n in ("Ada", "Carol", "Eve", "Dan"))
    text, _ = board(everyone, E.ClassReport(prof))  # a DM: no class to report on
    assert "class's channel" in text
