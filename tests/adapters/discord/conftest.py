"""Fixtures for the Discord adapter: the fake Discord on loopback and the real discord.py client against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from adapters.discord.app import DiscordAdapter, configure_endpoints
from bot.course import Course
from bot.retrieval import Retriever
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.fakes.discord_api import FakeDiscord
from tests.tutorbot import right_answer

TOKEN = "test-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    configure_endpoints(server.api_url, server.gateway_url)
    yield server
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    await server.stop()


class Bot:
    """The adapter's client running against the fake; start() again after stop() is a restart."""

    def __init__(self, fake: FakeDiscord, course: Course, retriever: Retriever, db_url: str, clock):
        self.fake, self.course, self.retriever, self.db_url, self.clock = (
            fake,
            course,
            retriever,
            db_url,
            clock,
        )
        self.engines: list = []
        self.adapter: DiscordAdapter | None = None
        self.task: asyncio.Task | None = None

    @property
    def tutor(self) -> Tutor:
        assert self.adapter is not None
        return self.adapter.tutor

    @property
    def store(self) -> Store:
        return self.tutor.store

    async def start(self, **options) -> DiscordAdapter:
        """A new Tutor on the same database, a new adapter and client, connected and ready."""
        engine = make_engine(self.db_url)
        self.engines.append(engine)
        tutor = Tutor(self.course, Store(engine), self.retriever, clock=self.clock, round_seconds=60)
        options.setdefault("close_every", 0.1)
        options.setdefault("client_options", {"guild_ready_timeout": 0.05})
        self.adapter = DiscordAdapter(tutor, **options)
        self.task = asyncio.create_task(self.adapter.run(TOKEN))
        ready = asyncio.create_task(self.adapter.ready.wait())
        done, _ = await asyncio.wait({ready, self.task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self.task in done:
                self.task.result()  # raises what went wrong
            raise AssertionError("the bot did not get ready in 20 s")
        return self.adapter

    async def stop(self) -> None:
        if self.adapter is not None and self.task is not None:
            await self.adapter.stop()
            await asyncio.wait_for(self.task, 15)
            self.task = None

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()

    def right_answer(self, session_id: int) -> str:
        """The correct answer (as the tutor reads answers) for a session, worked out from the course."""
        return right_answer(self.tutor, session_id)


@pytest.fixture
async def bot(fake, course, retriever, sqlite_url, clock) -> AsyncIterator[Bot]:
    b = Bot(fake, course, retriever, sqlite_url, clock)
    await b.start()
    yield b
    await b.stop()
    b.close()


def question_of_type(course: Course, qtype: str) -> str:
    """The id of the first question of a type (the tutor accepts a question id as a /quiz topic)."""
    return next(q.id for q in course.questions.values() if q.type == qtype)
