"""The one command table (bot/commands.py): what every parser, /help and the chat platforms read."""

from __future__ import annotations

from adapters.console.parse import parse_line
from bot import commands
from bot import events as E
from bot.features.help import HELP

WHO = E.LearnerRef("console", "local", "ada")


def test_every_command_is_parsed_by_the_console_and_listed_in_help():
    for c in commands.COMMANDS:
        event = parse_line(f"/{c.name}", WHO, None)
        assert not isinstance(event, E.Unknown), c.name
        assert f"/{c.name}" in HELP, c.name
        assert len(c.summary) <= 100, c.name  # Slack's and Discord's limit for a description
    assert isinstance(parse_line("/frobnicate", WHO, None), E.Unknown)


def test_the_argument_free_events_are_commands_of_the_table():
    for name, event in E.NO_ARGUMENT.items():
        assert commands.command(name).usage == "", name
        assert isinstance(parse_line(f"/{name}", WHO, None), event)


def test_chat_commands_and_who_may_use_them():
    assert commands.INSTRUCTOR_COMMANDS == ("class-report", "inbox", "review-answers", "class-timezone")
    assert {"answer", "hint", "skip", "round", "close"}.isdisjoint(commands.LEARNER_COMMANDS)
    assert {
        "progress",
        "my-data",
        "forget-me",
        "class-report",
        "inbox",
        "review-answers",
    } <= commands.PRIVATE_COMMANDS
    assert "ask" not in commands.PRIVATE_COMMANDS and "quiz" not in commands.PRIVATE_COMMANDS


def test_inbox_forms_are_its_grammar_and_every_parser_reads_them():
    inbox = commands.command("inbox")
    assert inbox.forms == ("answer ID TEXT", "add ID [CONCEPT]", "dismiss ID")
    assert inbox.subcommands == ("answer", "add", "dismiss")
    assert commands.command("privacy").forms == ()  # "[visible|hidden|pseudonym NAME]" is a choice, not forms
    assert "/inbox [answer ID TEXT | add ID [CONCEPT] | dismiss ID]" in HELP
    for action in inbox.subcommands:
        event = parse_line(f"/inbox {action} 7 words", WHO, None)
        assert event == E.Inbox(WHO, action=action, item_id=7, text="words"), action


def test_who_sees_a_commands_answer_in_a_channel_is_the_tables_private_flag():
    """`bot.visibility` (what every platform shows to the channel or to the learner alone) agrees with the
    command table: a private command's answer is never shown to the class, any other one is."""
    from bot import replies as R
    from bot import visibility

    room = E.ClassRef("console", "local", "cs-101")
    for c in commands.CHAT:
        event = parse_line(f"/{c.name} x", WHO, room)
        if c.name == "quiz":  # in a channel the chat platforms start a class round
            event = E.StartRound(WHO, topic="x", where=room)
        assert visibility.of(event) == (R.PRIVATE if c.private else R.CLASS), c.name
        assert visibility.of(type(event)(WHO)) == R.PRIVATE, c.name  # in a direct conversation: private
    answer = E.Ask(WHO, text="what is RLHF?", where=room)
    assert visibility.decide(answer, R.Text("RLHF is ...")) == R.CLASS
    assert visibility.decide(answer, R.Text("not covered", kind="notice")) == R.PRIVATE
    assert visibility.decide(answer, R.DirectMessage(WHO, "for another learner")) == R.DIRECT
