"""Payloads the adapter cannot read, through the real discord.py client: a clean refusal to the learner, one
warning line in the log, and nothing recorded."""

from __future__ import annotations

import copy
import logging

import pytest

from adapters.discord.app import COULD_NOT_READ
from tests.adapters.discord.conftest import question_of_type
from tests.adapters.discord.test_rounds import start_round
from tests.fakes.discord_api import EPHEMERAL, component_ids, text_of


def flags(request) -> int:
    body = request.body or {}
    return (body.get("data") or body).get("flags", 0) or 0


async def test_a_component_the_tutor_does_not_know_is_refused_politely(bot, fake, course, caplog):
    """A button whose custom_id is not one of the tutor's (another app's, an old version's): discord.py has
    no item for it, so without the adapter nobody would answer and Discord would say the interaction failed."""
    teacher, ada = fake.user("prof", manage_guild=True), fake.user("ada")
    message, sid = await start_round(fake, teacher, question_of_type(course, "single_choice"))
    stale = copy.deepcopy(message)
    stale["components"][0]["components"][0]["custom_id"] = f"tutor:v:{sid}:A"
    assert f"tutor:v:{sid}:A" in component_ids(stale)
    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        it = await fake.click(stale, f"tutor:v:{sid}:A", ada)
        response = await fake.response(it)
    assert response.body["type"] == 4 and flags(response) & EPHEMERAL
    assert text_of(response) == COULD_NOT_READ
    assert "a component interaction could not be read: the component's custom_id is not the tutor's" in (
        caplog.text
    )
    assert "Traceback" not in caplog.text and f"tutor:v:{sid}" not in caplog.text
    assert bot.store.attempt_count() == 0
    assert bot.store.find_learner("discord", "discord", ada.id) is None


async def test_an_option_of_the_wrong_type_is_refused_politely(bot, fake, caplog):
    """/quiz with `seconds` sent as text: discord.py hands it over as it came; the parser refuses it."""
    ada = fake.user("ada")
    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        it = await fake.slash("quiz", ada, topic="dpo", seconds="ninety")
        response = await fake.response(it)
    # refused before anything is shown in the channel: the interaction's own answer, for ada only
    assert response.body["type"] == 4 and flags(response) & EPHEMERAL
    assert text_of(response) == COULD_NOT_READ and not fake.of(it, "followup")
    assert "/quiz: could not read the request: option seconds is not a whole number" in caplog.text
    assert "Traceback" not in caplog.text and "ninety" not in caplog.text
    assert bot.store.open_rounds() == [] and bot.store.attempt_count() == 0
    assert bot.store.find_learner("discord", "discord", ada.id) is None


@pytest.mark.parametrize(
    "broken",
    ["no version", "no attachment_size_limit", "no member.flags"],
)
async def test_an_interaction_the_library_cannot_read_does_not_end_the_worker(bot, fake, caplog, broken):
    """Discord's own documented example interaction has no `version`: discord.py raises KeyError inside its
    gateway parser. The worker logs one line, drops that event, and answers the next request."""
    ada = fake.user("ada")
    payload = fake._base(2, ada, dm=False, data={"id": fake._command_id("help"), "name": "help", "type": 1})
    if broken == "no version":
        del payload["version"]
    elif broken == "no attachment_size_limit":
        del payload["attachment_size_limit"]
    else:
        del payload["member"]["flags"]
    with caplog.at_level(logging.WARNING, logger="adapters.discord.app"):
        await fake.dispatch("INTERACTION_CREATE", payload)
        it = await fake.slash("help", ada)  # the next one is answered: the client is still connected
        response = await fake.response(it)
    assert response.body["type"] == 4 and "/quiz" in text_of(response)
    assert "dropped a INTERACTION_CREATE event the library could not read (KeyError" in caplog.text
    assert fake.connected


async def test_an_unknown_or_stale_command_says_so(bot, fake, caplog):
    """A command Discord still lists but this version does not have: no ERROR, no "went wrong"."""
    from adapters.discord.app import UNKNOWN_COMMAND

    with caplog.at_level(logging.WARNING):
        it = await fake.slash("frobnicate", fake.user("ada"))
        response = await fake.response(it)
    assert response.body["type"] == 4 and flags(response) & EPHEMERAL
    assert text_of(response) == UNKNOWN_COMMAND
    assert "a stale or unknown slash command: CommandNotFound" in caplog.text
    assert "ERROR" not in [r.levelname for r in caplog.records] and "Traceback" not in caplog.text
