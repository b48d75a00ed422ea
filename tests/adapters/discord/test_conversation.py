"""A conversation through the real discord.py client: a question and its follow-ups in a channel and in a DM,
thanks, and a quiz answered in plain text, as a student talks to a tutor (#11)."""

from __future__ import annotations

from tests.adapters.discord.conftest import question_of_type
from tests.adapters.discord.test_learning import session_of
from tests.fakes.discord_api import text_of

NOT_SURE = "not sure"


async def replies(fake, n: int) -> list:
    await fake.wait_for(lambda: len(fake.kinds("channel_message")) >= n)
    return [text_of(r.body) for r in fake.kinds("channel_message")]


async def test_follow_ups_thanks_and_a_plain_text_answer(bot, fake, course):
    ada = fake.user("ada")
    await fake.say("what is RLHF?", ada, mention=True)
    [first] = await replies(fake, 1)
    assert "Reinforcement Learning from Human Feedback" in first
    await fake.say("why?", ada, mention=True)  # about the last answer in this channel
    why = (await replies(fake, 2))[-1]
    assert NOT_SURE not in why and "Reinforcement Learning from Human Feedback" in why
    await fake.say("thanks, that helps", ada, mention=True)
    assert "welcome" in (await replies(fake, 3))[-1].lower()
    # another learner's "why?" in the same channel leans on nothing of theirs
    bob = fake.user("bob")
    await fake.say("why?", bob, mention=True)
    assert "Reinforcement Learning from Human Feedback" not in (await replies(fake, 4))[-1]
    # the DM is a conversation of its own
    await fake.say("what is direct preference optimization?", ada, dm=True)
    assert "Direct Preference Optimization" in (await replies(fake, 5))[-1]
    await fake.say("give me an example", ada, dm=True)
    example = (await replies(fake, 6))[-1]
    assert NOT_SURE not in example and "Direct Preference Optimization" in example
    # while a question is open in the DM, a bare letter typed there is the answer
    it = await fake.slash("quiz", ada, dm=True, topic=question_of_type(course, "single_choice"))
    [posted] = await fake.followups(it)
    sid = session_of(posted.message)
    await fake.say(bot.right_answer(sid), ada, dm=True)
    verdict = (await replies(fake, 7))[-1]
    assert "Correct" in verdict
    assert bot.store.inbox() == []
