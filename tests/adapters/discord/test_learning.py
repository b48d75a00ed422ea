"""Learning progress and instructor commands through the real discord.py client: /review, /privacy,
/digest, /timezone, /my-data, /forget-me, /leaderboard week, /progress's chart, /class-report, /inbox,
/class-timezone, and the daily digest sent as a direct message."""

from __future__ import annotations

import json
import logging
import re

import pytest

from bot import events as E
from bot.retrieval import Retriever
from tests.adapters.discord.conftest import Bot, question_of_type
from tests.fakes.discord_api import EPHEMERAL, component_ids, snowflake, text_of

PNG = b"\x89PNG\r\n\x1a\n"


def flags(request) -> int:
    body = request.body or {}
    return (body.get("data") or body).get("flags", 0) or 0


def session_of(message: dict) -> int:
    ids = [i for i in component_ids(message) if re.match(r"tutor:[a-z]:\d+", i)]
    assert ids, f"the message has no question buttons: {component_ids(message)}"
    return int(re.match(r"tutor:[a-z]:(\d+)", ids[0]).group(1))


async def command(fake, name: str, user, /, *, count: int = 1, **options) -> list:
    """Run a slash command that is deferred and answered with follow-ups; returns the follow-ups."""
    it = await fake.slash(name, user, **options)
    response = await fake.response(it)
    assert response.body["type"] == 5, response.body
    return await fake.followups(it, count=count)


async def answer_right_in_a_dm(fake, bot, course, user) -> None:
    it = await fake.slash("quiz", user, dm=True, topic=question_of_type(course, "single_choice"))
    [posted] = await fake.followups(it)
    sid = session_of(posted.message)
    it = await fake.click(posted.message, f"tutor:a:{sid}:{bot.right_answer(sid)}", user)
    [verdict, *_] = await fake.followups(it)
    assert "✅ Correct!" in text_of(verdict)


async def class_round(fake, bot, course, poster, answers: list) -> None:
    """A closed class round in the channel: each (user, right?) in `answers` answers right or wrong."""
    it = await fake.slash("quiz", poster, topic=question_of_type(course, "single_choice"))
    [posted] = await fake.followups(it)
    message, sid = posted.message, session_of(posted.message)
    right = bot.right_answer(sid)
    wrong = next(k for k in "ABCD" if k != right)
    for user, correct in answers:
        it = await fake.click(message, f"tutor:a:{sid}:{right if correct else wrong}", user)
        await fake.followups(it)
    it = await fake.click(message, f"tutor:c:{sid}", poster)
    [results] = await fake.followups(it)
    assert "Round closed" in text_of(results)


def no_rejections(fake) -> None:
    assert not fake.kinds("rejected"), [r.body for r in fake.kinds("rejected")]


# -- a learner's own progress ------------------------------------------------------------------------
async def test_review_puts_a_due_concept_privately(bot, fake, course, clock):
    ada = fake.user("ada")
    [nothing] = await command(fake, "review", ada)
    assert "Nothing to review yet" in text_of(nothing) and flags(nothing) & EPHEMERAL

    await answer_right_in_a_dm(fake, bot, course, ada)
    [not_yet] = await command(fake, "review", ada)
    assert "Nothing is due for review" in text_of(not_yet)

    clock.advance(days=60)
    [posted] = await command(fake, "review", ada)
    assert flags(posted) & EPHEMERAL  # a personal question, not a class round
    text = text_of(posted)
    assert text.startswith("Review: *") and "is due" in text and "Question · " in text
    sid = session_of(posted.message)
    assert bot.store.session(sid).kind == "solo"
    assert f"tutor:h:{sid}" in component_ids(posted.message) and f"tutor:c:{sid}" not in component_ids(
        posted.message
    )
    it = await fake.click(posted.message, f"tutor:s:{sid}", ada)  # the buttons on the private message work
    [skipped, *_] = await fake.followups(it)
    assert "Skipped." in text_of(skipped) and flags(skipped) & EPHEMERAL
    no_rejections(fake)


