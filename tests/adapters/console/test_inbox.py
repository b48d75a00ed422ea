"""The instructors' inbox through the console (the real model, a temporary database): the same question asked
again is one item with a count, /inbox dismiss, and an instructor's answer told to every learner who asked,
at the start of their next session."""

from __future__ import annotations

import io
import json

from adapters.console.app import ConsoleApp
from bot import events as E
from bot import replies as R

MIDTERM = "when is the midterm exam?"
ANSWER = "The midterm exam is in week 7, on the Monday lecture slot. @everyone bring a pen."


def _table(replies: list[R.Reply]) -> R.Table:
    [table] = [r for r in replies if isinstance(r, R.Table)]
    return table


def test_the_same_question_asked_again_is_one_item_with_a_count(tutorbot, clock):
    for user, question in (
        ("ada", MIDTERM),
        ("bob", "When is the midterm exam??"),  # the same words once normalised
        ("cy", "what date is the midterm exam"),  # reworded: cosine 0.94 to ada's
        ("ada", "when is the final exam?"),  # another exam: another question
        ("dee", "what is lora?"),
        ("eve", "is lora on the exam?"),  # about LoRA too, but not what dee asked
    ):
        tutorbot.say(question, user=user)
        assert "instructors" in tutorbot.text(), question  # each was passed on
        clock.advance(minutes=1)
    items = tutorbot.store.inbox()
    assert [(i.text, i.asked) for i in items] == [
        (MIDTERM, 3),  # the most asked first, then the longest waiting
        ("when is the final exam?", 1),
        ("what is lora?", 1),
        ("is lora on the exam?", 1),
    ]
    table = _table(tutorbot.say("/inbox", user="prof"))
    assert table.title == "Questions the tutor could not answer (4 open)"
    assert table.rows[0][0] == str(items[0].id)
    assert table.rows[0][1:3] == ("asked 3 times", "ada, bob +1") and table.rows[0][4] == MIDTERM
    assert [row[1] for row in table.rows[1:]] == ["asked once"] * 3
    assert "/inbox dismiss ID" in table.note
    # `tutor chat --json` still says a repeated question was passed on
    again = tutorbot.app("fay").transcript("WHEN is the midterm exam")
    assert again["forwarded"] is True and tutorbot.store.inbox()[0].asked == 4


def test_dismiss_takes_a_question_off_the_list_and_tells_nobody(tutorbot):
    tutorbot.say(MIDTERM, user="ada")
    tutorbot.say("what is lora?", user="bob")
    midterm, lora = (i.id for i in tutorbot.store.inbox())
    [done] = tutorbot.say(f"/inbox dismiss {midterm}", user="prof")
    assert done.plain() == f"Inbox #{midterm} is dismissed: it leaves the list, and nobody is told."
    assert [row[4] for row in _table(tutorbot.say("/inbox", user="prof")).rows] == ["what is lora?"]
    item = tutorbot.store.inbox_item(midterm)
    prof = tutorbot.store.find_learner("console", "local", "prof")
    assert (item.status, item.dismissed_by) == ("dismissed", prof.id)
    [again] = tutorbot.say(f"/inbox dismiss {midterm}", user="prof")
    assert again.kind == "error" and again.plain() == f"Inbox #{midterm} was dismissed already."
    [unknown] = tutorbot.say("/inbox dismiss 999", user="prof")
    assert unknown.kind == "error" and "No inbox question #999" in unknown.plain()
    [bare] = tutorbot.say("/inbox dismiss", user="prof")
    assert bare.kind == "error" and "No inbox question #0" in bare.plain()
    tutorbot.say(f"/inbox answer {lora} LoRA is not in this course.", user="prof")
    [answered] = tutorbot.say(f"/inbox dismiss {lora}", user="prof")
    assert answered.kind == "error" and "answered already" in answered.plain()
    assert tutorbot.store.inbox_item(lora).status == "answered"
    [refused] = tutorbot.say(f"/inbox dismiss {lora}", user="ada")  # students may not
    assert "for instructors" in refused.plain()
    assert tutorbot.new_session("ada") == []  # a dismissal is not news for the asker
    [shout] = tutorbot.say("/inbox shout 1", user="prof")
    assert shout.plain() == (
        "Use /inbox, /inbox answer ID TEXT, /inbox add ID [CONCEPT] or /inbox dismiss ID."
    )


