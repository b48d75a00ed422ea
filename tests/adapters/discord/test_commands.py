"""Every slash command, DMs and mentions, and the failure cases, through the real discord.py client."""

from __future__ import annotations

import logging
import threading

import pytest

from adapters.discord.app import configure_endpoints
from bot import commands
from bot import replies as R
from tests.adapters.discord.conftest import Bot
from tests.fakes.discord_api import EPHEMERAL, FakeDiscord, text_of

COMMANDS = set(commands.LEARNER_COMMANDS)  # from the one command table
INSTRUCTOR_COMMANDS = set(commands.INSTRUCTOR_COMMANDS)


def flags(request) -> int:
    body = request.body or {}
    return (body.get("data") or body).get("flags", 0) or 0


async def test_commands_are_registered_globally_on_start(bot, fake):
    registered = fake.kinds("commands")[-1].body
    assert {c["name"] for c in registered} == COMMANDS | INSTRUCTOR_COMMANDS
    by_name = {c["name"]: c for c in registered}
    topic = next(o for o in by_name["quiz"]["options"] if o["name"] == "topic")
    assert topic["autocomplete"] is True and topic.get("required", False) is False
    question = by_name["ask"]["options"][0]
    assert question["name"] == "question" and question["required"] and question["max_length"] == 4000
    assert sorted(by_name["quiz"]["contexts"]) == [0, 1]  # servers and DMs with the bot
    assert not fake.kinds("guild_commands")


async def test_the_learning_and_instructor_commands_declare_their_options(bot, fake):
    by_name = {c["name"]: c for c in fake.kinds("commands")[-1].body}

    def options(name: str) -> dict:
        return {o["name"]: o for o in by_name[name].get("options", [])}

    def choices(option: dict) -> list[str]:
        return [c["value"] for c in option["choices"]]

    assert choices(options("leaderboard")["period"]) == ["all", "week"]
    assert choices(options("privacy")["mode"]) == ["visible", "hidden", "pseudonym"]
    assert options("privacy")["name"]["max_length"] == 32
    assert choices(options("digest")["setting"]) == ["on", "off"]
    assert not any(o.get("required") for o in options("digest").values())
    assert options("timezone")["zone"]["required"] and options("timezone")["zone"]["autocomplete"]
    assert not options("review") and not options("my-data") and not options("forget-me")
    # the class's commands are for server channels; /inbox has its subcommands
    assert by_name["class-report"]["contexts"] == [0] and by_name["class-timezone"]["contexts"] == [0]
    inbox = options("inbox")
    # the subcommands are the command table's forms ("answer ID TEXT | add ID [CONCEPT] | dismiss ID"), and list
    assert (
        set(inbox) == {"list", *commands.command("inbox").subcommands} == {"list", "answer", "add", "dismiss"}
    )
    assert all(o["type"] == 1 for o in inbox.values())
    answer = {o["name"]: o for o in inbox["answer"]["options"]}
    assert answer["item"]["type"] == 4 and answer["item"]["required"] and answer["text"]["required"]
    add = {o["name"]: o for o in inbox["add"]["options"]}
    assert add["concept"]["autocomplete"] and not add["concept"].get("required", False)
    dismiss = {o["name"]: o for o in inbox["dismiss"]["options"]}
    assert set(dismiss) == {"item"} and dismiss["item"]["type"] == 4 and dismiss["item"]["required"]
    reviews = options("review-answers")
    assert set(reviews) == {"list", "accept", "score"} and all(o["type"] == 1 for o in reviews.values())
    score = {o["name"]: o for o in reviews["score"]["options"]}
    assert score["item"]["type"] == 4 and score["item"]["required"] and score["covered"]["required"]
    assert not score["comment"].get("required", False) and score["comment"]["max_length"] == 1000
    accept = {o["name"]: o for o in reviews["accept"]["options"]}
    assert set(accept) == {"item", "comment"} and accept["item"]["required"]
    # instructors are recognised by the tutor (roles included), so Discord does not hide the commands
    assert all(by_name[c].get("default_member_permissions") is None for c in INSTRUCTOR_COMMANDS)


