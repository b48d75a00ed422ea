"""The console as a scenario platform: the console adapter in-process (the tutorbot), a fresh database per
scenario (it costs milliseconds). The console has no channels and no buttons: every reply is the typing
user's own, a click is what the console's help says to type, and a direct message is what the user is told
at the start of their next session."""

from __future__ import annotations

import itertools
from pathlib import Path

from adapters.console.render import render
from bot import events as E
from bot import replies as R
from bot.tutor import Tutor
from tests.scenarios.driver import CHANNEL, DIRECT, DM, INSTRUCTOR, PRIVATE, Driver, Seen, Setup
from tests.tutorbot import TutorBot

WORKSPACE = "local"


class ConsoleDriver(Driver):
    name = "console"
    direct_place = False

    def __init__(self, setup: Setup, tmp: Path):
        super().__init__(setup)
        self.tmp = tmp
        self._n = itertools.count(1)
        self.bot: TutorBot | None = None

    def begin(self) -> None:
        self.close()
        n = next(self._n)
        self.class_name = f"cs-101-{n}"
        self.bot = TutorBot(
            self.setup.course,
            self.setup.retriever,
            f"sqlite:///{self.tmp / f'console-{n}.sqlite'}",
            self.setup.clock,
            class_name=self.class_name,
        )
        self.bot.instructors = {INSTRUCTOR}

    def close(self) -> None:
        if self.bot is not None:
            self.bot.engine.dispose()
            self.bot = None

    @property
    def _bot(self) -> TutorBot:
        assert self.bot is not None, "begin() first"
        return self.bot

    @property
    def tutor(self) -> Tutor:
        return self._bot.tutor

    # -- what users do ----------------------------------------------------------------------------
    def say(self, message: str, user: str = "ada", place: str = DM) -> list[Seen]:
        assert place in (DM, CHANNEL)  # one terminal: the same for both
        return self._seen(self._bot.say(message, user=user), user, PRIVATE)

    def command(self, name: str, args: str = "", user: str = "ada", place: str = CHANNEL) -> list[Seen]:
        return self.say(f"/{name} {args}".strip(), user, place)

    def click(self, on: Seen, choice: str, user: str = "ada") -> list[Seen]:
        assert choice in on.choices, f"{choice!r} is not offered: {on.choices}"
        reply = on.handle
        if isinstance(reply, R.Confirm):
            return self.say(reply.command, user) if choice == reply.yes else []
        assert isinstance(reply, R.Question)
        typed = {"Hint": "/hint", "Skip": "/skip"}.get(choice, f"/answer {choice}")
        return self.say(typed, user)

    def direct_messages(self, user: str, expect: int = 0) -> list[Seen]:
        return self._seen(self._bot.new_session(user), user, DIRECT)

    # -- the core ---------------------------------------------------------------------------------
    def learner(self, user: str) -> E.LearnerRef:
        return self._bot.app(user).learner

    def room(self) -> E.ClassRef:
        return E.ClassRef("console", WORKSPACE, self.class_name, name=self.class_name)

    def elsewhere(self, user: str) -> tuple[E.LearnerRef, E.ClassRef]:
        # another machine's console keeps its own database; "another workspace" is the nearest there is
        return (
            E.LearnerRef("console", "elsewhere", user, display_name=user),
            E.ClassRef("console", "elsewhere", "cs-999", name="cs-999"),
        )

    def session_of(self, question: Seen) -> int:
        assert isinstance(question.handle, R.Question)
        return question.handle.session_id

    def _seen(self, replies: list[R.Reply], user: str, visibility: str) -> list[Seen]:
        out = []
        for reply in replies:
            choices: tuple[str, ...] = ()
            if isinstance(reply, R.Question):
                choices = tuple(c.key for c in reply.choices) if reply.type == "single_choice" else ()
                choices += () if reply.is_round else ("Hint", "Skip")
            elif isinstance(reply, R.Confirm):
                choices = (reply.yes, reply.no)
            # one terminal shows everything to whoever types; who else would see it is the core's word
            seen_by = reply.visibility if visibility == PRIVATE and reply.visibility else visibility
            out.append(Seen(render(reply, width=100), seen_by, user, choices, reply))
        return out
