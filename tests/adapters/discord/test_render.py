"""Rendering within Discord's limits, and parsing custom_ids and commands: every question of the course."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from adapters.discord import parse, render
from bot import events as E
from bot import replies as R
from bot.quiz.grading import parse as parse_answer
from bot.quiz.grading import presentation_for
from bot.quiz.machine import show_question

SESSION = 10**15  # a large session id: the custom_ids must still fit in 100 characters


def shown_questions(course, is_round: bool):
    for q in course.questions.values():
        presentation = presentation_for(q, 7)
        title = course.concepts[q.concept_id].title
        yield q, show_question(SESSION, q, presentation, title, is_round, "2026-11-02T09:02:00+00:00")


def components(view) -> list[dict]:
    return [item for row in view.to_components() for item in row["components"]]


@pytest.mark.parametrize("is_round", [True, False])
def test_every_question_renders_within_discords_limits(course, is_round):
    for q, shown in shown_questions(course, is_round):
        [out] = render.render([shown])
        [embed] = out.embeds
        assert len(embed.description) <= 4096 and len(embed.title) <= 256 and len(embed) <= 6000, q.id
        rows = out.view.to_components()
        assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows), q.id
        for item in components(out.view):
            assert len(item["custom_id"]) <= 100 and len(item["label"]) <= 80, q.id
            assert re.fullmatch(parse.BUTTON_TEMPLATE, item["custom_id"]), item["custom_id"]
        ids = [i["custom_id"] for i in components(out.view)]
        assert (f"tutor:c:{SESSION}" in ids) == is_round and (f"tutor:s:{SESSION}" in ids) != is_round


def test_every_form_walks_to_an_answer_the_tutor_reads(course):
    """Ordering and matching: pick by pick through the menus, then the Submit button's answer parses."""
    walked = 0
    for q, shown in shown_questions(course, True):
        if q.type not in ("ordering", "matching"):
            continue
        kind = "o" if q.type == "ordering" else "m"
        picks = ""
        for _ in range(len(q.options)):
            out = render.form(shown, picks)
            assert len(out.content) <= 2000
            items = components(out.view)
            assert all(len(i["custom_id"]) <= 100 for i in items)
            menus = [i for i in items if i["type"] == 3]
            if not menus:
                break
            [menu] = menus
            assert re.fullmatch(parse.SELECT_TEMPLATE, menu["custom_id"])
            assert 1 <= len(menu["options"]) <= 25 and all(len(o["label"]) <= 100 for o in menu["options"])
            picks = parse.pick(kind, len(q.options), picks, menu["options"][-1]["value"])
        submit = next(i for i in components(render.form(shown, picks).view) if i["label"] == "Submit")
        click = parse.parse_click(submit["custom_id"])
        event = parse.click_event(click, parse.learner(1, "ada"), None)
        assert isinstance(event, E.Answer) and event.session_id == SESSION
        parse_answer(q, event.response)  # raises if the tutor could not read it
        walked += 1
    assert walked >= 30


def test_picks_and_answers():
    assert parse.pick("o", 4, "", "3") == "3"
    assert parse.pick("o", 4, "31", "4") == "3142"  # the last one goes last by itself
    assert parse.pick("o", 4, "31", "3") == "31"  # a step is placed once
    assert parse.pick("o", 4, "39", "1") == ""  # a tampered custom_id starts over
    assert parse.answer_text("o", "3142") == "3 1 4 2"
    assert parse.answer_text("m", "bacd") == "1b 2a 3c 4d"
    assert parse.pick("m", 3, "c", "a") == "cab"


def test_custom_ids_round_trip():
    assert parse.parse_click("tutor:a:42:B") == parse.Click("a", 42, "B")
    assert parse.parse_click("tutor:c:42") == parse.Click("c", 42, "")
    assert parse.parse_click("tutor:x:42") is None and parse.parse_click("other:a:1:A") is None
    assert parse.parse_modal_id(parse.modal_id(42)) == 42 and parse.parse_modal_id("tutor:m:x") is None
    who = parse.learner(7, "ada")
    assert parse.click_event(parse.Click("g", 42, "m" + "bac"), who, None) == E.Answer(
        who, response="1b 2a 3c", session_id=42
    )
    assert parse.click_event(parse.Click("f", 42, "o"), who, None) is None


def test_commands_become_events():
    who = parse.learner(7, "ada", manage_guild=True)
    where = parse.class_ref(1, 2, "cs-101")
    assert who.is_instructor and who.workspace == "discord" and where.workspace == "1"
    assert parse.command_event("quiz", {"topic": "dpo", "seconds": 30}, who, where) == E.StartRound(
        who, topic="dpo", seconds=30, where=where
    )
    assert parse.command_event("quiz", {"topic": "dpo"}, who, None) == E.StartQuiz(who, topic="dpo")
    assert isinstance(parse.command_event("progress", {}, who, where), E.ShowProgress)
    assert parse.learner(7, "ta", role_ids=(55,), instructors={"55"}).is_instructor
    assert not parse.learner(7, "ada", role_ids=(56,), instructors={"55"}).is_instructor


