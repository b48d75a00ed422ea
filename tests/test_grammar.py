"""One grammar for typed commands (bot.grammar): the console, Slack's slash commands and the webhook read an
argument the same way."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.console.parse import parse_line
from adapters.slack import parse as slack
from adapters.webhook.parse import parse_event
from bot import events as E


def _slack(command: str, text: str) -> E.Event:
    body = {
        "command": command,
        "text": text,
        "team_id": "T1",
        "user_id": "U1",
        "user_name": "ada",
        "channel_id": "D0ADA",  # a DM: /quiz stays a personal question, as on the console
        "channel_name": "directmessage",
    }
    return slack.parse_command(body)


def _webhook(line: str) -> E.Event | None:
    return parse_event({"type": "message", "user": "ada", "text": line})


def _args(event: E.Event | None) -> dict:
    """The event's type and arguments, without who sent it or where (each platform names those its own way)."""
    assert event is not None
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return {
        "type": type(event).__name__,
        **{k: v for k, v in fields.items() if k not in ("learner", "where")},
    }


@pytest.mark.parametrize(
    "line",
    [
        "/digest 22-8",  # quiet hours alone (the console read this as a setting "22-8" before)
        "/digest on 21-7",
        "/inbox answer #3 Use the reference model.",  # "#3" is item 3 everywhere
        "/inbox dismiss 12",
        "/quiz reward models",
        "/privacy pseudonym Night Owl",
        "/timezone Europe/Paris",
        "/leaderboard week",
        "/review-answers score 4 1,3 good",
        "/ask what is DPO?",
    ],
)
def test_a_typed_command_means_the_same_on_every_platform(line):
    command, _, rest = line.partition(" ")
    WHO = E.LearnerRef("console", "local", "ada")
    console = parse_line(line, WHO, None)
    assert _args(console) == _args(_slack(command, rest)) == _args(_webhook(line)), line


def test_rounds_take_a_length_and_chat_platforms_start_one_with_quiz_in_a_channel():
    WHO = E.LearnerRef("console", "local", "ada")
    room = E.ClassRef("console", "local", "cs-101")
    assert parse_line("/round dpo 90s", WHO, room) == E.StartRound(WHO, topic="dpo", seconds=90, where=room)
    assert isinstance(parse_line("/quiz dpo", WHO, room), E.StartQuiz)  # the console has /round for that
    body = {"command": "/quiz", "text": "dpo 2m", "team_id": "T1", "user_id": "U1", "channel_id": "C1"}
    event = slack.parse_command(body)
    assert isinstance(event, E.StartRound) and (event.topic, event.seconds) == ("dpo", 120)


def test_forget_me_is_confirmed_by_typing_only_where_there_are_no_buttons():
    WHO = E.LearnerRef("console", "local", "ada")
    assert parse_line("/forget-me confirm", WHO, None) == E.ForgetMe(WHO, confirm=True)
    assert _slack("/forget-me", "confirm") == E.ForgetMe(
        _slack("/forget-me", "").learner
    )  # a button confirms