async def test_guild_ids_sync_the_commands_to_those_servers_at_once(
    fake, course, retriever, sqlite_url, clock
):
    bot = Bot(fake, course, retriever, sqlite_url, clock)
    await bot.start(guild_ids=[int(fake.guild_id)])
    try:
        synced = fake.kinds("guild_commands")
        assert synced and f"/guilds/{fake.guild_id}/commands" in synced[-1].path
        assert {c["name"] for c in synced[-1].body} == COMMANDS | INSTRUCTOR_COMMANDS
        assert not fake.kinds("commands")  # nothing registered globally while setting up
    finally:
        await bot.stop()
        bot.close()


async def test_ask_is_deferred_before_the_tutor_works_then_answered(bot, fake):
    gate = threading.Event()
    real = bot.tutor.handle

    def slow(event):
        # the tutor may only start once Discord has been answered (the 3-second rule)
        assert gate.wait(30), "the tutor was called before the interaction was deferred"
        return real(event)

    bot.tutor.handle = slow
    ada = fake.user("ada")
    it = await fake.slash("ask", ada, question="what is RLHF?")
    first = await fake.response(it)
    assert first.body["type"] == 5  # deferred: "tutor is thinking..."
    assert not flags(first) & EPHEMERAL  # an answer the whole class can read
    gate.set()
    [answer] = await fake.followups(it)
    text = text_of(answer)
    assert "Reinforcement Learning from Human Feedback" in text and "reward model" in text.lower()
    assert answer.body["allowed_mentions"] == {"parse": []}