def test_settings_and_messages():
    assert parse.guild_ids("1, 2,3") == [1, 2, 3] and parse.guild_ids("") == []
    with pytest.raises(ValueError):
        parse.guild_ids("12,x")
    assert parse.question_in_message("<@99> what is DPO?", 99, is_dm=False) == "what is DPO?"
    assert parse.question_in_message("what is DPO?", 99, is_dm=False) is None
    assert parse.question_in_message("what is DPO?", 99, is_dm=True) == "what is DPO?"
    nested = [{"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "because"}}]
    assert parse.modal_text(nested) == "because"
    rows = [{"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": "rows"}]}]
    assert parse.modal_text(rows) == "rows"


def test_text_is_split_at_2000_characters_and_packed_in_order():
    text = "\n".join("x" * 70 for _ in range(100)) + "\n" + "y" * 4500
    pieces = render.split_text(text)
    assert all(len(p) <= 2000 for p in pieces) and "".join(pieces).replace("\n", "") == text.replace("\n", "")
    outs = render.render([R.Text("first"), R.Passage("RLHF", "Quoted.", "rlhf"), R.Text("last")])
    assert len(outs) == 1 and outs[0].content.index("first") < outs[0].content.index("last")
    feedback = R.Feedback(True, 1.0, "Correct! The answer is B.", ("✓ B) x — y",), points=15)
    [out] = render.render([feedback, R.Text("+15 points.")])
    assert out.embeds[0].footer.text == "+15 points" and out.content == "+15 points."


def test_a_big_round_result_stays_within_an_embed():
    scores = tuple((f"learner {i} @everyone", "right", 15) for i in range(400))
    tally = tuple(R.Tally(k, k, 100, k == "A") for k in "ABCD")
    result = R.RoundResult(1, "RLHF", "p" * 3000, "The answer is A.", ("e" * 500,) * 8, tally, scores, 400)
    [out] = render.render([result])
    [embed] = out.embeds
    assert len(embed) <= 6000 and all(len(f.value) <= 1024 for f in embed.fields)
    assert "… and" in embed.fields[-1].value and "@everyone" not in embed.fields[-1].value


def test_unknown_replies_fall_back_to_plain_text():
    class Poll(R.Reply):
        def plain(self) -> str:
            return "A poll, as text"

    [out] = render.render([Poll()])
    assert out.content == "A poll, as text"
    [image] = render.render([R.Image("chart 1.png", "A chart of mastery", b"\x89PNG")])
    assert (
        image.files[0].filename == "chart_1.png" and image.embeds[0].image.url == "attachment://chart_1.png"
    )


def test_topics_are_concept_titles(course):
    choices = render.topic_choices(course, "reward")
    assert choices and len(choices) <= 25 and all(v in course.concepts for _, v in choices)
    assert all(len(n) <= 100 and len(v) <= 100 for n, v in choices)
    assert render.topic_choices(course, "zzzz-nothing") == []
    assert json.dumps(render.topic_choices(course, ""))  # plain data


def test_a_file_is_an_attachment_with_its_description_as_the_text():
    body = json.dumps({"attempts": [1, 2, 3]}).encode()
    first, second = render.render(
        [R.Text("Here you are."), R.File("tutor data/1.json", "Your data, as JSON.", body)]
    )
    # the text before it stays in its own message; the file's description is the file's message
    assert first.content == "Here you are." and not first.files
    assert second.content == "Your data, as JSON." and len(second.files) == 1
    outs = render.render([R.File("tutor data/1.json", "Your data, as JSON.", body), R.Text("More.")])
    assert [o.content for o in outs] == ["Your data, as JSON.", "More."]
    [file] = outs[0].files
    assert file.filename == "tutor_data_1.json" and file.description == "Your data, as JSON."
    assert file.fp.read() == body


