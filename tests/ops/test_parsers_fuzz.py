"""Property tests: malformed payloads fed to every adapter's parser, then to the tutor and back through the
renderer, give a clear reply or a clean refusal (None), never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.parse import parse_line
from adapters.console.render import render as console_render
from bot import events as E
from bot import replies as R
from bot.commands import COMMANDS
from bot.storage import Store, make_engine
from bot.tutor import Tutor

LEARNER = E.LearnerRef("console", "local", "fuzz")
WHERE = E.ClassRef("console", "local", "cs-101")

# text that looks like chat: commands, mentions, mass mentions, odd unicode, very long runs
chat_text = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda c, t: f"/{c} {t}",
        st.sampled_from([*(c.name for c in COMMANDS), "nonsense", ""]),
        st.text(max_size=120),
    ),
    st.sampled_from(
        [
            "@everyone",
            "<!channel>",
            "<!here|here>",
            "/answer 1a 1a 1a",
            "/inbox answer x y",
            "/answer " + "9 " * 50,
            "\x00\x01",
            "/quiz " + "x" * 5000,
            "/privacy pseudonym @here",
        ]
    ),
)
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40)
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_tutor(mini_course, mini_retriever, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}"
    return Tutor(mini_course, Store(make_engine(url)), mini_retriever, rate_limit=0)


def _assert_clean(tutor: Tutor, event: E.Event | None) -> None:
    if event is None:
        return
    replies = tutor.handle(event)
    assert replies, "every event gets a reply"
    for r in replies:
        text = console_render(r)
        assert "Traceback" not in text
        if isinstance(r, R.File):
            continue  # /my-data hands the learner their own data verbatim, as a file, never as channel text
        assert "@everyone" not in text and "<!channel>" not in text and "@here" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=chat_text)
def test_console_lines(fuzz_tutor, line):
    _assert_clean(fuzz_tutor, parse_line(line, LEARNER, WHERE))


slack_body = st.fixed_dictionaries(
    {},
    optional={
        "command": st.one_of(
            st.sampled_from(
                [
                    "/ask",
                    "/quiz",
                    "/progress",
                    "/leaderboard",
                    "/next",
                    "/help",
                    "/review",
                    "/privacy",
                    "/inbox",
                    "/class-report",
                    "/tutor-ask",
                ]
            ),
            st.text(max_size=20),
        ),
        "text": chat_text,
        "user_id": st.one_of(st.text(max_size=12), st.integers()),
        "user_name": st.text(max_size=20),
        "team_id": st.one_of(st.text(max_size=12), st.none()),
        "channel_id": st.one_of(st.sampled_from(["C123", "D456", "G789"]), st.text(max_size=12)),
        "channel_name": st.one_of(
            st.sampled_from(["general", "directmessage", "privategroup"]), st.text(max_size=12)
        ),
        "actions": json_value,
        "user": json_value,
        "team": json_value,
        "channel": json_value,
        "view": json_value,
        "container": json_value,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=slack_body)
def test_slack_payloads(fuzz_tutor, body):
    from adapters.slack import parse as P

    for parse in (P.parse_command, P.parse_action):
        try:
            event = parse(body)
        except P.BadPayload:  # a clean refusal: the adapter acks and answers "could not read that"
            continue
        _assert_clean(fuzz_tutor, event)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.text(max_size=15),
    options=st.dictionaries(
        st.sampled_from(
            [
                "question",
                "topic",
                "seconds",
                "mode",
                "name",
                "setting",
                "quiet",
                "zone",
                "action",
                "item",
                "text",
                "period",
            ]
        ),
        json_value,
        max_size=4,
    ),
    custom_id=st.text(max_size=100),
    content=chat_text,
)
def test_discord_payloads(fuzz_tutor, command, options, custom_id, content):
    from adapters.discord import parse as P

    who = E.LearnerRef("discord", "discord", "42")
    where = E.ClassRef("discord", "1", "2")
    try:
        event = P.command_event(command, options, who, where)
    except P.BadPayload:
        event = None
    _assert_clean(fuzz_tutor, event)
    click = P.parse_click(custom_id)
    if click is not None:
        _assert_clean(fuzz_tutor, P.click_event(click, who, where))
    question = P.question_in_message(content, 99, is_dm=True)
    if question is not None:
        _assert_clean(fuzz_tutor, E.Ask(who, text=question, where=where))
