"""The webhook as a scenario platform: the real HTTP endpoint (tests/adapters/webhook/driver.py's WebhookDriver),
JSON events in, the answers and the outbox out. One endpoint and one database per test module; each scenario
gets a class channel and user ids of its own (the name a user reads is sent as the event's `name`).

What a user sees: an event's answer is for whoever sent it (private); a delivery to a channel is the class's,
one to a user a direct message (the worker's tick runs first, for what waits on it).

The webhook has fewer concepts than a chat app, mapped as a client would: a question's `buttons` are its
choices and a click on one is a click event with the question's `session_id`; a personal question offers no
Hint or Skip button, so those are typed (`/hint`, `/skip`, as the webhook's /help, the console's, lists them);
a confirmation (/forget-me) has no buttons at all, only its text ("To go ahead, send /forget-me confirm"),
so its yes is sending that command and its no is sending nothing."""

from __future__ import annotations

import itertools
import re
from typing import Any

from adapters.webhook import parse as P
from bot import events as E
from bot import replies as R
from bot.storage import Store, make_engine
from bot.tutor import Tutor
from tests.adapters.webhook.driver import WebhookDriver as Chat
from tests.scenarios.driver import CHANNEL, CLASS, DIRECT, DM, INSTRUCTOR, PRIVATE, Driver, Seen, Setup

OTHER_WORKSPACE = "webhook-elsewhere"  # the webhook has one workspace; another is only reachable via the core
CONFIRMING = re.compile(r"To go ahead, send (/\S+(?: \S+)*)\s*$")
TYPED = {"Hint": "/hint", "Skip": "/skip"}  # a personal question's choices that are typed, not clicked


class WebhookDriver(Driver):
    name = "webhook"

    def __init__(self, setup: Setup):
        super().__init__(setup)
        self.engine = make_engine(setup.db_url)
        self._tutor = Tutor(
            setup.course, Store(self.engine), setup.retriever, clock=setup.clock, round_seconds=120
        )
        self.chat = Chat(self._tutor, instructors=())
        self._n = itertools.count(1)
        self.n = 0
        self.channel = ""
        self.ids: dict[str, str] = {}
        self.log: list[Seen] = []
        self._read = 0  # the number of the last delivery read off the outbox ("webhook/7": 7)

    def begin(self) -> None:
        self.n = next(self._n)
        self.channel = f"cs-101-{self.n}"
        self.ids = {}
        self.log = []
        self._collect()  # what earlier scenarios caused is theirs
        self.log = []

    def close(self) -> None:
        self.chat.close()
        self.engine.dispose()

    @property
    def tutor(self) -> Tutor:
        return self._tutor

    # -- users ------------------------------------------------------------------------------------
    def uid(self, user: str) -> str:
        """This scenario's id of `user` (as "U004ADA" on Slack: the name never reads as a word in it)."""
        if user not in self.ids:
            self.ids[user] = f"W{self.n:03d}{user.upper()}"
            if user == INSTRUCTOR:
                self.chat.instructors.add(self.ids[user])
        return self.ids[user]

    def _place(self, place: str) -> str | None:
        assert place in (CHANNEL, DM), place
        return self.channel if place == CHANNEL else None

    # -- what users do ----------------------------------------------------------------------------
    def say(self, message: str, user: str = "ada", place: str = DM) -> list[Seen]:
        where = self._place(place)
        replies = self.chat.say(message, self.uid(user), where, name=user)
        return self._seen(replies, user, where)

    def command(self, name: str, args: str = "", user: str = "ada", place: str = CHANNEL) -> list[Seen]:
        return self.say(f"/{name} {args}".strip(), user, place)

    def click(self, on: Seen, choice: str, user: str = "ada") -> list[Seen]:
        assert choice in on.choices, f"{choice!r} is not offered: {on.choices}"
        reply, where = on.handle
        place = DM if where is None else CHANNEL
        if reply["type"] == "confirm":  # no buttons: yes is the command its text names, no is silence
            confirming = CONFIRMING.search(reply["text"])
            assert confirming, reply["text"]
            return self.say(confirming.group(1), user, place) if choice == R.Confirm.yes else []
        assert reply["type"] == "question", reply
        if choice in TYPED and choice not in reply["buttons"]:
            return self.say(TYPED[choice], user, place)
        replies = self.chat.click(reply["session_id"], choice, self.uid(user), where, name=user)
        return self._seen(replies, user, where)

    def direct_messages(self, user: str, expect: int = 0) -> list[Seen]:
        self.chat.tick()  # a notice that waits for the worker goes out now
        self._collect()
        return [s for s in self.log if s.visibility == DIRECT and s.to == user]

    # -- the core ---------------------------------------------------------------------------------
    def learner(self, user: str) -> E.LearnerRef:
        return E.LearnerRef(P.PLATFORM, P.WORKSPACE, self.uid(user), user)

    def room(self) -> E.ClassRef:
        return E.ClassRef(P.PLATFORM, P.WORKSPACE, self.channel, self.channel)

    def elsewhere(self, user: str) -> tuple[E.LearnerRef, E.ClassRef]:
        return (
            E.LearnerRef(P.PLATFORM, OTHER_WORKSPACE, self.uid(user), user),
            E.ClassRef(P.PLATFORM, OTHER_WORKSPACE, f"cs-999-{self.n}", "other-school"),
        )

    def session_of(self, question: Seen) -> int:
        reply, _ = question.handle
        return int(reply["session_id"])

    # -- what the tutor sent ----------------------------------------------------------------------
    def _seen(self, replies: list[dict[str, Any]], actor: str, where: str | None) -> list[Seen]:
        """The answer (the actor's alone), then what went to the outbox because of it."""
        seen = [self._one(reply, reply.get("visibility") or PRIVATE, actor, where) for reply in replies]
        return seen + self._collect()

    def _collect(self) -> list[Seen]:
        """The outbox's new deliveries that arrived: a channel's are the class's, a user's are direct."""
        seen: list[Seen] = []
        for delivery in list(self.chat.hook.outbox):
            number = int(str(delivery["message"]).rpartition("/")[2])
            if number <= self._read:
                continue
            self._read = number
            to = delivery.get("to") or {}
            if not delivery["delivered"] or not to:  # an update (a round's buttons off) shows no text
                continue
            if "channel" in to:
                seen += [self._one(r, CLASS, "", to["channel"]) for r in delivery["replies"]]
            else:
                user = self._name(to["user"])
                seen += [self._one(r, DIRECT, user, None) for r in delivery["replies"]]
        self.log += seen
        return seen

    def _name(self, uid: str) -> str:
        return next((name for name, known in self.ids.items() if known == uid), uid)

    @staticmethod
    def _one(reply: dict[str, Any], visibility: str, to: str, where: str | None) -> Seen:
        choices: tuple[str, ...] = ()
        if reply["type"] == "question":
            choices = tuple(reply.get("buttons") or ())
            if not reply.get("round"):
                choices += tuple(TYPED)
        elif reply["type"] == "confirm":
            choices = (R.Confirm.yes, R.Confirm.no)
        return Seen(str(reply["text"]), visibility, to, choices, (reply, where))
