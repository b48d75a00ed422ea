"""The webhook platform end to end: JSON events over its real HTTP endpoint, the shared worker closing rounds
and sending digests and notices through its Platform port, and what arrives in the outbox."""

from __future__ import annotations

import argparse
import socket
import threading
import time

import pytest

from adapters.webhook.app import WebhookTutor, serve
from bot import events as E
from bot.platform import Platform
from bot.settings import Settings
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.webhook.driver import WebhookDriver, texts
from tests.conftest import http_get
from tests.tutorbot import right_answer

MIDTERM = "when is the midterm exam?"


@pytest.fixture
def tutor(course, retriever, sqlite_url, clock):
    engine = make_engine(sqlite_url)
    yield Tutor(course, Store(engine), retriever, clock=clock, round_seconds=60)
    engine.dispose()


@pytest.fixture
def chat(tutor):
    driver = WebhookDriver(tutor)
    yield driver
    driver.close()


def single_choice(tutor: Tutor, skip: int = 0) -> str:
    return [q.id for q in tutor.course.questions.values() if q.type == "single_choice"][skip]


def posted_question(chat: WebhookDriver) -> dict:
    [question] = chat.channel()[-1]["replies"]
    assert question["type"] == "question" and question["round"]
    return question


def test_the_adapter_is_a_platform_for_the_worker(tutor):
    assert isinstance(WebhookTutor(tutor), Platform)


def test_a_question_in_a_direct_conversation_is_answered_from_the_course(chat):
    replies = chat.say("What does RLHF stand for?", place=None)
    assert any(r["type"] == "passage" for r in replies)
    assert chat.hook.outbox == type(chat.hook.outbox)()  # nothing posted for anyone else


def test_a_class_round_is_posted_answered_and_closed_at_its_deadline_by_the_worker(chat, tutor, clock):
    started = chat.say(f"/round {single_choice(tutor)}", user="prof")
    assert "question" not in [r["type"] for r in started]  # the question is the class's, in the channel
    question = posted_question(chat)
    sid = question["session_id"]
    assert question["buttons"][-1] == "close" and "A" in question["buttons"]
    right = right_answer(tutor, sid)
    wrong = next(b for b in question["buttons"] if b not in (right, "close"))

    assert "is recorded" in texts(chat.click(sid, right, user="ada"))
    assert "is recorded" in texts(chat.click(sid, wrong, user="bob"))
    chat.tick()
    assert len(chat.channel()) == 1  # not due yet: nothing closed

    clock.advance(seconds=61)
    chat.tick()
    [_, results] = chat.channel()
    [result] = results["replies"]
    assert result["type"] == "roundresult" and result["session_id"] == sid
    assert "(2 answers)" in result["text"] and "ada" in result["text"] and "bob" in result["text"]
    # the question posted in the channel loses its buttons
    [update] = chat.updates()
    assert update["update"] == chat.channel()[0]["message"] and update["buttons"] == []
    assert "closed" in texts(chat.click(sid, right, user="cy"))
    chat.tick()
    assert len(chat.channel()) == 2  # closed once, posted once


def test_the_worker_closes_rounds_on_its_own_schedule(tutor, clock):
    chat = WebhookDriver(tutor, round_interval=0.05)
    try:
        chat.say(f"/round {single_choice(tutor, 1)}", user="prof")
        sid = posted_question(chat)["session_id"]
        clock.advance(seconds=61)
        chat.hook.start()
        for _ in range(200):
            if len(chat.channel()) == 2:
                break
            time.sleep(0.05)
        assert chat.channel()[-1]["replies"][0]["session_id"] == sid
    finally:
        chat.close()
    assert not chat.hook.worker.running


def test_an_instructor_closes_a_round_with_its_button(chat, tutor):
    chat.say(f"/round {single_choice(tutor, 2)}", user="prof")
    sid = posted_question(chat)["session_id"]
    refused = chat.click(sid, "close", user="ada")
    assert "Round closed" not in texts(refused) and len(chat.channel()) == 1
    chat.click(sid, "close", user="prof")
    assert "Round closed" in chat.channel()[-1]["replies"][0]["text"]
    assert [u["update"] for u in chat.updates()] == [chat.channel()[0]["message"]]


