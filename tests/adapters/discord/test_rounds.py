"""Class rounds and personal questions: buttons, select menus and the essay modal, deadlines and restarts."""

from __future__ import annotations

import re

from tests.adapters.discord.conftest import question_of_type
from tests.fakes.discord_api import EPHEMERAL, component_ids, find_component, snowflake, text_of


def flags(request) -> int:
    body = request.body or {}
    return (body.get("data") or body).get("flags", 0) or 0


def session_of(message: dict) -> int:
    ids = component_ids(message)
    assert ids, "the message has no components"
    return int(re.match(r"tutor:[a-z]:(\d+)", ids[0]).group(1))


async def start_round(fake, user, topic: str, **options) -> tuple[dict, int]:
    """/quiz in the class channel; returns the round message (as posted) and its session id."""
    it = await fake.slash("quiz", user, topic=topic, **options)
    response = await fake.response(it)
    assert response.body["type"] == 5 and not flags(response) & EPHEMERAL
    [posted] = await fake.followups(it)
    assert not flags(posted) & EPHEMERAL and posted.body["allowed_mentions"] == {"parse": []}
    return posted.message, session_of(posted.message)


async def click(fake, message: dict, custom_id: str, user) -> list:
    """Click a button that answers privately; returns the follow-ups."""
    it = await fake.click(message, custom_id, user)
    response = await fake.response(it)
    assert response.body["type"] == 5
    return await fake.followups(it)


async def test_a_class_round_with_three_students(bot, fake, course):
    teacher = fake.user("teacher")
    ada, bob, cat = fake.user("ada"), fake.user("bob"), fake.user("@everyone")
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"))
    embed = message["embeds"][0]
    assert embed["title"].startswith("Class round · ")
    assert component_ids(message) == [f"tutor:a:{sid}:{k}" for k in "ABCD"] + [f"tutor:c:{sid}"]

    right = bot.right_answer(sid)
    wrong = next(k for k in "ABCD" if k != right)
    for student, choice in ((ada, right), (bob, right), (cat, wrong)):
        [ack] = await click(fake, message, f"tutor:a:{sid}:{choice}", student)
        assert flags(ack) & EPHEMERAL  # only the student sees it
        assert f"Got it: {choice} is recorded" in text_of(ack)

    # a double click (or a second thought) counts once
    [again] = await click(fake, message, f"tutor:a:{sid}:{wrong}", ada)
    assert "already answered this round" in text_of(again) and flags(again) & EPHEMERAL
    assert len(bot.store.round_answers(sid)) == 3

    # the poster closes it: the results are for the whole class
    it = await fake.click(message, f"tutor:c:{sid}", teacher)
    assert (await fake.response(it)).body["type"] == 6
    [results] = await fake.followups(it)
    assert not flags(results) & EPHEMERAL and results.body["allowed_mentions"] == {"parse": []}
    text = text_of(results)
    assert "Round closed" in text and f"The answer is {right}." in text
    assert "How the class answered (3 answers)" in text
    assert f"✅ **{right}**: 2" in text and f"▫️ **{wrong}**: 1" in text
    assert "Ada: right, +15" in text and "Bob: right, +15" in text
    assert "@\u200beveryone" in text.lower() and ": wrong, +0" in text  # a name never pings
    assert any("—" in line for line in text.splitlines())  # the explanation of every option
    [edit] = await fake.edits(it)
    assert edit.message["components"] == []  # the round message loses its buttons
    assert bot.store.session(sid).status == "closed"

    # progress and the leaderboard show the round
    it = await fake.slash("leaderboard", ada)
    [board] = await fake.followups(it)
    assert not flags(board) & EPHEMERAL
    assert re.search(r"1\s+Ada\s+15", text_of(board)) and re.search(
        r"1\s+Bob\s+15", text_of(board)
    )  # a tie shares the rank
    it = await fake.slash("progress", ada)
    [mine] = await fake.followups(it)
    assert flags(mine) & EPHEMERAL and "15 points" in text_of(mine)


async def test_only_the_poster_or_an_instructor_closes_a_round(bot, fake, course):
    teacher, bob = fake.user("teacher"), fake.user("bob")
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"))
    it = await fake.click(message, f"tutor:c:{sid}", bob)
    [refused] = await fake.followups(it)
    assert "Only the person who started this round" in text_of(refused) and flags(refused) & EPHEMERAL
    assert bot.store.session(sid).status == "open"

    # Manage Server makes an instructor
    it = await fake.click(message, f"tutor:c:{sid}", fake.user("dean", manage_guild=True))
    [results] = await fake.followups(it)
    assert "Nobody answered this round." in text_of(results)

    # so does a role listed in TUTOR_INSTRUCTORS
    bot.tutor.instructors = {fake.instructor_role}
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"))
    it = await fake.click(message, f"tutor:c:{sid}", fake.user("ta", instructor_role=True))
    [results] = await fake.followups(it)
    assert "Round closed" in text_of(results)

    # a closed round refuses answers politely
    [late] = await click(fake, message, f"tutor:a:{sid}:A", bob)
    assert "This round is closed" in text_of(late)