async def test_quiz_topic_is_autocompleted_from_concept_titles(bot, fake, course):
    it = await fake.autocomplete("quiz", "topic", "prefer", fake.user("ada"))
    response = await fake.response(it)
    assert response.body["type"] == 8
    choices = response.body["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert all(c["value"] in course.concepts for c in choices)
    assert any("Preference" in c["name"] for c in choices)
    assert all("prefer" in (c["name"] + c["value"]).lower() or c["value"] in course.concepts for c in choices)
    everything = await fake.autocomplete("quiz", "topic", "", fake.user("ada"))
    assert len((await fake.response(everything)).body["data"]["choices"]) == 25


async def test_progress_next_and_help_are_private_in_a_channel(bot, fake):
    ada = fake.user("ada")
    it = await fake.slash("progress", ada)
    assert flags(await fake.response(it)) & EPHEMERAL
    [reply] = await fake.followups(it)
    assert "No answers yet" in text_of(reply) and flags(reply) & EPHEMERAL

    it = await fake.slash("next", ada)
    assert flags(await fake.response(it)) & EPHEMERAL
    [reply, *_] = await fake.followups(it)
    assert "Learn next" in text_of(reply)

    it = await fake.slash("help", ada)
    response = await fake.response(it)  # nothing slow: answered at once, no defer
    assert response.body["type"] == 4 and flags(response) & EPHEMERAL
    text = text_of(response)
    assert all(f"/{c}" in text for c in COMMANDS | INSTRUCTOR_COMMANDS) and "/answer" not in text
    assert len(text) <= 2000


async def test_leaderboard_in_a_dm_points_to_the_class(bot, fake):
    """The core refuses it (a Discord user spans servers: a DM ranking would show other servers' learners)."""
    it = await fake.slash("leaderboard", fake.user("ada"), dm=True)
    response = await fake.response(it)
    assert response.body["type"] == 5  # deferred, then the core's answer
    [said] = await fake.followups(it)
    assert "class's channel" in text_of(said)


async def test_errors_are_logged_never_shown(bot, fake, caplog):
    def broken(event):
        raise RuntimeError("database exploded at table quiz_session")

    bot.tutor.handle = broken
    with caplog.at_level(logging.ERROR, logger="adapters.discord.app"):
        it = await fake.slash("next", fake.user("ada"))
        [reply] = await fake.followups(it)
    text = text_of(reply)
    assert "something went wrong" in text and flags(reply) & EPHEMERAL
    assert "exploded" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "database exploded" in caplog.text  # the details are in the log


async def test_long_replies_are_split_to_discords_2000_characters(bot, fake, course):
    long_text = "\n".join(f"Line {i}: " + "words " * 12 for i in range(160))
    rows = tuple((c.title, "1/2", "█████░░░░░", "50%") for c in course.concepts.values())
    bot.tutor.handle = lambda event: [
        R.Text(long_text),
        R.Table("Progress of ada", ("concept", "right", "mastery", ""), rows, "60 concepts"),
    ]
    it = await fake.slash("progress", fake.user("ada"))
    replies = await fake.followups(it, count=6)
    await fake.wait_for(lambda: "60 concepts" in text_of(fake.of(it, "followup")[-1]))
    replies = fake.of(it, "followup")
    assert all(len(r.body["content"] or "") <= 2000 for r in replies)
    joined = "\n".join(r.body["content"] for r in replies)
    assert all(f"Line {i}:" in joined for i in range(160))
    table_parts = [r.body["content"] for r in replies if "```" in r.body["content"]]
    assert len(table_parts) >= 2 and all(p.count("```") == 2 for p in table_parts)
    assert all(c.title[:30] in joined for c in course.concepts.values())


async def test_questions_in_a_mention_or_a_dm_are_answered(bot, fake):
    ada = fake.user("ada")
    ignored = await fake.say("I think DPO is neat", ada)  # no mention: not for the tutor
    asked = await fake.say("what is direct preference optimization?", ada, mention=True)
    reply = await fake.wait_for(lambda: fake.kinds("channel_message"))
    assert len(reply) == 1
    body = reply[0].body
    assert str(body["message_reference"]["message_id"]) == asked["id"] != ignored["id"]
    assert body["allowed_mentions"] == {"parse": [], "replied_user": True}  # only the asker is notified
    assert "Direct Preference Optimization" in text_of(body)
    assert fake.kinds("typing")

    await fake.say("what is RLHF?", ada, dm=True)
    dm = await fake.wait_for(lambda: [r for r in fake.kinds("channel_message") if r.path != reply[0].path])
    assert "Reinforcement Learning from Human Feedback" in text_of(dm[0].body)

    await fake.say("", ada, mention=True)  # a bare mention gets the help
    await fake.wait_for(lambda: len(fake.kinds("channel_message")) == 3)
    assert "/quiz" in text_of(fake.kinds("channel_message")[-1].body)


@pytest.fixture
async def fake_without_content_intent():
    import discord

    server = await FakeDiscord(allow_message_content=False).start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    configure_endpoints(server.api_url, server.gateway_url)
    yield server
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    await server.stop()


async def test_without_the_message_content_intent_commands_and_dms_still_work(
    fake_without_content_intent, course, retriever, sqlite_url, clock, caplog
):
    fake = fake_without_content_intent
    bot = Bot(fake, course, retriever, sqlite_url, clock)
    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        await bot.start()
    try:
        assert fake.closed_codes == [4014]  # the portal has the intent off: refused once...
        assert fake.identifies[0]["intents"] & (1 << 15) and not fake.identifies[-1]["intents"] & (1 << 15)
        assert "Message Content intent is off" in caplog.text  # ...then connected without it
        it = await fake.slash("next", fake.user("ada"))
        assert "Learn next" in text_of((await fake.followups(it))[0])
        await fake.say("what is RLHF?", fake.user("bob"), dm=True)
        [answer] = await fake.wait_for(lambda: fake.kinds("channel_message"))
        assert "Reinforcement Learning from Human Feedback" in text_of(answer.body)
    finally:
        await bot.stop()
        bot.close()


async def test_a_reply_to_the_bot_or_a_mention_of_its_role_is_a_question(bot, fake):
    """Message type 19 (a reply to the tutor's message) and a mention of the bot's managed role ask the tutor;
    a message in a server the bot has no cache of is not a DM: without a mention it is not for the tutor."""
    from tests.fakes.discord_api import snowflake

    ada = fake.user("ada")
    await fake.say("what is RLHF?", ada, guild_id=snowflake())  # an uncached server, no mention
    await fake.say(f"<@&{fake.bot_role}> what is direct preference optimization?", ada)
    [first] = await fake.wait_for(lambda: fake.kinds("channel_message"))
    assert "Direct Preference Optimization" in text_of(first.body)  # the uncached server's message: ignored
    earlier = {
        "id": snowflake(),
        "channel_id": fake.channel_id,
        "author": fake.bot,
        "content": "Direct Preference Optimization ...",
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
        "components": [],
    }
    await fake.say(
        "and what is RLHF?",
        ada,
        type=19,
        referenced_message=earlier,
        message_reference={
            "message_id": earlier["id"],
            "channel_id": fake.channel_id,
            "guild_id": fake.guild_id,
        },
    )
    replies = await fake.wait_for(lambda: r if len(r := fake.kinds("channel_message")) >= 2 else None)
    assert "Reinforcement Learning from Human Feedback" in text_of(replies[1].body)
    assert len(fake.kinds("channel_message")) == 2
