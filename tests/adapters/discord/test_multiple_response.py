"""Multiple response on Discord: one select menu with as many values as apply, answered as "A C"."""

from __future__ import annotations

import shutil

from bot.course import load_course
from bot.retrieval import HashingEmbedder, Retriever
from tests.adapters.discord.conftest import Bot
from tests.conftest import MINI_COURSE
from tests.course.test_loader import MULTI
from tests.fakes.discord_api import component_ids, text_of


def find(message: dict, custom_id: str) -> dict:
    for row in message.get("components") or []:
        for c in row.get("components") or []:
            if c.get("custom_id") == custom_id:
                return c
    raise AssertionError(f"no {custom_id} in {component_ids(message)}")


async def test_a_multiple_response_question_is_answered_in_a_menu(fake, tmp_path, sqlite_url, clock):
    path = tmp_path / "course"
    shutil.copytree(MINI_COURSE, path)
    (path / "questions" / "multi.yaml").write_text(MULTI)
    course = load_course(path)
    bot = Bot(fake, course, Retriever(course, HashingEmbedder()), sqlite_url, clock)
    await bot.start()
    try:
        ada = fake.user("ada")
        it = await fake.slash("quiz", ada, dm=True, topic="mr-q1")
        [posted] = await fake.followups(it)
        message = posted.message
        text = text_of(posted)
        assert "A)** Masked language modelling" in text and "Choose all that apply" in text
        [menu_id] = [c for c in component_ids(message) if c.startswith("tutor:x:")]
        menu = find(message, menu_id)
        assert (menu["min_values"], menu["max_values"]) == (1, 3)
        assert [o["value"] for o in menu["options"]] == ["A", "B", "C"]
        it = await fake.choose(message, menu_id, ["C", "A"], ada)
        [verdict, *_] = await fake.followups(it)
        assert "you chose A C; C is not right and you missed B" in text_of(verdict)

        it = await fake.slash("quiz", ada, dm=True, topic="mr-q1")
        [posted] = await fake.followups(it)
        [menu_id] = [c for c in component_ids(posted.message) if c.startswith("tutor:x:")]
        it = await fake.choose(posted.message, menu_id, ["B", "A"], ada)
        [verdict, *_] = await fake.followups(it)
        assert "Correct! The right options are A and B." in text_of(verdict)
    finally:
        await bot.stop()
        bot.close()
