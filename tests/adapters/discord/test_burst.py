"""A class's burst of answer clicks on Discord: every interaction acknowledged, none lost, every answer
recorded, and each recorded before its interaction was acknowledged (a deferred interaction is never
delivered again, so an answer recorded after its defer was lost if the worker died in between)."""

from __future__ import annotations

from tests.adapters.discord.conftest import question_of_type
from tests.load.discord_burst import acks, click_burst


async def test_a_burst_of_clicks_is_acknowledged_and_each_answer_recorded_before_its_ack(bot, fake, course):
    teacher = fake.user("teacher", manage_guild=True)
    it = await fake.slash("quiz", teacher, topic=question_of_type(course, "single_choice"))
    [posted] = await fake.followups(it)
    message = posted.message
    sid = int(next(c for c in message["components"][0]["components"])["custom_id"].split(":")[2])

    def recorded_now(user_id: str) -> bool:
        return user_id in {learner.user_id for _, learner in bot.store.round_answers(sid)}

    n = 40
    sent, recorded_at_ack = await click_burst(fake, message, sid, n, 1.0, check=recorded_now)
    times = await acks(fake, sent)
    assert None not in times  # none lost: every click got its interaction callback
    assert recorded_at_ack == [True] * n  # and each answer was in the database when its callback came
    for interaction, _ in sent:  # every student hears that their answer is recorded
        [reply] = await fake.followups(interaction)
        assert "is recorded" in str(reply.body)
    assert len(bot.store.round_answers(sid)) == n
