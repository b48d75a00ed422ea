"""Replies -> Block Kit: every reply type, Slack's size limits, escaping, and the plain-text fallback."""

from __future__ import annotations

import json
from dataclasses import dataclass

from adapters.slack import parse as P
from adapters.slack import render as V
from bot import events as E
from bot import replies as R
from bot.grammar import round_arguments


def _texts(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _limits_hold(blocks) -> None:
    for b in blocks:
        if b["type"] in ("section",):
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        for e in b.get("elements") or []:
            if e.get("type") == "button":
                assert len(e["text"]["text"]) <= 75
            if e.get("type") == "mrkdwn":
                assert len(e["text"]) <= 3000
            for o in e.get("options") or []:
                assert len(o["text"]["text"]) <= 75
            if "placeholder" in e:
                assert len(e["placeholder"]["text"]) <= 150


def test_every_reply_type_renders():
    q = R.Question(
        7,
        "q1",
        "c1",
        "Concept",
        "single_choice",
        "Which?",
        (R.Choice("A", "one"), R.Choice("B", "two")),
        how_to_answer="Answer with /answer and a letter, e.g. /answer B",
    )
    replies = [
        R.Text("hello *there*"),
        R.Text("bad", kind="error"),
        R.Passage("Title", "line one\nline two", "c1"),
        q,
        R.Feedback(True, 1.0, "Correct! The answer is B.", ("✓ B) two — yes",), ("point",), ("other",), 15),
        R.Table("Progress", ("concept", "mastery"), (("RLHF", "80%"),), "15 points"),
        R.Image("chart.png", "a chart of progress", b"\x89PNG"),
        R.RoundResult(
            7,
            "Concept",
            "Which?",
            "The answer is B.",
            ("✓ B",),
            (R.Tally("A", "one", 1, False), R.Tally("B", "two", 2, True)),
            (("ada", "right", 15),),
            3,
        ),
    ]
    [message] = V.messages(replies)
    text = _texts(message.blocks)
    for expected in (
        "hello *there*",
        ":warning: bad",
        ">line one\\n>line two",
        "from the course: *Title*",
        "Quiz: Concept",
        ":white_check_mark: *Correct! The answer is B.*  +15 points",
        "*Covered:*",
        "```",
        "RLHF",
        "a chart of progress",
        "Round closed: Concept",
        "ada: right, +15",
    ):
        assert expected in text
    assert message.text and len(message.text) <= 3000
    assert "Quiz (Concept): Which?" in message.text and "/answer" not in message.text
    _limits_hold(message.blocks)


def test_an_unknown_reply_type_falls_back_to_plain_text():
    @dataclass(frozen=True)
    class Poll(R.Reply):
        def plain(self) -> str:
            return "A poll: <!channel> vote now"

    [message] = V.messages([Poll()])
    assert message.blocks[0]["text"]["text"].startswith("A poll:")
    assert "<!channel>" not in _texts(message.blocks) and "<!channel>" not in message.text


def test_long_text_is_split_into_sections_of_3000():
    long = ("word " * 250 + "\n") * 20  # about 25,000 characters
    [message] = V.messages([R.Text(long)])
    assert len(message.blocks) >= 9
    _limits_hold(message.blocks)
    assert "".join(b["text"]["text"] for b in message.blocks).replace("\n", "").replace(
        " ", ""
    ) == long.replace("\n", "").replace(" ", "")
    one_line = "x" * 7000  # no place to break: cut hard
    assert [len(c) for c in V.chunks(one_line)] == [3000, 3000, 1000]


def test_more_than_50_blocks_become_several_messages():
    out = V.messages([R.Text(f"line {i}") for i in range(120)])
    assert [len(m.blocks) for m in out] == [50, 50, 20]
    assert "line 0" in out[0].text and "line 119" in out[2].text


def test_long_choices_fit_buttons_and_options():
    long = "a very long option " * 20
    choices = tuple(R.Choice(str(i), long) for i in range(1, 5))
    targets = tuple(R.Choice(k, long) for k in "abcd")
    for qtype in ("single_choice", "ordering", "matching"):
        q = R.Question(
            1, "q", "c", "C" * 300, qtype, "P" * 5000, choices, targets if qtype == "matching" else ()
        )
        [message] = V.messages([q])
        _limits_hold(message.blocks)


def test_text_is_escaped_and_mass_mentions_defused():
    blocks = V.blocks_for(R.Text("a < b & c > d <!channel> <!here|here> <!everyone> @everyone <@U123>"))
    text = blocks[0]["text"]["text"]
    assert "a &lt; b &amp; c &gt; d" in text
    for raw in ("<!channel>", "<!here", "<!everyone>", "@everyone", "<@U123>"):
        assert raw not in text


def test_round_question_shows_the_deadline_and_a_close_button():
    q = R.Question(
        9, "q", "c", "Concept", "open_ended", "Explain.", is_round=True, deadline="2026-11-02T09:02:00+00:00"
    )
    blocks = V.blocks_for(q, started_by="ada")
    text = _texts(blocks)
    assert "<!date^1793610120^{time}|09:02 UTC>" in text and "Started by ada" in text
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Write my answer", "Close round"]
    closed = V.closed_question_blocks(blocks, "Round closed.")
    assert not [b for b in closed if b["type"] == "actions"] and "Round closed." in _texts(closed)


def test_home_view_fits_the_home_tab():
    progress = [R.Text(f"row {i}") for i in range(150)]
    view = V.home_view("Course", progress, [R.Text("Learn next: *X*.")])
    assert view["type"] == "home" and len(view["blocks"]) <= 100


def test_parse_quiz_arguments_and_commands():
    assert round_arguments("reward models 90s") == ("reward models", 90)
    assert round_arguments("dpo 2m") == ("dpo", 120)
    assert round_arguments("dpo 1s") == ("dpo", 10)  # at least 10 seconds
    assert round_arguments("chapter 3") == ("chapter 3", None)
    assert P.command_name("/Tutor-Quiz") == "quiz" and P.command_name("/help") == "help"
    assert P.COMMAND_PATTERN.match("/tutor_leaderboard") and not P.COMMAND_PATTERN.match("/giphy")
    assert P.strip_mentions("<@UBOT> what is <@U2|bob> doing?", "UBOT") == "what is @U2 doing?"


def _command(command: str, text: str = "", channel: tuple[str, str] = ("C0CLASS", "cs-101")) -> dict:
    return {
        "command": command,
        "text": text,
        "team_id": "T1",
        "user_id": "U1",
        "user_name": "ada",
        "channel_id": channel[0],
        "channel_name": channel[1],
    }


def test_parse_the_learning_and_instructor_commands():
    def parse(command: str, text: str = "", **kw):
        return P.parse_command(_command(command, text), **kw)

    assert parse("/review") == E.Review(parse("/review").learner, where=parse("/review").where)
    assert parse("/leaderboard", "week").period == "week" and parse("/leaderboard").period == "all"
    privacy = parse("/privacy", "pseudonym  Night Owl ")
    assert (privacy.mode, privacy.name) == ("pseudonym", "Night Owl")
    assert (parse("/digest", "on 22-8").setting, parse("/digest", "on 22-8").quiet) == ("on", "22-8")
    assert (parse("/digest", "22-8").setting, parse("/digest", "22-8").quiet) == ("", "22-8")
    assert parse("/timezone", "Europe/Berlin") == E.SetTimezone(
        parse("/timezone").learner, zone="Europe/Berlin", where=parse("/timezone").where
    )
    assert parse("/tutor-class-timezone", "Asia/Tokyo").for_class is True
    assert parse("/forget-me", "confirm").confirm is False  # only the button confirms
    assert isinstance(parse("/my-data"), E.MyData) and isinstance(parse("/class-report"), E.ClassReport)
    assert parse("/inbox") == E.Inbox(parse("/inbox").learner, where=parse("/inbox").where)
    answer = parse("/inbox", "answer #3 Read the   chapter.")
    assert (answer.action, answer.item_id, answer.text) == ("answer", 3, "Read the   chapter.")
    add = parse("/inbox", "ADD 4 dpo")
    assert (add.action, add.item_id, add.text) == ("add", 4, "dpo")
    assert parse("/inbox", "answer x").item_id == 0
    dismiss = parse("/inbox", "dismiss #5")
    assert (dismiss.action, dismiss.item_id, dismiss.text) == ("dismiss", 5, "")
    assert parse("/class-report", is_instructor=True).learner.is_instructor is True
    assert parse("/class-report").learner.is_instructor is False
    review = parse("/review-answers", "score #5 1, 3 Covers the pilot; see point 2.", is_instructor=True)
    assert (review.action, review.item_id, review.covered, review.text) == (
        "score",
        5,
        "1,3",
        "Covers the pilot; see point 2.",
    )
    assert parse("/review-answers") == E.ReviewAnswers(parse("/review-answers").learner, where=review.where)
    assert {"class-report", "inbox", "review-answers", "class-timezone"} == P.INSTRUCTOR_COMMANDS
    for name in P.COMMANDS:
        assert P.COMMAND_PATTERN.match(f"/{name}") and P.COMMAND_PATTERN.match(f"/tutor-{name}")
        assert not isinstance(parse(f"/{name}"), E.Unknown)


def test_a_file_renders_as_its_content_where_it_cannot_be_uploaded():
    data = json.dumps({"learner": {"user_id": "U1", "note": "<!channel> & more"}}).encode()
    [message] = V.messages([R.File("tutor-data-U1.json", "Your data: 0 answers", data)])
    text = _texts(message.blocks)
    assert "tutor-data-U1.json" in text and "Your data: 0 answers" in text and "```" in text
    assert "&amp; more" in text and "<!channel>" not in text
    _limits_hold(message.blocks)
    big = R.File("big.json", "big", b"x" * 50_000)
    [message] = V.messages([big])
    assert "the first 12,000 of 50,000 characters" in _texts(message.blocks)
    _limits_hold(message.blocks)
    [message] = V.messages([R.File("blob.bin", "a blob", b"\xff\xfe\x00", mime="application/octet-stream")])
    assert "3 bytes that cannot be shown as text" in _texts(message.blocks)


def test_upload_comment_and_note():
    image = R.Image("chart.png", "Mastery <!here> of *ada* < 50%", b"\x89PNG")
    assert V.upload_comment(image) == "Mastery @\u200bhere of *ada* &lt; 50%"
    assert V.upload_note(["a.png"]).text.endswith("`a.png` is in your direct messages with the tutor.")
    assert "`a.png` and `b.png` are in" in V.upload_note(["a.png", "b.png"]).text


def test_forget_prompt_has_the_buttons_in_place_of_the_typed_confirmation():
    ask = R.Confirm("It cannot be undone.", "forget-me", "/forget-me confirm")
    [message] = V.confirm_prompt([ask], "U1")
    text = _texts(message.blocks)
    assert "press *Delete everything* below" in text and "/forget-me confirm" not in text
    [tools] = [b for b in message.blocks if b["type"] == "actions"]
    delete, keep = tools["elements"]
    assert (delete["action_id"], delete["value"], delete["style"]) == (V.FORGET_YES, "U1", "danger")
    assert delete["confirm"]["style"] == "danger" and keep["action_id"] == V.FORGET_NO
    _limits_hold(message.blocks)
    # nothing to ask: no buttons
    [message] = V.confirm_prompt([R.Text("The tutor keeps nothing about you.")], "U1")
    assert not [b for b in message.blocks if b["type"] == "actions"]
    # the type asks, not the words: a text that reads like the question gets no buttons
    [message] = V.confirm_prompt([R.Text(ask.plain(), kind="notice")], "U1")
    assert not [b for b in message.blocks if b["type"] == "actions"]


def test_multiple_response_renders_checkboxes_and_submits_the_ticked_letters():
    q = R.Question(
        7,
        "mr-q1",
        "c1",
        "Concept",
        "multiple_response",
        "Which objectives are self-supervised?",
        (
            R.Choice("A", "Masked language modelling"),
            R.Choice("B", "Reward modelling"),
            R.Choice("C", "Next token"),
        ),
        how_to_answer="Choose all that apply: answer with /answer and the letter of every option you choose",
    )
    blocks = V.blocks_for(q)
    _limits_hold(blocks)
    text = _texts(blocks)
    assert "Choose all that apply" in text and "*A)* Masked language modelling" in text
    [boxes] = [
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "checkboxes"
    ]
    assert [o["value"] for o in boxes["options"]] == ["A", "B", "C"]
    body = {
        "type": "block_actions",
        "user": {"id": "U0ADA", "username": "ada", "team_id": "T1"},
        "team": {"id": "T1"},
        "channel": {"id": "D0DM", "name": "directmessage"},
        "state": {
            "values": {
                V.order_block_id(7): {
                    boxes["action_id"]: {"type": "checkboxes", "selected_options": boxes["options"][::2]}
                }
            }
        },
        "actions": [{"action_id": V.SUBMIT, "value": "7", "type": "button"}],
    }
    event = P.parse_action(body)
    assert isinstance(event, E.Answer) and (event.response, event.session_id) == ("A C", 7)


def test_feedback_marks_each_wrong_pair_and_step():
    from tests.quiz.test_machine import wrong_pairs_and_steps

    match, order = wrong_pairs_and_steps()
    text = _texts(V.blocks_for(match))
    assert "*Your answer:*" in text and ":x: 2b: 2 goes with c" in text and ":white_check_mark: 3a" in text
    text = _texts(V.blocks_for(order))
    assert ":x: 2nd: step 2: out of place: it comes 3rd" in text and ":white_check_mark: 1st: step 4" in text
    assert "2b ✗ (2 goes with c)" in V.fallback_text([match])  # the notification text says it too


def test_a_message_for_another_learner_is_never_rendered_for_the_sender():
    other = R.DirectMessage(
        E.LearnerRef("slack", "T1", "U0ADA"), "An instructor answered: a secret for ada", 3
    )
    [message] = V.messages([R.Text("Inbox #3 is answered."), other])
    assert "secret" not in json.dumps(message.blocks) and "secret" not in message.text
    assert V.messages([other]) == []