async def test_a_round_closes_at_its_deadline(bot, fake, course, clock):
    teacher, ada = fake.user("teacher"), fake.user("ada")
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"), seconds=30)
    assert "<t:" in message["embeds"][0]["description"]  # when it closes, in each reader's time zone
    await click(fake, message, f"tutor:a:{sid}:{bot.right_answer(sid)}", ada)
    clock.advance(seconds=31)
    [posted] = await fake.wait_for(lambda: fake.kinds("channel_message"))
    assert posted.path == f"/channels/{fake.channel_id}/messages"
    assert "Round closed" in text_of(posted.body) and "Ada: right, +15" in text_of(posted.body)
    assert posted.body["allowed_mentions"] == {"parse": []}
    [edit] = await fake.wait_for(lambda: fake.kinds("channel_edit"))
    assert edit.path.endswith(f"/messages/{message['id']}") and edit.message["components"] == []
    assert bot.store.session(sid).status == "closed"


async def test_a_click_after_a_restart_is_handled(bot, fake, course, clock):
    teacher, ada, bob = fake.user("teacher"), fake.user("ada"), fake.user("bob")
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"))
    right = bot.right_answer(sid)
    await click(fake, message, f"tutor:a:{sid}:{right}", ada)

    await bot.stop()  # the process goes away...
    await bot.start()  # ...and a new one (a new Tutor on the same database) takes over

    [ack] = await click(fake, message, f"tutor:a:{sid}:{right}", bob)  # a button of the old round
    assert f"Got it: {right} is recorded" in text_of(ack)
    [again] = await click(fake, message, f"tutor:a:{sid}:{right}", ada)
    assert "already answered this round" in text_of(again)
    it = await fake.click(message, f"tutor:c:{sid}", teacher)
    [results] = await fake.followups(it)
    assert "Ada: right, +15" in text_of(results) and "Bob: right, +15" in text_of(results)


async def test_rounds_left_open_by_a_restart_close_when_due(bot, fake, course, clock):
    message, sid = await start_round(fake, fake.user("teacher"), question_of_type(course, "single_choice"))
    await bot.stop()
    clock.advance(minutes=5)  # the deadline passes while no bot runs
    await bot.start()
    [posted] = await fake.wait_for(lambda: fake.kinds("channel_message"))
    assert "Nobody answered this round." in text_of(posted.body)
    assert bot.store.session(sid).status == "closed"
    # the new process never posted the question, yet takes its buttons off: where it was is stored
    [edit] = await fake.wait_for(lambda: fake.kinds("channel_edit"))
    assert edit.path.endswith(f"/messages/{message['id']}") and edit.message["components"] == []


async def test_ordering_is_answered_with_select_menus(bot, fake, course):
    teacher, ada = fake.user("teacher"), fake.user("ada")
    message, sid = await start_round(fake, teacher, question_of_type(course, "ordering"))
    assert component_ids(message) == [f"tutor:f:{sid}:o", f"tutor:c:{sid}"]
    [form_post] = await click(fake, message, f"tutor:f:{sid}:o", ada)
    assert flags(form_post) & EPHEMERAL
    form = form_post.message
    steps = bot.right_answer(sid).split()
    for position, step in enumerate(steps[:-1], 1):
        [menu] = [c for c in component_ids(form) if c.startswith("tutor:p:")]
        assert len(find_component(form, menu)["options"]) == len(steps) - position + 1
        it = await fake.choose(form, menu, [step], ada)
        assert (await fake.response(it)).body["type"] == 6
        [edit] = await fake.edits(it)
        form = edit.message
    # the last step goes last by itself; the whole order is shown before it is sent
    submit = f"tutor:g:{sid}:o{''.join(steps)}"
    assert component_ids(form) == [submit, f"tutor:r:{sid}:o"]
    it = await fake.click(form, submit, ada)
    assert (await fake.response(it)).body["type"] == 6
    [edit] = await fake.edits(it)
    assert f"Got it: {' '.join(steps)} is recorded" in text_of(edit.message)
    assert edit.message["components"] == []

    it = await fake.click(message, f"tutor:c:{sid}", teacher)
    [results] = await fake.followups(it)
    assert f"The right order is {' '.join(steps)}." in text_of(results) and "Ada: right" in text_of(results)