def test_an_answer_reaches_every_asker_at_the_start_of_their_next_session(tutorbot):
    tutorbot.say(MIDTERM, user="ada")
    tutorbot.say("When is the midterm exam??", user="bob")
    [item] = tutorbot.store.inbox()
    replies = tutorbot.say(f"/inbox answer {item.id} {ANSWER}", user="prof")
    assert [r.plain() for r in replies] == [
        f"Inbox #{item.id} is answered; ada and bob are told. /inbox add {item.id} adds the answer to the course."
    ]
    [notice] = tutorbot.new_session("ada")
    assert isinstance(notice, R.Text) and notice.kind == "notice"
    text = notice.plain()
    assert text.startswith("An instructor answered the question you asked the tutor.")
    assert f'You asked: "{MIDTERM}"' in text and "week 7, on the Monday lecture slot" in text
    assert "@everyone" not in text and "@\u200beveryone" in text  # never a mass mention
    assert tutorbot.new_session("ada") == []  # shown once
    [theirs] = tutorbot.new_session("bob")
    assert 'You asked: "When is the midterm exam??"' in theirs.plain()  # in bob's own words
    # /my-data shows the notification, delivered
    [file] = tutorbot.say("/my-data", user="ada")
    data = json.loads(file.data)
    [kept] = data["notifications"]
    assert kept["question"] == MIDTERM and kept["answer"].startswith("The midterm") and kept["delivered_at"]
    assert data["questions_forwarded"][0]["status"] == "answered"
    # answering twice tells nobody twice
    [twice] = tutorbot.say(f"/inbox answer {item.id} Week 8.", user="prof")
    assert twice.kind == "error" and "already answered" in twice.plain()
    assert tutorbot.new_session("ada") == [] and tutorbot.new_session("bob") == []


def test_the_core_addresses_an_answer_to_each_asker(tutorbot):
    """What Slack and Discord receive: the instructor's confirmation, then a DirectMessage per asker."""
    tutorbot.say(MIDTERM, user="ada")
    tutorbot.say("what date is the midterm exam", user="bob")
    [item] = tutorbot.store.inbox()
    prof = E.LearnerRef("console", "local", "prof", is_instructor=True)
    replies = tutorbot.tutor.handle(E.Inbox(prof, action="answer", item_id=item.id or 0, text=ANSWER))
    direct = [r for r in replies if isinstance(r, R.DirectMessage)]
    assert [(d.to.user, d.to.platform) for d in direct] == [("ada", "console"), ("bob", "console")]
    assert all(d.notice_id and ANSWER.split("@")[0] in d.text and "@everyone" not in d.text for d in direct)
    assert 'You asked: "what date is the midterm exam"' in direct[1].text
    assert all(r.plain() == "" for r in direct)  # nothing of them for the instructor's own screen


def test_tutor_chat_opens_with_what_the_learner_is_to_be_told(tutorbot):
    tutorbot.say(MIDTERM, user="ada")
    [item] = tutorbot.store.inbox()
    tutorbot.say(f"/inbox answer {item.id} {ANSWER}", user="prof")
    out = io.StringIO()
    app = ConsoleApp(tutorbot.tutor, user="ada", class_name="cs-101", out=out)
    assert app.run(io.StringIO("/next\n")) == 0
    printed = out.getvalue()
    assert printed.startswith("An instructor answered the question you asked the tutor.")
    assert printed.index("week 7") < printed.index("/quiz")  # the notice first, then the answer to /next
    again = io.StringIO()
    ConsoleApp(tutorbot.tutor, user="ada", class_name="cs-101", out=again).run(io.StringIO(""))
    assert again.getvalue() == ""  # told once


def test_forget_me_takes_the_learner_off_a_merged_question_only(tutorbot):
    tutorbot.say(MIDTERM, user="ada")
    tutorbot.say("when is the midterm exam", user="bob")
    tutorbot.say("what is lora?", user="ada")
    tutorbot.say("/forget-me confirm", user="ada")
    [item] = tutorbot.store.inbox()  # ada's LoRA question went with her; bob's stays
    assert (item.text, item.asked) == ("when is the midterm exam", 1)
    assert _table(tutorbot.say("/inbox", user="prof")).rows[0][1:3] == ("asked once", "bob")
    tutorbot.say(f"/inbox answer {item.id} Week 7.", user="prof")
    assert "bob is told" in tutorbot.text()
    assert "Week 7." in tutorbot.new_session("bob")[0].plain()
