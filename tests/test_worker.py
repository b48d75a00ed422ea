"""The shared worker against a platform of its own (a fake Platform that records what it is asked to do): the
round closer, the outbox of notices with release on failure, ticks that fail without ending the loops. Every
adapter's side of the port is checked against the Protocol."""

from __future__ import annotations

import logging
import time

import pytest

from adapters.console.app import ConsoleApp
from adapters.discord.app import DiscordAdapter, DiscordPlatform
from adapters.slack.app import SlackTutor
from adapters.webhook.app import WebhookTutor
from bot import events as E
from bot import replies as R
from bot import worker
from bot.platform import Platform
from bot.storage import Store, make_engine
from bot.tutor import Tutor

PLATFORM = "fake"
ADA = E.LearnerRef(PLATFORM, "w", "ada", "Ada")
BOB = E.LearnerRef(PLATFORM, "w", "bob", "Bob")
PROF = E.LearnerRef(PLATFORM, "w", "prof", "Prof", is_instructor=True)
CLASS = E.ClassRef(PLATFORM, "w", "C1", "class")


class FakePlatform:
    name = PLATFORM

    def __init__(self) -> None:
        self.posts: list[tuple[str, list[R.Reply]]] = []
        self.direct: list[tuple[str, list[R.Reply]]] = []
        self.retired: list[int] = []
        self.refuse: set[str] = set()  # learners whose messages do not arrive
        self.broken: set[str] = set()  # learners whose messages raise
        self.post_fails = False

    def post(self, channel: str, replies: list[R.Reply]) -> bool:
        if self.post_fails:
            return False
        self.posts.append((channel, replies))
        return True

    def send_direct(self, to: E.LearnerRef, replies: list[R.Reply]) -> bool:
        if to.user in self.broken:
            raise ConnectionError("the platform hung up")
        if to.user in self.refuse:
            return False
        self.direct.append((to.user, replies))
        return True

    def retire_round(self, session_id: int) -> None:
        self.retired.append(session_id)

    def deliverable(self, to: E.LearnerRef) -> bool:
        return to.platform == PLATFORM

    def health(self) -> str | None:
        return None


@pytest.fixture
def tutor(mini_course, mini_retriever, sqlite_url, clock):
    engine = make_engine(sqlite_url)
    yield Tutor(mini_course, Store(engine), mini_retriever, clock=clock, round_seconds=60)
    engine.dispose()


@pytest.fixture
def fake() -> FakePlatform:
    return FakePlatform()


def open_round(tutor: Tutor) -> int:
    qid = next(q.id for q in tutor.course.questions.values() if q.type == "single_choice")
    [question] = [
        r for r in tutor.handle(E.StartRound(PROF, topic=qid, where=CLASS)) if isinstance(r, R.Question)
    ]
    return question.session_id


def test_every_adapter_implements_the_port(tutor):
    slack = SlackTutor(tutor, bot_token="xoxb-test", api_url="http://127.0.0.1:9/api/")
    try:
        ports = [
            slack,
            DiscordPlatform(DiscordAdapter(tutor)),
            WebhookTutor(tutor),
            ConsoleApp(tutor),
            FakePlatform(),
        ]
        assert all(isinstance(port, Platform) for port in ports)
    finally:
        slack.stop()


def test_a_due_round_is_closed_once_its_results_posted_in_its_class_and_its_buttons_taken_off(
    tutor, fake, clock
):
    sid = open_round(tutor)
    work = worker.Worker(tutor, fake)
    assert work.close_due_rounds() == 0 and fake.posts == []
    clock.advance(seconds=61)
    assert work.close_due_rounds() == 1
    [(channel, [result])] = fake.posts
    assert channel == "C1" and isinstance(result, R.RoundResult) and result.session_id == sid
    assert fake.retired == [sid]
    assert work.close_due_rounds() == 0 and len(fake.posts) == 1
    # another platform's worker on the same database leaves this platform's rounds alone
    open_round(tutor)
    clock.advance(seconds=61)
    other = FakePlatform()
    other.name = "elsewhere"
    assert worker.Worker(tutor, other).close_due_rounds() == 0


def test_results_that_cannot_be_posted_are_logged_and_the_round_still_closes(tutor, fake, clock, caplog):
    sid = open_round(tutor)
    clock.advance(seconds=61)
    fake.post_fails = True
    with caplog.at_level(logging.WARNING, logger="bot.worker"):
        assert worker.Worker(tutor, fake).close_due_rounds() == 1
    assert f"fake: the results of round {sid} were not posted in C1; the answers are kept" in caplog.text
    assert fake.retired == [sid] and tutor.store.session(sid).status == "closed"


def test_a_notice_that_does_not_arrive_goes_back_for_the_next_tick_and_the_others_still_go(tutor, fake):
    owed = [
        R.DirectMessage(to, f"answer for {to.user}", notice_id=n) for n, to in enumerate((ADA, BOB), start=1)
    ]
    sent: list[tuple[int, bool]] = []
    tutor.notice_sent = lambda notice_id, delivered: sent.append((notice_id, delivered))  # type: ignore[method-assign]
    fake.broken.add("ada")
    assert worker.Worker(tutor, fake).send_notices(owed) == 1
    assert fake.direct == [("bob", [R.Text("answer for bob")])]
    assert sorted(sent) == [(1, False), (2, True)]  # ada's is given back, bob's is done


def test_a_failing_tick_is_logged_and_the_loops_go_on_until_stopped(tutor, fake, caplog):
    calls: list[int] = []

    def broken(platform=None):
        calls.append(1)
        raise RuntimeError("database went away")

    tutor.digests = broken  # type: ignore[method-assign]
    work = worker.Worker(tutor, fake, round_interval=0.01, digest_interval=0.01)
    with caplog.at_level(logging.ERROR, logger="bot.worker"):
        work.start()
        work.start()  # again while running: nothing more
        try:
            deadline = time.monotonic() + 20
            while len(calls) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            work.stop()
    assert len(calls) >= 3 and "fake: sending the review digests failed; trying again" in caplog.text
    assert not work.running