async def test_progress_sends_its_chart_as_a_private_png_attachment(bot, fake, course):
    ada = fake.user("ada")
    await answer_right_in_a_dm(fake, bot, course, ada)
    it = await fake.slash("progress", ada)
    assert flags(await fake.response(it)) & EPHEMERAL
    [reply] = await fake.followups(it)
    assert flags(reply) & EPHEMERAL and len(reply.body["content"]) <= 2000
    assert "**Progress of Ada**" in reply.body["content"] and "15 points" in reply.body["content"]
    chart = reply.upload("progress.png")
    assert chart.data.startswith(PNG) and chart.description.startswith("Progress of Ada: ")
    [embed] = reply.body["embeds"]
    assert embed["image"]["url"] == "attachment://progress.png"
    assert embed["description"].startswith("Progress of Ada: ")  # the text alternative, readable
    [attachment] = reply.message["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["ephemeral"] is True
    assert attachment["width"] > 0 and attachment["size"] == len(chart.data)
    no_rejections(fake)


async def test_privacy_and_the_weekly_leaderboard(bot, fake, course, clock):
    teacher, ada, bob = fake.user("teacher"), fake.user("ada"), fake.user("bob")
    await class_round(fake, bot, course, teacher, [(ada, True), (bob, False)])

    [shown] = await command(fake, "privacy", ada)
    assert "under your name (Ada)" in text_of(shown) and flags(shown) & EPHEMERAL
    [refused] = await command(fake, "privacy", ada, mode="pseudonym")
    assert "Give the name to show" in text_of(refused)
    [done] = await command(fake, "privacy", ada, mode="pseudonym", name="Countess")
    assert "You appear on leaderboards as Countess." in text_of(done)

    [board] = await command(fake, "leaderboard", bob, period="week")
    assert not flags(board) & EPHEMERAL  # the class's ranking, for the channel
    text = text_of(board)
    assert "Leaderboard of cs-101, this week" in text and re.search(r"1\s+Countess\s+15", text)
    assert "Ada" not in text and "See also /leaderboard all" in text

    [hidden] = await command(fake, "privacy", ada, mode="hidden")
    assert "left the leaderboards" in text_of(hidden)
    [board] = await command(fake, "leaderboard", bob, period="all")
    assert "all time" in text_of(board) and "Countess" not in text_of(board)

    clock.advance(days=8)  # a new week: nobody has answered in it yet
    [board] = await command(fake, "leaderboard", bob, period="week")
    assert "No answers in this class this week" in text_of(board)


async def test_digest_and_time_zone_settings(bot, fake):
    ada = fake.user("ada")
    [shown] = await command(fake, "digest", ada)
    assert "Daily review digest: off; quiet hours 22:00-08:00 (UTC)" in text_of(shown)
    assert flags(shown) & EPHEMERAL
    [on] = await command(fake, "digest", ada, setting="on", quiet="23-7")
    assert "Daily review digest: on; quiet hours 23:00-07:00" in text_of(on)
    [bad] = await command(fake, "digest", ada, quiet="late")
    assert "Quiet hours look like 22-8" in text_of(bad)

    [zone] = await command(fake, "timezone", ada, zone="Europe/Berlin")
    assert "Your time zone is Europe/Berlin." in text_of(zone) and flags(zone) & EPHEMERAL
    [unknown] = await command(fake, "timezone", ada, zone="Mars/Olympus_Mons")
    assert "Name a time zone like Europe/Berlin" in text_of(unknown)
    [shown] = await command(fake, "digest", ada, dm=True)
    assert "on; quiet hours 23:00-07:00 (Europe/Berlin)" in text_of(shown)
    learner = bot.store.find_learner("discord", "discord", ada.id)
    assert learner.digest and learner.timezone == "Europe/Berlin"

    it = await fake.autocomplete("timezone", "zone", "berl", ada)
    response = await fake.response(it)
    assert response.body["type"] == 8
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in response.body["data"]["choices"]


# -- the learner's data -----------------------------------------------------------------------------
async def test_my_data_is_a_private_json_attachment(bot, fake, course):
    ada = fake.user("ada")
    await answer_right_in_a_dm(fake, bot, course, ada)
    [unsure] = await command(fake, "ask", ada, question="what is lora?")
    assert "not sure" in text_of(unsure)

    it = await fake.slash("my-data", ada)
    assert flags(await fake.response(it)) & EPHEMERAL
    [reply] = await fake.followups(it)
    assert flags(reply) & EPHEMERAL and "Your data: 1 answers" in reply.body["content"]
    upload = reply.upload(f"tutor-data-{ada.id}.json")
    data = json.loads(upload.data)
    assert data["learner"]["user_id"] == ada.id and data["learner"]["platform"] == "discord"
    assert len(data["attempts"]) == 1 and data["attempts"][0]["correct"] is True
    assert [q["text"] for q in data["questions_forwarded"]] == ["what is lora?"]
    [attachment] = reply.message["attachments"]
    assert attachment["filename"] == f"tutor-data-{ada.id}.json"
    assert attachment["content_type"].startswith("application/json") and attachment["ephemeral"] is True
    assert reply.body["attachments"] == [
        {"id": 0, "filename": f"tutor-data-{ada.id}.json", "description": upload.description}
    ]
    no_rejections(fake)


async def test_forget_me_asks_with_a_button_and_the_click_deletes(bot, fake, course):
    ada, bob = fake.user("ada"), fake.user("bob")
    await answer_right_in_a_dm(fake, bot, course, ada)

    [prompt] = await command(fake, "forget-me", ada)
    assert flags(prompt) & EPHEMERAL
    text = text_of(prompt)
    assert "cannot be undone" in text and "click **Delete everything** below" in text
    assert "/forget-me confirm" not in text  # a button here, not the console's command
    yes, no = f"tutor:forget:{ada.id}:yes", f"tutor:forget:{ada.id}:no"
    assert component_ids(prompt.message) == [yes, no]
    assert bot.store.attempt_count() == 1  # nothing deleted by asking

    it = await fake.click(prompt.message, yes, bob)  # not bob's to click
    refused = await fake.response(it)
    assert "someone else's" in text_of(refused) and flags(refused) & EPHEMERAL
    assert bot.store.find_learner("discord", "discord", ada.id) is not None

    it = await fake.click(prompt.message, no, ada)  # a change of mind
    kept = await fake.response(it)
    assert kept.body["type"] == 7 and "Nothing was deleted" in text_of(kept)
    assert kept.message["components"] == [] and bot.store.attempt_count() == 1

    [prompt] = await command(fake, "forget-me", ada)
    it = await fake.click(prompt.message, yes, ada)
    assert (await fake.response(it)).body["type"] == 6
    [done] = await fake.edits(it)
    assert "Done: everything about you is deleted (1 answer)" in text_of(done.message)
    assert done.message["components"] == []  # no second click
    assert bot.store.find_learner("discord", "discord", ada.id) is None and bot.store.attempt_count() == 0

    [nothing] = await command(fake, "forget-me", ada, dm=True)
    assert "keeps nothing about you" in text_of(nothing) and not component_ids(nothing.message)


async def test_a_forget_me_button_works_after_a_restart(bot, fake, course):
    ada = fake.user("ada")
    await answer_right_in_a_dm(fake, bot, course, ada)
    [prompt] = await command(fake, "forget-me", ada, dm=True)
    await bot.stop()
    await bot.start()
    it = await fake.click(prompt.message, f"tutor:forget:{ada.id}:yes", ada)
    [done] = await fake.edits(it)
    assert "everything about you is deleted" in text_of(done.message)


# -- instructors ------------------------------------------------------------------------------------
async def test_class_report_attaches_png_charts_with_the_table(bot, fake, course):
    teacher, ada, bob = fake.user("teacher"), fake.user("ada"), fake.user("bob")
    await class_round(fake, bot, course, teacher, [(ada, True), (bob, False)])

    dean = fake.user("dean", manage_guild=True)
    it = await fake.slash("class-report", dean)
    assert flags(await fake.response(it)) & EPHEMERAL
    replies = await fake.followups(it, count=2)
    assert all(flags(r) & EPHEMERAL and len(r.body.get("content") or "") <= 2000 for r in replies)
    uploads = {u.filename: u for r in replies for u in r.uploads}
    assert set(uploads) == {"class-mastery.png", "participation.png"}
    assert all(u.data.startswith(PNG) for u in uploads.values())
    assert all(a["content_type"] == "image/png" for r in replies for a in r.message["attachments"])
    assert uploads["class-mastery.png"].description.startswith("Mastery heatmap of cs-101: 2 learners")
    text = "\n".join(text_of(r) for r in replies)
    assert "Mastery heatmap of cs-101" in text and "Answers per day" in text  # the alt texts, readable
    assert "**Hardest questions in cs-101**" in text and "1/2" in text
    images = [e["image"]["url"] for r in replies for e in r.body["embeds"] if "image" in e]
    assert sorted(images) == ["attachment://class-mastery.png", "attachment://participation.png"]

    # a role listed in TUTOR_INSTRUCTORS makes an instructor too
    bot.tutor.instructors = {fake.instructor_role}
    ta = fake.user("ta", instructor_role=True)
    replies = await command(fake, "class-report", ta, count=2)
    assert {u.filename for r in replies for u in r.uploads} == {"class-mastery.png", "participation.png"}
    no_rejections(fake)


async def test_students_are_refused_the_instructor_commands_and_see_no_data(bot, fake, course):
    teacher, ada, bob = fake.user("teacher"), fake.user("ada"), fake.user("bob")
    await class_round(fake, bot, course, teacher, [(bob, False)])
    await command(fake, "ask", bob, question="when is the final exam, and is lora on it?")

    for name, sub, options in (
        ("class-report", "", {}),
        ("inbox", "list", {}),
        ("inbox", "answer", {"item": 1, "text": "Use ripe bananas."}),
        ("inbox", "add", {"item": 1}),
        ("inbox", "dismiss", {"item": 1}),
        ("class-timezone", "", {"zone": "Europe/Paris"}),
    ):
        it = await fake.slash(name, ada, subcommand=sub, **options)
        assert flags(await fake.response(it)) & EPHEMERAL
        [refusal] = await fake.followups(it)
        text = text_of(refusal)
        assert "Sorry, that command is for instructors." in text, (name, text)
        assert "Bob" not in text and "final exam" not in text and not refusal.uploads
        assert not refusal.message["attachments"] and not refusal.body["embeds"]
    assert bot.store.inbox()[0].answer in ("", None)  # nothing was answered
    room = bot.store.find_class("discord", fake.guild_id, fake.channel_id)
    assert not room.timezone  # nor changed


async def test_class_report_in_a_new_channel_shows_no_other_class(bot, fake, course):
    teacher, ada = fake.user("teacher"), fake.user("ada")
    await class_round(fake, bot, course, teacher, [(ada, True)])
    dean = fake.user("dean", manage_guild=True)
    fake.channel_id, fake.channel_name = snowflake(), "cs-102"  # a channel where nobody answered yet
    [reply] = await command(fake, "class-report", dean)
    assert "No answers yet in cs-102." in text_of(reply) and not reply.uploads


async def test_the_inbox_lists_answers_and_adds_to_the_course(fake, course, embedder, sqlite_url, clock):
    # its own retriever: adding a passage changes the index, which the other tests share
    bot = Bot(fake, course, Retriever(course, embedder), sqlite_url, clock)
    await bot.start()
    try:
        ada, dean = fake.user("ada"), fake.user("dean", manage_guild=True)
        question = "when is the midterm exam?"
        [unsure] = await command(fake, "ask", ada, question=question)
        assert "not sure" in text_of(unsure)
        [item] = bot.store.inbox()

        [listed] = await command(fake, "inbox", dean, subcommand="list")
        assert flags(listed) & EPHEMERAL
        text = text_of(listed)
        assert "Questions the tutor could not answer (1 open)" in text and question in text and "Ada" in text

        [early] = await command(fake, "inbox", dean, subcommand="add", item=item.id)
        assert f"Answer #{item.id} first" in text_of(early)
        answer = "The midterm exam is in week 7, on the Monday lecture slot."
        [answered] = await command(fake, "inbox", dean, subcommand="answer", item=item.id, text=answer)
        assert f"Inbox #{item.id} is answered" in text_of(answered)

        it = await fake.autocomplete("inbox", "concept", "align", dean, subcommand="add", item=item.id)
        choices = (await fake.response(it)).body["data"]["choices"]
        assert choices and all(c["value"] in course.concepts for c in choices)
        concept = choices[0]["value"]
        [added] = await command(fake, "inbox", dean, subcommand="add", item=item.id, concept=concept)
        assert "Added to the course under" in text_of(added)
        assert bot.store.inbox() == []
        [empty] = await command(fake, "inbox", dean, subcommand="list")
        assert "The inbox is empty" in text_of(empty)

        [now] = await command(fake, "ask", ada, question=question)
        assert "week 7" in text_of(now)
        [missing] = await command(fake, "inbox", dean, subcommand="answer", item=999, text="x")
        assert "No inbox question #999" in text_of(missing)
    finally:
        await bot.stop()
        bot.close()


MIDTERM = "when is the midterm exam?"


async def test_an_answer_is_a_dm_to_every_learner_who_asked(bot, fake, caplog):
    ada, bob, cat = fake.user("ada"), fake.user("bob"), fake.user("cat")
    dean = fake.user("dean", manage_guild=True)
    for user, question in (
        (ada, MIDTERM),
        (bob, "When is the midterm exam??"),
        (cat, "what date is the midterm exam"),
    ):
        [unsure] = await command(fake, "ask", user, question=question)
        assert "not sure" in text_of(unsure)
    [item] = bot.store.inbox()  # one question, asked three times
    [listed] = await command(fake, "inbox", dean, subcommand="list")
    assert "asked 3 times" in text_of(listed)
    fake.closed_dms.add(cat.id)  # cat does not accept DMs from the bot (yet)

    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        [answered] = await command(
            fake,
            "inbox",
            dean,
            subcommand="answer",
            item=item.id,
            text="Week 7, Monday. @everyone bring a pen.",
        )
        assert f"Inbox #{item.id} is answered; Ada, Bob and Cat are told." in text_of(answered)
        assert flags(answered) & EPHEMERAL
        await fake.wait_for(lambda: len(fake.kinds("channel_message")) == 2 and fake.kinds("dm_refused"))
        sent = fake.kinds("channel_message")
        await fake.poll(lambda: "it is tried again later" in caplog.text)
    opened = [str(r.body["recipient_id"]) for r in fake.kinds("open_dm")]
    assert sorted(opened) == sorted([ada.id, bob.id, cat.id])
    by_path = {r.path: text_of(r.body) for r in sent}
    ada_dm, bob_dm = (f"/channels/{fake.dm_channel_id(u)}/messages" for u in (ada, bob))
    assert set(by_path) == {ada_dm, bob_dm}  # DMs only: nothing in the class channel
    assert f'You asked: "{MIDTERM}"' in by_path[ada_dm] and "Week 7, Monday." in by_path[ada_dm]
    assert 'You asked: "When is the midterm exam??"' in by_path[bob_dm]
    assert all("@everyone" not in t and "@\u200beveryone" in t for t in by_path.values())
    assert all(r.body["allowed_mentions"] == {"parse": []} for r in sent)
    store = bot.store
    delivered = {
        u.name: [
            n.delivered_at is not None
            for n in store.outbox_of(store.find_learner("discord", "discord", u.id).id)
        ]
        for u in (ada, bob, cat)
    }
    assert delivered == {"ada": [True], "bob": [True], "cat": [False]}  # cat's waits for a retry

    fake.closed_dms.discard(cat.id)  # the worker's next tick reaches cat, and nobody else again
    assert await bot.adapter.send_notices() == 1
    late = fake.kinds("channel_message")[-1]
    assert late.path == f"/channels/{fake.dm_channel_id(cat)}/messages"
    assert 'You asked: "what date is the midterm exam"' in text_of(late.body)
    assert await bot.adapter.send_notices() == 0
    assert len(fake.kinds("channel_message")) == 3


async def test_dismiss_takes_a_question_off_the_list_without_a_word_to_the_asker(bot, fake):
    ada, dean = fake.user("ada"), fake.user("dean", manage_guild=True)
    await command(fake, "ask", ada, question=MIDTERM)
    [item] = bot.store.inbox()
    [done] = await command(fake, "inbox", dean, subcommand="dismiss", item=item.id)
    assert f"Inbox #{item.id} is dismissed: it leaves the list, and nobody is told." in text_of(done)
    assert flags(done) & EPHEMERAL
    [again] = await command(fake, "inbox", dean, subcommand="dismiss", item=item.id)
    assert f"Inbox #{item.id} was dismissed already." in text_of(again)
    [missing] = await command(fake, "inbox", dean, subcommand="dismiss", item=999)
    assert "No inbox question #999" in text_of(missing)
    [refused] = await command(fake, "inbox", ada, subcommand="dismiss", item=item.id)
    assert "Sorry, that command is for instructors." in text_of(refused)
    [empty] = await command(fake, "inbox", dean, subcommand="list")
    assert "The inbox is empty" in text_of(empty)
    assert bot.store.inbox_item(item.id).status == "dismissed"
    assert not fake.kinds("open_dm") and not fake.kinds("channel_message")


async def test_class_timezone_sets_the_week_of_the_channels_class(bot, fake):
    dean = fake.user("dean", manage_guild=True)
    [done] = await command(fake, "class-timezone", dean, zone="Europe/Paris")
    assert "This class's week now starts on Monday at 00:00 Europe/Paris." in text_of(done)
    assert bot.store.find_class("discord", fake.guild_id, fake.channel_id).timezone == "Europe/Paris"
    it = await fake.autocomplete("class-timezone", "zone", "paris", dean)
    assert {"name": "Europe/Paris", "value": "Europe/Paris"} in (await fake.response(it)).body["data"][
        "choices"
    ]


# -- the daily digest --------------------------------------------------------------------------------
@pytest.fixture
async def digest_bot(fake, course, retriever, sqlite_url, clock):
    b = Bot(fake, course, retriever, sqlite_url, clock)
    await b.start(digest_every=0.2)
    yield b
    await b.stop()
    b.close()


async def test_the_digest_is_a_direct_message_of_due_reviews(digest_bot, fake, course, clock, caplog):
    bot = digest_bot
    ada, bob, cat = fake.user("ada"), fake.user("bob"), fake.user("cat")
    for user in (ada, bob, cat):
        await answer_right_in_a_dm(fake, bot, course, user)
    for user in (ada, bob):
        [on] = await command(fake, "digest", user, setting="on")
        assert "digest: on" in text_of(on)
    fake.closed_dms.add(bob.id)  # bob does not accept DMs from the bot

    # a Slack learner in the same database, opted in and due as well: not this bot's to message
    slack = E.LearnerRef("slack", "T1", "U1", "Sam")
    qid = question_of_type(course, "single_choice")
    bot.tutor.handle(E.StartQuiz(slack, topic=qid))
    session = bot.store.open_session_of(bot.store.learner(slack).id)
    bot.tutor.handle(E.Answer(slack, response=bot.right_answer(session.id)))
    bot.tutor.handle(E.Digest(slack, setting="on"))

    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        clock.advance(days=60)  # reviews are due; 09:00 UTC is outside the quiet hours
        [sent] = await fake.wait_for(lambda: fake.kinds("channel_message"))
        await fake.wait_for(lambda: fake.kinds("dm_refused"))
        await fake.poll(lambda: "DMs closed" in caplog.text)

    opened = {str(r.body["recipient_id"]) for r in fake.kinds("open_dm")}
    assert opened == {
        ada.id,
        bob.id,
    }  # DM channels opened over REST; nobody else (cat opted out, Sam is Slack)
    assert sent.path == f"/channels/{fake.dm_channel_id(ada)}/messages"
    text = text_of(sent.body)
    assert text.startswith("Time for a review: 1 concept due (*") and "/review" in text
    assert sent.body["allowed_mentions"] == {"parse": []}
    # Sam's digest is left, unclaimed, for the Slack worker sharing the database
    assert [ref.user for ref, _ in bot.tutor.digests(platform="slack")] == ["U1"]

    # once a day: the loop keeps running (bob's failure did not stop it), and the next day sends again
    clock.advance(days=1)
    await fake.wait_for(lambda: len(fake.kinds("channel_message")) == 2)
    assert fake.kinds("channel_message")[-1].path == sent.path
    assert len(fake.kinds("channel_message")) == 2


async def test_a_failing_digest_is_logged_and_the_loop_goes_on(digest_bot, fake, caplog):
    bot = digest_bot
    calls = []

    def broken(platform=None):
        calls.append(1)
        raise RuntimeError("database exploded at table learner")

    bot.tutor.digests = broken
    with caplog.at_level(logging.ERROR, logger="adapters.discord.app"):
        await fake.poll(lambda: len(calls) >= 2)  # failed, and was tried again
    assert "sending the review digests failed" in caplog.text and "database exploded" in caplog.text
    assert bot.adapter.client is not None and not bot.adapter.client.is_closed()


# -- /review-answers and the notice -----------------------------------------------------------------
async def test_review_answers_rescores_and_the_student_gets_a_direct_message(digest_bot, fake, caplog):
    from tests.test_review_answers import queued

    bot = digest_bot
    ada, bob, dean = fake.user("ada"), fake.user("bob"), fake.user("dean", manage_guild=True)
    item = queued(bot.tutor, E.LearnerRef("discord", "discord", ada.id, "ada"))
    other = queued(bot.tutor, E.LearnerRef("discord", "discord", bob.id, "bob"))

    [refused] = await command(fake, "review-answers", ada, subcommand="list")
    assert "for instructors" in text_of(refused) and "salary" not in text_of(refused)
    [listed, *_] = await command(fake, "review-answers", dean, subcommand="list")
    assert flags(listed) & EPHEMERAL
    assert "2 open-ended answers await review" in text_of(listed)

    [done] = await command(
        fake, "review-answers", dean, subcommand="score", item=item, covered="1,2,3,5", comment="Good pilot."
    )
    assert f"Answer #{item} (ada) re-scored: 50% (not passed) → 67% (passed), points 0 → 15." in text_of(done)
    # bob does not accept DMs from the bot: his notice waits for the next tick (closed before the notice
    # exists, so that no tick of the running worker can send it first)
    fake.closed_dms.add(bob.id)
    [kept] = await command(fake, "review-answers", dean, subcommand="accept", item=other)
    assert "grade kept at 50%" in text_of(kept)
    [bad] = await command(fake, "review-answers", dean, subcommand="score", item=item, covered="9")
    assert "rubric points 1 to 6; 9 is not one" in text_of(bad)
    assert (
        bot.store.attempts_of(bot.store.learner(E.LearnerRef("discord", "discord", ada.id)).id)[0].points
        == 15
    )

    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        sent = await fake.wait_for(
            lambda: [m for m in fake.kinds("channel_message") if "changed its grade" in text_of(m.body)]
        )
        await fake.poll(lambda: "could not send a review notice" in caplog.text)
    [message] = sent
    assert message.path == f"/channels/{fake.dm_channel_id(ada)}/messages"
    assert "from 50% to 67%: it now passes" in text_of(message.body) and "Good pilot." in text_of(
        message.body
    )
    assert message.body["allowed_mentions"] == {"parse": []}
    # bob's notice was given back, not lost: the next ticks try again; ada's is not sent twice
    await fake.wait_for(lambda: len(fake.kinds("dm_refused")) >= 2)
    assert len([m for m in fake.kinds("channel_message") if "changed its grade" in text_of(m.body)]) == 1