def test_a_file_over_the_limit_is_gzipped_or_described():
    body = json.dumps([{"answer": "the same words again"}] * 2000).encode()
    [out] = render.render([R.File("data.json", "Your data.", body)], attachment_limit=len(body) // 2)
    [file] = out.files
    assert file.filename == "data.json.gz" and gzip.decompress(file.fp.read()) == body
    assert "gzip-compressed" in out.content
    [out] = render.render([R.File("data.json", "Your data.", body)], attachment_limit=10)
    assert not out.files and "too large to attach" in out.content and len(out.content) <= 2000
    [out] = render.render([R.Image("chart.png", "A chart", b"\x89PNG" * 100)], attachment_limit=10)
    assert not out.files and out.embeds[0].description == "A chart" and out.embeds[0].image.url is None


def test_a_long_alt_text_stays_within_discords_limits():
    alt = "Mastery of " + ", ".join(f"concept {i} 50%" for i in range(600))
    [image] = render.render([R.Image("chart.png", alt, b"\x89PNG")])
    assert len(image.embeds[0].description) <= 4096 and len(image.files[0].description) <= 1024
    outs = render.render([R.File("data.json", alt, b"{}")])
    assert all(len(o.content) <= 2000 for o in outs) and outs[0].files


def test_the_progress_table_and_its_chart_share_a_message(course):
    rows = (("RLHF", "1/1", "██████████", "100%"),)
    table = R.Table("Progress of ada", ("concept", "right", "mastery", ""), rows, "15 points")
    [out] = render.render([table, R.Image("progress.png", "Progress of ada: RLHF 100%", b"\x89PNG")])
    assert "Progress of ada" in out.content and out.embeds[0].image.url == "attachment://progress.png"
    assert [f.filename for f in out.files] == ["progress.png"]


def test_forget_me_asks_with_buttons_instead_of_a_command():
    ask = R.Confirm("This deletes everything. It cannot be undone.", "forget-me", "/forget-me confirm")
    [out] = render.confirm_prompt([ask], 1234)
    assert "click **Delete everything** below" in out.content and "/forget-me confirm" not in out.content
    ids = [i["custom_id"] for i in components(out.view)]
    assert ids == ["tutor:forget:1234:yes", "tutor:forget:1234:no"]
    assert all(re.fullmatch(parse.FORGET_TEMPLATE, i) and len(i) <= 100 for i in ids)
    assert parse.parse_forget_id(ids[0]) == ("1234", True) and parse.parse_forget_id(ids[1]) == (
        "1234",
        False,
    )
    assert parse.parse_forget_id("tutor:forget:x:yes") is None
    [out] = render.confirm_prompt([R.Text("The tutor keeps nothing about you.")], 1234)
    assert out.view is None
    # the type asks, not the words: a text that reads like the question gets no buttons
    [out] = render.confirm_prompt([R.Text(ask.plain(), kind="notice")], 1234)
    assert out.view is None and "/forget-me confirm" in out.content


def test_learning_commands_become_events():
    who = parse.learner(7, "ada")
    where = parse.class_ref(1, 2, "cs-101")
    event = parse.command_event
    assert event("leaderboard", {"period": "week"}, who, where) == E.ShowLeaderboard(
        who, period="week", where=where
    )
    assert event("leaderboard", {}, who, where).period == "all"
    assert event("privacy", {"mode": "pseudonym", "name": " Countess "}, who, None) == E.Privacy(
        who, mode="pseudonym", name="Countess"
    )
    assert event("digest", {"setting": "on", "quiet": "22-8"}, who, None) == E.Digest(
        who, setting="on", quiet="22-8"
    )
    assert event("timezone", {"zone": "Europe/Berlin"}, who, where) == E.SetTimezone(
        who, zone="Europe/Berlin", where=where
    )
    assert event("class-timezone", {"zone": "Europe/Paris"}, who, where).for_class
    assert event("forget-me", {}, who, None) == E.ForgetMe(who, confirm=False)
    assert event("inbox", {"action": "answer", "item": 3, "text": "Yes."}, who, where) == E.Inbox(
        who, action="answer", item_id=3, text="Yes.", where=where
    )
    assert event("inbox", {}, who, where) == E.Inbox(who, action="list", where=where)
    assert event("inbox", {"action": "dismiss", "item": 5}, who, where) == E.Inbox(
        who, action="dismiss", item_id=5, where=where
    )
    options = {"action": "score", "item": 5, "covered": " 1,3 ", "comment": "Point 2 is there too."}
    assert event("review-answers", options, who, where) == E.ReviewAnswers(
        who, action="score", item_id=5, covered="1,3", text="Point 2 is there too.", where=where
    )
    assert event("review-answers", {}, who, where) == E.ReviewAnswers(who, where=where)
    with pytest.raises(parse.BadPayload, match="option item"):
        event("review-answers", {"action": "accept", "item": "5"}, who, where)
    simple = {"review": E.Review, "my-data": E.MyData, "class-report": E.ClassReport}
    assert all(isinstance(event(name, {}, who, where), kind) for name, kind in simple.items())


def test_time_zones_autocomplete():
    assert "Europe/Berlin" in render.zone_choices("berl")
    assert render.zone_choices("america/new")[0] == "America/New_York"
    assert render.zone_choices("new york")[0] == "America/New_York"
    assert len(render.zone_choices("")) == 25 and render.zone_choices("zzzz") == []
    assert len(render.help_text("A course " * 20)) <= 2000


def test_feedback_marks_each_wrong_pair_and_step():
    from tests.quiz.test_machine import wrong_pairs_and_steps

    match, order = wrong_pairs_and_steps()
    for feedback, wrong, right in (
        (match, "❌ 2b: 2 goes with c", "✅ 3a"),
        (order, "❌ 2nd: step 2: out of place: it comes 3rd", "✅ 1st: step 4"),
    ):
        [out] = render.render([feedback])
        [field] = [f for f in out.embeds[0].fields if f.name == "Your answer"]
        assert wrong in field.value and right in field.value


def test_a_message_for_another_learner_is_never_rendered_for_the_sender():
    other = R.DirectMessage(
        E.LearnerRef("discord", "discord", "42"), "An instructor answered: a secret for 42", 3
    )
    [out] = render.render([R.Text("Inbox #3 is answered."), other])
    assert out.content == "Inbox #3 is answered." and not out.embeds
    assert render.render([other]) == []
