"""How far one request travels through the tutor's own code: `python -m tests.load.hops`.

Two journeys, each through the real library and its loopback fake: a Slack answer click (a signed
block_actions request to the real Bolt app) until its attempt row is written, and a Discord `/ask` (an
INTERACTION_CREATE from the fake gateway to the real discord.py client) until its answer is posted. For each it
prints:

- hops: the tutor's own frames on the stack at the moment that matters (the attempt's INSERT for the click,
  the encoding of the question for /ask), joined across the hand-off to the core's thread: how many of our
  functions one reads to follow the request;
- files: the distinct files of those frames;
- functions / files called: everything of ours that ran for the request (all threads and tasks);
- transactions: database commits made for the request;
- repeats: the functions of ours called more than once for one request (the question's length checked three
  times, three excerpts computed to quote one: the smells issue #13 counted).

A measuring tool: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[2]
OURS = tuple(str(ROOT / d) + os.sep for d in ("bot", "adapters"))


def ours(filename: str) -> bool:
    return filename.startswith(OURS)


def short(filename: str) -> str:
    return str(Path(filename).relative_to(ROOT))


# what issue #13 found repeated on one request: the question's length checked, excerpts computed
WATCHED = ("check_text", "too_long", "excerpt", "_excerpt")


@dataclass
class Journey:
    name: str
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    stack: list[tuple[str, str]] = field(default_factory=list)
    commits: int = 0

    def report(self) -> str:
        files = {f for f, _ in self.stack}
        called_files = {f for f, _ in self.calls}
        repeats = [(f"{Path(f).stem}.{fn}", n) for (f, fn), n in self.calls.most_common() if n > 1]
        lines = [
            f"## {self.name}",
            f"hops: {len(self.stack)} frames of ours through {len(files)} files",
            *(f"  {i + 1:2}. {short(f)}: {fn}" for i, (f, fn) in enumerate(self.stack)),
            f"functions of ours called: {len(self.calls)} in {len(called_files)} files",
            f"transactions (commits): {self.commits}",
            "the smells issue #13 counted: "
            + ", ".join(
                f"{name} x{sum(n for (_, fn), n in self.calls.items() if fn == name)}" for name in WATCHED
            ),
            "called more than once: "
            + (", ".join(f"{name} x{n}" for name, n in repeats[:12]) if repeats else "none"),
        ]
        return "\n".join(lines)


HAND_OFFS = {"submit", "record", "to_thread", "run_in_executor"}  # where a request moves to the core's thread


def our_stack() -> list[tuple[str, str]]:
    return [(f.filename, f.name) for f in traceback.extract_stack() if ours(f.filename)]


@contextmanager
def tracing(
    journey: Journey, engine: Any, marks: Callable[[str], bool], mark_call: str = ""
) -> Iterator[None]:
    """Count our function calls in every thread, the commits, and keep the path of ours to the first statement
    that `marks` (or to the first call of the function `mark_call`, "file.py:name"): the adapter's stack where it handed the request to the core's thread (a recorder's queue,
    a worker thread), then the core's stack in that thread."""
    from bot.tutor import Tutor

    handed: list[list[tuple[str, str]]] = []

    def profile(frame: Any, what: str, arg: Any) -> None:
        if what != "call":
            return
        code = frame.f_code
        if ours(code.co_filename):
            journey.calls[(code.co_filename, code.co_name)] += 1
            if mark_call and not journey.stack and f"{short(code.co_filename)}:{code.co_name}" == mark_call:
                journey.stack = (handed[0] if handed else []) + our_stack()
        if (
            code.co_name in HAND_OFFS
            and not handed
            and frame.f_back
            and ours(frame.f_back.f_code.co_filename)
        ):
            handed.append(our_stack()[:-1] if ours(code.co_filename) else our_stack())

    def in_core(method: Callable[..., Any]) -> Callable[..., Any]:
        def traced(*args: Any, **kwargs: Any) -> Any:  # the core's thread existed before tracing began
            sys.setprofile(profile)
            try:
                return method(*args, **kwargs)
            finally:
                sys.setprofile(None)

        return traced

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if marks(statement) and not journey.stack:
            journey.stack = (handed[0] if handed else []) + our_stack()

    def commit(conn: Any) -> None:
        journey.commits += 1

    saved = Tutor.handle, Tutor.handle_together
    Tutor.handle, Tutor.handle_together = in_core(Tutor.handle), in_core(Tutor.handle_together)  # type: ignore[method-assign]
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)
        Tutor.handle, Tutor.handle_together = saved  # type: ignore[method-assign]


def build(db: str) -> Any:
    """The bundled course and the default encoder on a fresh SQLite file, as a worker runs them."""
    from bot.runtime import build_tutor
    from bot.settings import Settings
    from bot.storage import make_engine
    from bot.storage.migrate import upgrade

    os.environ["TUTOR_DATABASE_URL"] = f"sqlite:///{db}"
    settings = Settings()
    upgrade(make_engine(settings.database))
    tutor = build_tutor(settings)
    tutor.warm_up()
    return tutor


def slack_click(tutor: Any) -> Journey:
    from tests.adapters.slack.harness import CLASS, Workspace, right_answer
    from tests.fakes.slack_api import FakeSlackAPI

    api = FakeSlackAPI().start()
    slack = Workspace(tutor, api)
    try:
        qid = next(q.id for q in tutor.course.questions.values() if q.type == "single_choice")
        slack.command("/quiz", qid, channel=CLASS)
        message = slack.round_question()
        session_id = slack.session_of(message)
        journey = Journey("Slack: an answer click, to its attempt row")
        with tracing(
            journey, tutor.store.engine, lambda s: s.lstrip().upper().startswith("INSERT INTO ATTEMPT")
        ):
            slack.click(message, text=right_answer(tutor, session_id).strip(), user="U0BOB")
        return journey
    finally:
        slack.close()
        api.stop()


def discord_ask(tutor: Any) -> Journey:
    import discord

    from adapters.discord.app import DiscordAdapter, configure_endpoints
    from tests.fakes.discord_api import FakeDiscord

    journey = Journey("Discord: /ask, to its question encoded (then answered)")

    async def run() -> None:
        fake = await FakeDiscord().start()
        saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        configure_endpoints(fake.api_url, fake.gateway_url)
        adapter = DiscordAdapter(tutor, close_every=3600, client_options={"guild_ready_timeout": 0.05})
        task = asyncio.create_task(adapter.run("test-token"))
        try:
            await asyncio.wait_for(adapter.ready.wait(), 20)
            ada = fake.user("ada")
            await fake.followups(await fake.slash("ask", ada, question="what is DPO?"))  # warm
            ask = "bot/retrieval/retriever.py:encode_query"
            with tracing(journey, tutor.store.engine, lambda s: False, mark_call=ask):
                await fake.followups(await fake.slash("ask", ada, question="what is RLHF?"))
        finally:
            await adapter.stop()
            await asyncio.wait_for(task, 15)
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
            await fake.stop()

    asyncio.run(run())
    return journey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load.hops", description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tutor = build(str(Path(tmp) / "hops.sqlite"))
        for journey in (slack_click(tutor), discord_ask(tutor)):
            print(journey.report())
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