def test_an_instructors_answer_reaches_each_asker_and_a_refused_one_waits_for_the_next_tick(chat, tutor):
    chat.say(MIDTERM, user="ada", place=None)
    chat.say("When is the midterm exam??", user="bob", place=None)
    [item] = tutor.store.inbox()
    chat.refuse.add("bob")  # bob's direct messages do not arrive for now
    done = chat.say(f"/inbox answer {item.id} Week 7, Monday.", user="prof", place=None)
    assert texts(done) == (
        f"Inbox #{item.id} is answered; ada and bob are told. /inbox add {item.id} adds the answer to the course."
    )
    [ada] = chat.direct("ada")
    assert f'You asked: "{MIDTERM}"' in texts(ada["replies"]) and "Week 7, Monday." in texts(ada["replies"])
    assert chat.direct("bob") == []

    chat.refuse.clear()
    chat.tick()  # the digest sender's tick sends what is still owed, once
    [bob] = chat.direct("bob")
    assert "Week 7, Monday." in texts(bob["replies"])
    chat.tick()
    assert len(chat.direct("ada")) == 1 and len(chat.direct("bob")) == 1


def test_the_outcome_of_a_review_goes_out_with_the_same_outbox_and_waits_when_refused(chat, tutor):
    from tests.test_review_answers import queued

    item = queued(tutor, E.LearnerRef("webhook", "webhook", "ada", "ada"))
    done = chat.say(f"/review-answers score {item} 1,2,3,5 Good pilot conditions.", user="prof", place=None)
    assert "re-scored: 50% (not passed) → 67% (passed)" in texts(done)
    assert chat.direct("ada") == []  # nobody is messaged before the worker's tick
    chat.refuse.add("ada")
    chat.tick()  # refused: given back, not lost
    assert chat.direct("ada") == []
    chat.refuse.clear()
    chat.tick()
    [dm] = chat.direct("ada")
    assert "changed its grade from 50% to 67%: it now passes" in texts(dm["replies"])
    assert "Good pilot conditions." in texts(dm["replies"])
    chat.tick()
    assert len(chat.direct("ada")) == 1  # once


def test_the_review_digest_is_a_direct_message(chat, tutor, clock):
    chat.say("/digest on", place=None)
    [question] = [r for r in chat.say(f"/quiz {single_choice(tutor)}", place=None) if r["type"] == "question"]
    assert not question["round"]  # a question for ada alone, in her conversation: nothing in a channel
    answer = right_answer(tutor, question["session_id"])
    assert "right" in texts(chat.click(question["session_id"], answer, place=None)).lower()
    clock.advance(days=60)
    chat.tick()
    [digest] = chat.direct("ada")
    assert "Time for a review" in texts(digest["replies"])
    chat.tick()
    assert len(chat.direct("ada")) == 1  # once a day


def test_requests_it_cannot_read_or_trust_are_refused_and_a_redelivery_answered_once(chat):
    assert chat.send({"type": "message", "user": "ada", "text": "hi"}, token="wrong")[0] == 401
    assert chat.send(None, raw=b"{not json")[0] == 400
    assert chat.send({"type": "wave", "user": "ada"}) == (400, {"error": "I couldn't read that request."})
    assert chat.send({"type": "click", "user": "ada", "session_id": "7", "value": "A"})[0] == 400
    event = {"type": "message", "id": "evt-once", "user": "ada", "text": "/next"}
    status, first = chat.send(event)
    assert status == 200 and "Learn next" in texts(first["replies"])
    assert chat.send(event) == (200, {"replies": []})
    assert http_get(f"{chat.url}/healthz") == (200, "ok\n")


def _health(port: int) -> tuple[int, str]:
    try:
        return http_get(f"http://127.0.0.1:{port}/healthz")
    except OSError:  # not listening yet
        return 0, ""


def test_serve_answers_until_stopped(tutor):
    stop = threading.Event()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = argparse.Namespace(host="127.0.0.1", port=port, stop=stop)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(tutor, Settings(), args)), daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if _health(port)[0] == 200:
                break
            time.sleep(0.1)
        assert _health(port) == (200, "ok\n")
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]


def test_serve_refuses_an_open_address_without_a_token(tutor, monkeypatch, capsys):
    monkeypatch.delenv("TUTOR_WEBHOOK_TOKEN", raising=False)
    args = argparse.Namespace(host="0.0.0.0", port=0, stop=threading.Event())
    assert serve(tutor, Settings(), args) == 2
    assert "TUTOR_WEBHOOK_TOKEN" in capsys.readouterr().err