async def test_matching_in_a_dm_is_personal_and_uses_select_menus(bot, fake, course):
    ada = fake.user("ada")
    it = await fake.slash("quiz", ada, dm=True, topic=question_of_type(course, "matching"))
    [posted] = await fake.followups(it)
    message = posted.message
    assert message["embeds"][0]["title"].startswith("Question · ")
    sid = session_of(message)
    assert component_ids(message) == [f"tutor:f:{sid}:m", f"tutor:h:{sid}", f"tutor:s:{sid}"]
    assert bot.store.session(sid).kind == "solo"

    [form_post] = await click(fake, message, f"tutor:f:{sid}:m", ada)
    assert not flags(form_post) & EPHEMERAL  # a DM is private already
    form = form_post.message
    letters = [pair[1] for pair in bot.right_answer(sid).split()]
    wrong_first = next(x for x in letters if x != letters[0])
    [menu] = [c for c in component_ids(form) if c.startswith("tutor:p:")]
    it = await fake.choose(form, menu, [wrong_first], ada)
    form = (await fake.edits(it))[0].message
    assert f"tutor:r:{sid}:m" in component_ids(form)
    it = await fake.click(form, f"tutor:r:{sid}:m", ada)  # start over
    form = (await fake.edits(it))[0].message
    assert [c for c in component_ids(form) if c.startswith("tutor:p:")] == [f"tutor:p:{sid}:m:"]
    for letter in letters[:-1]:
        [menu] = [c for c in component_ids(form) if c.startswith("tutor:p:")]
        it = await fake.choose(form, menu, [letter], ada)
        form = (await fake.edits(it))[0].message
    it = await fake.click(form, f"tutor:g:{sid}:m{''.join(letters)}", ada)
    [verdict] = await fake.edits(it)
    text = text_of(verdict.message)
    assert "✅ Correct! The matches are" in text and "+15 points" in text
    assert len(bot.store.attempts_of(bot.store.find_learner("discord", "discord", ada.id).id)) == 1


async def test_a_personal_question_in_a_dm_with_hint_answer_and_skip(bot, fake, course):
    ada = fake.user("ada")
    it = await fake.slash("quiz", ada, dm=True, topic="reward models")
    [posted] = await fake.followups(it)
    message = posted.message
    sid = session_of(message)
    q = course.questions[bot.store.session(sid).question_id]
    [hint] = await click(fake, message, f"tutor:h:{sid}", ada)
    assert text_of(hint).startswith(("Hint:", "No hint"))
    if q.type == "single_choice":
        [verdict, *_] = await click(fake, message, f"tutor:a:{sid}:{bot.right_answer(sid)}", ada)
        points = "+10 points" if text_of(hint).startswith("Hint:") else "+15 points"  # a hint costs the bonus
        assert "✅ Correct!" in text_of(verdict) and points in text_of(verdict)
        [again] = await click(fake, message, f"tutor:a:{sid}:{bot.right_answer(sid)}", ada)
        assert "already answered" in text_of(again)

    it = await fake.slash("quiz", ada, dm=True, topic=question_of_type(course, "single_choice"))
    message = (await fake.followups(it))[0].message
    sid = session_of(message)
    [skipped] = await click(fake, message, f"tutor:s:{sid}", ada)
    assert "Skipped. The answer is" in text_of(skipped) and "Nothing was recorded" in text_of(skipped)
    assert bot.store.session(sid).status == "skipped"


async def test_open_ended_answers_come_through_a_modal(bot, fake, course):
    teacher, ada, bob = fake.user("teacher"), fake.user("ada"), fake.user("bob")
    qid = question_of_type(course, "open_ended")
    message, sid = await start_round(fake, teacher, qid)
    assert component_ids(message) == [f"tutor:f:{sid}:e", f"tutor:c:{sid}"]
    it = await fake.click(message, f"tutor:f:{sid}:e", ada)
    modal = await fake.response(it)
    assert modal.body["type"] == 9 and modal.body["data"]["custom_id"] == f"tutor:m:{sid}"
    assert "answer" in str(modal.body["data"]["components"]) and "'max_length': 4000" in str(modal.body)

    it = await fake.submit_modal(f"tutor:m:{sid}", {"answer": course.questions[qid].model_answer}, ada)
    assert flags(await fake.response(it)) & EPHEMERAL
    [ack] = await fake.followups(it)
    assert "Got it: your answer is recorded" in text_of(ack)

    it = await fake.submit_modal(f"tutor:m:{sid}", {"answer": "because " * 900}, bob)  # oversized
    [refused] = await fake.followups(it)
    assert "the limit is 4,000" in text_of(refused)

    it = await fake.click(message, f"tutor:c:{sid}", teacher)
    [results] = await fake.followups(it)
    text = text_of(results)
    assert "**passed**: 1" in text and "Ada: right" in text and "A strong answer:" in text


async def test_a_button_of_an_unknown_question_is_answered_politely(bot, fake):
    stale = {
        "id": snowflake(),
        "channel_id": fake.channel_id,
        "author": fake.bot,
        "content": "",
        "timestamp": "2026-11-02T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "A", "custom_id": "tutor:a:987654:A"}],
            }
        ],
    }
    [reply] = await click(fake, stale, "tutor:a:987654:A", fake.user("ada"))
    assert "no longer available" in text_of(reply)
