"""The Driver interface the scenarios are written against, and what a user sees, normalised across platforms.

A scenario speaks as a user ("ada", "bob", or the instructor "prof") in a place (the class's channel or the
user's direct messages with the tutor) and asserts on `Seen` items: the text a user reads, the choices
(buttons) offered, and who sees it. Each platform's driver turns that into the platform's own traffic (a
console line, a signed Slack request, a Discord gateway event) and turns what the tutor sent back into
`Seen` items. Set-up that is not the behaviour under test may go through the core (`tutor`, `learner`,
`room`), as the adapters' own tests do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot import events as E
from bot import replies as R
from bot.course import Course
from bot.retrieval import Retriever
from bot.storage import Store
from bot.tutor import Tutor
from tests.conftest import Clock
from tests.tutorbot import right_answer

# places
CHANNEL, DM = "channel", "dm"
# who sees a message: only the user who acted (ephemeral, a reply in their own DM, the console), everyone
# in the class's channel, or another user, as a direct message
PRIVATE, CLASS, DIRECT = R.PRIVATE, R.CLASS, R.DIRECT
INSTRUCTOR = "prof"


@dataclass(frozen=True)
class Seen:
    """One message as a user sees it: its readable text, the choices (button labels) it offers, who sees it
    (`visibility`; `to`: the user it is for when private or direct). `handle` is the driver's own, for
    `click`."""

    text: str
    visibility: str
    to: str = ""
    choices: tuple[str, ...] = ()
    handle: Any = field(default=None, compare=False, repr=False)


@dataclass
class Setup:
    """What every driver is built from: the course, its retriever, a database and the clock."""

    course: Course
    retriever: Retriever
    db_url: str
    clock: Clock


def text(seen: Iterable[Seen]) -> str:
    """All the text of some messages, one after the other."""
    return "\n".join(s.text for s in seen)


def with_choice(seen: Iterable[Seen], choice: str) -> Seen:
    """The (last) message that offers `choice`."""
    found = [s for s in seen if choice in s.choices]
    assert found, f"nothing offers {choice!r}: {[(s.text[:60], s.choices) for s in seen]}"
    return found[-1]


def names_in(seen: Iterable[Seen], *names: str) -> set[str]:
    """Which of `names` appear as whole words (case aside: Discord shows "Ada" for ada)."""
    joined = text(seen)
    return {n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", joined, re.IGNORECASE)}


class Driver:
    """A platform as a user meets it. Subclasses implement the actions; the rest is shared."""

    name = "?"
    typed_answers = True  # a bare answer typed in a DM while a question is open is taken as the answer
    direct_place = True  # a direct conversation apart from the class's channel (the console has one place)

    def __init__(self, setup: Setup):
        self.setup = setup

    # -- life cycle -------------------------------------------------------------------------------
    def begin(self) -> None:
        """A fresh class channel and fresh users for the next scenario (the database may be shared)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- what users do ----------------------------------------------------------------------------
    def say(self, message: str, user: str = "ada", place: str = DM) -> list[Seen]:
        """A message for the tutor: in a DM, or in the class's channel addressed to the tutor (a mention),
        continuing the user's conversation there. Returns what the tutor sent because of it."""
        raise NotImplementedError

    def command(self, name: str, args: str = "", user: str = "ada", place: str = CHANNEL) -> list[Seen]:
        """A command as the console types it ('/inbox answer 3 TEXT' is command('inbox', 'answer 3 TEXT'))."""
        raise NotImplementedError

    def click(self, on: Seen, choice: str, user: str = "ada") -> list[Seen]:
        """A user picks `choice` (a button label) on a message the tutor sent."""
        raise NotImplementedError

    def direct_messages(self, user: str, expect: int = 0) -> list[Seen]:
        """Direct messages `user` received because of someone else's doing in this scenario (waiting for at
        least `expect` of them)."""
        raise NotImplementedError

    # -- the core, for set-up and for ids a user would read off the screen ------------------------
    @property
    def tutor(self) -> Tutor:
        raise NotImplementedError

    @property
    def store(self) -> Store:
        return self.tutor.store

    def learner(self, user: str) -> E.LearnerRef:
        """The learner as this platform's adapter names `user`."""
        raise NotImplementedError

    def room(self) -> E.ClassRef:
        """The scenario's class, as this platform's adapter names its channel."""
        raise NotImplementedError

    def elsewhere(self, user: str) -> tuple[E.LearnerRef, E.ClassRef]:
        """A learner of this platform in another workspace (server, team), and a class there."""
        raise NotImplementedError

    def right_answer(self, question: Seen) -> str:
        """The choice that answers the question on `question` right (worked out from the course)."""
        return right_answer(self.tutor, self.session_of(question))

    def session_of(self, question: Seen) -> int:
        raise NotImplementedError


def answer_right_in(tutor: Tutor, learner: E.LearnerRef, where: E.ClassRef | None, topic: str) -> None:
    """Set-up through the core: `learner` answers a question on `topic` right, in `where`."""
    [question] = [
        r for r in tutor.handle(E.StartQuiz(learner, topic=topic, where=where)) if isinstance(r, R.Question)
    ]
    replies = tutor.handle(
        E.Answer(
            learner,
            response=right_answer(tutor, question.session_id),
            session_id=question.session_id,
            where=where,
        )
    )
    assert any(isinstance(r, R.Feedback) and r.correct for r in replies)
