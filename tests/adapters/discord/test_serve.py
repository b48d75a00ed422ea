"""`tutor serve discord` as a whole: the environment, the endpoints it reaches, and how it stops."""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import discord
import pytest

from adapters.discord.app import serve as serve_discord
from adapters.discord.settings import DiscordSettings
from bot.settings import Settings
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.discord.conftest import Bot
from tests.conftest import http_get
from tests.fakes.discord_api import FakeDiscord, text_of

ROOT = Path(__file__).resolve().parents[3]


def settings(**values) -> DiscordSettings:
    values.setdefault("token", "test-token")
    return DiscordSettings(**values)


def serve(tutor, discord_settings: DiscordSettings, args: argparse.Namespace) -> int:
    """`tutor serve discord` as the CLI runs it, the core's settings from the environment, Discord's given."""
    return serve_discord(tutor, Settings(), args, discord_settings)


def args(sharded: bool = False, health_port: int = 0) -> argparse.Namespace:
    return argparse.Namespace(
        platform_name="discord", sharded=sharded, port=3000, host="0.0.0.0", health_port=health_port
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def restore_endpoints():
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


class FakeInThread:
    """The fake Discord on its own event loop in a thread, for serve(), which runs its own loop."""

    def __init__(self, **options):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: FakeDiscord = self.call(FakeDiscord(**options).start())

    def call(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_a_missing_token_is_a_clear_error(capsys):
    code = serve(None, settings(token=None), args())
    assert code == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN is not set" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "values, message",
    [
        ({"guild_ids": "123,abc"}, "DISCORD_GUILD_IDS: 'abc' is not a server id"),
        ({"api_url": "discord.com/api"}, "DISCORD_API_URL must be an http(s) URL"),
        ({"gateway_url": "http://gateway"}, "DISCORD_GATEWAY_URL must be a ws(s) URL"),
    ],
)
def test_bad_settings_are_usage_errors(values, message, capsys, restore_endpoints):
    assert serve(None, settings(**values), args()) == 2
    assert message in capsys.readouterr().err


def test_serve_reaches_discord_through_the_configured_urls(
    course, retriever, sqlite_url, clock, capsys, restore_endpoints
):
    server = FakeInThread()
    fake = server.fake
    engine = make_engine(sqlite_url)
    tutor = Tutor(course, Store(engine), retriever, clock=clock)
    outcome: dict = {}
    health = f"http://127.0.0.1:{(port := free_port())}"

    def run() -> None:
        outcome["code"] = serve(
            tutor,
            settings(
                api_url=fake.api_url + "/",
                gateway_url=fake.gateway_url,
                guild_ids=fake.guild_id,
            ),
            args(health_port=port),
        )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        server.call(fake.wait_for(lambda: fake.connected, timeout=30), timeout=40)
        assert fake.kinds("login") and fake.kinds("guild_commands")  # REST went to DISCORD_API_URL
        it = server.call(fake.slash("help", fake.user("ada")))
        assert "/quiz" in text_of(server.call(fake.response(it)))
        # no HTTP port of its own: /healthz (database and gateway) and /metrics on TUTOR_HEALTH_PORT
        for _ in range(150):  # ready once the gateway's READY (and the servers' data) came in
            if http_get(f"{health}/healthz") == (200, "ok\n"):
                break
            time.sleep(0.1)
        assert http_get(f"{health}/healthz") == (200, "ok\n")
        it = server.call(fake.slash("next", fake.user("ada")))
        [reply, *_] = server.call(fake.followups(it))
        assert "Learn next" in text_of(reply)
        status, metrics = http_get(f"{health}/metrics")
        assert status == 200 and 'tutor_requests_total{command="next"} 1' in metrics
        server.call(fake.close_gateway(4004))  # the token is revoked while it runs
        worker.join(30)
        assert not worker.is_alive()
        with pytest.raises(OSError):  # the health server stopped with the worker
            http_get(f"{health}/healthz")
    finally:
        server.close()
        engine.dispose()
    assert outcome["code"] == 2
    err = capsys.readouterr().err
    assert "Discord rejected DISCORD_TOKEN" in err and "test-token" not in err


def test_a_rejected_token_exits_2(course, retriever, sqlite_url, clock, capsys, restore_endpoints):
    server = FakeInThread()
    server.fake.reject_login = True
    engine = make_engine(sqlite_url)
    try:
        tutor = Tutor(course, Store(engine), retriever, clock=clock)
        code = serve(tutor, settings(api_url=server.fake.api_url), args())
    finally:
        server.close()
        engine.dispose()
    assert code == 2 and "Discord rejected DISCORD_TOKEN" in capsys.readouterr().err


def test_a_taken_health_port_is_a_clear_error(
    course, retriever, sqlite_url, clock, capsys, restore_endpoints
):
    engine = make_engine(sqlite_url)
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        tutor = Tutor(course, Store(engine), retriever, clock=clock)
        code = serve(tutor, settings(), args(health_port=taken.getsockname()[1]))
    engine.dispose()
    err = capsys.readouterr().err
    assert code == 2 and "for /healthz" in err and "TUTOR_HEALTH_PORT" in err


@pytest.fixture
async def fake_with_a_gateway_proxy():
    # GET /gateway/bot names a gateway nobody listens on: only DISCORD_GATEWAY_URL leads to the fake
    server = await FakeDiscord(gateway_bot_url="ws://127.0.0.1:9/gateway").start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_url
    yield server
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    await server.stop()


async def test_the_sharded_client_serves_too(fake_with_a_gateway_proxy, course, retriever, sqlite_url, clock):
    fake = fake_with_a_gateway_proxy
    bot = Bot(fake, course, retriever, sqlite_url, clock)
    adapter = await bot.start(sharded=True, gateway_url=fake.gateway_url)
    try:
        assert isinstance(adapter.client, discord.AutoShardedClient)
        assert fake.kinds("gateway") and fake.identifies[-1]["shard"] == [0, 1]
        it = await fake.slash("next", fake.user("ada"))
        assert "Learn next" in text_of((await fake.followups(it))[0])
    finally:
        await bot.stop()
        bot.close()


def test_the_core_never_imports_discord():
    code = (
        "import sys, tutor_cli.cli, bot.tutor, bot.runtime, adapters.discord, adapters.discord.parse;"
        "print(sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text()
        assert "import discord" not in text and "from discord" not in text, path
