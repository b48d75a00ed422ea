"""What a learner did, in platform-neutral terms. Adapters build these; the core never sees a platform object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from bot import commands
from bot.safety import clean_text

# The chat commands every platform offers (without the slash), learners' first: from the command table
LEARNER_COMMANDS, INSTRUCTOR_COMMANDS = commands.LEARNER_COMMANDS, commands.INSTRUCTOR_COMMANDS


@dataclass(frozen=True)
class LearnerRef:
    """Who: a user of one workspace (Slack team, Discord guild, or the console)."""

    platform: str
    workspace: str
    user: str
    display_name: str = ""
    is_instructor: bool = False
    # True where one identity spans workspaces (a Discord user is the same in every server): outside a class
    # such a learner has no workspace of their own to be ranked in
    spans_workspaces: bool = False

    def __post_init__(self) -> None:
        _clean_fields(self, single_line=True)


@dataclass(frozen=True)
class ClassRef:
    """Where: the channel a class meets in."""

    platform: str
    workspace: str
    channel: str
    name: str = ""

    def __post_init__(self) -> None:
        _clean_fields(self, single_line=True)


def _clean_fields(obj: object, single_line: bool) -> None:
    """Every text field of an event, as the boundary where learners' bytes enter the core, made safe once
    for every platform and database (see `clean_text`)."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str):
            cleaned = clean_text(value, single_line=single_line or f.name in ("name", "zone", "command"))
            if cleaned != value:
                object.__setattr__(obj, f.name, cleaned)


@dataclass(frozen=True)
class Event:
    learner: LearnerRef
    where: ClassRef | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _clean_fields(self, single_line=False)


@dataclass(frozen=True)
class Ask(Event):
    text: str = ""
    # a conversation within `where` that the platform keeps apart (a Slack thread's ts); "" for the whole place
    thread: str = ""


@dataclass(frozen=True)
class StartQuiz(Event):
    topic: str = ""


@dataclass(frozen=True)
class StartRound(Event):
    """A class round: one question put to the whole channel `where`, open for `seconds` (default from settings)."""

    topic: str = ""
    seconds: int | None = None


@dataclass(frozen=True)
class CloseRound(Event):
    """Close a round early: only its poster or an instructor may."""

    session_id: int = 0


@dataclass(frozen=True)
class Answer(Event):
    """An answer to the learner's open question, or to the quiz session `session_id` (a button click)."""

    response: str = ""
    session_id: int | None = None


@dataclass(frozen=True)
class Hint(Event):
    session_id: int | None = None


@dataclass(frozen=True)
class Skip(Event):
    session_id: int | None = None


@dataclass(frozen=True)
class ShowProgress(Event):
    pass


@dataclass(frozen=True)
class ShowLeaderboard(Event):
    period: str = "all"  # all | week (the week starts Monday in the class's time zone)


@dataclass(frozen=True)
class Review(Event):
    """A question on the concept most overdue for spaced review."""


@dataclass(frozen=True)
class Privacy(Event):
    """Show or set how the learner appears on leaderboards: visible, hidden, or pseudonym NAME."""

    mode: str = ""
    name: str = ""


@dataclass(frozen=True)
class Digest(Event):
    """Opt in or out of the daily direct message of due reviews; quiet hours as "22-8" (local time)."""

    setting: str = ""  # on | off | "" (show)
    quiet: str = ""


@dataclass(frozen=True)
class SetTimezone(Event):
    """The learner's time zone, or (instructors, for_class) the class's."""

    zone: str = ""
    for_class: bool = False


@dataclass(frozen=True)
class ForgetMe(Event):
    """Delete everything about the learner: the first call asks, the second (confirm) deletes."""

    confirm: bool = False


@dataclass(frozen=True)
class MyData(Event):
    pass


@dataclass(frozen=True)
class ClassReport(Event):
    """Instructors: mastery heatmap, hardest questions, participation."""


@dataclass(frozen=True)
class Inbox(Event):
    """Instructors: list the forwarded questions, answer one, add an answer to the course as a passage, or
    dismiss one."""

    action: str = "list"  # list | answer | add | dismiss
    item_id: int = 0
    text: str = ""


@dataclass(frozen=True)
class SessionStart(Event):
    """A learner opens a session (the console, at start): what they are to be told since their last one."""


@dataclass(frozen=True)
class ReviewAnswers(Event):
    """Instructors: list the open-ended answers the grader was unsure of, keep one's grade (accept), or
    re-score it (score) by the rubric points it covers; `text` is the comment the learner is sent."""

    action: str = "list"  # list | accept | score
    item_id: int = 0
    covered: str = ""  # score: the rubric points covered, as numbered in the list: "1,3,4" or "none"
    text: str = ""

    @classmethod
    def from_text(cls, learner: LearnerRef, text: str, where: ClassRef | None = None) -> ReviewAnswers:
        """The typed form (console, Slack): "", "accept ID [COMMENT]" or "score ID COVERED [COMMENT]". COVERED
        is one word ("1,3,4") or a list spread by spaces after commas ("1, 3, 4"). A missing or bad ID is 0,
        which the core says it cannot find."""
        words = text.split()
        if not words:
            return cls(learner, where=where)
        action = words[0].lower()
        number = words[1].lstrip("#") if len(words) > 1 else ""
        item = int(number) if number.isdigit() and len(number) <= 18 else 0
        used, covered = 2, ""
        if action == "score" and len(words) > used:
            covered, used = words[used], used + 1
            while covered.endswith(",") and len(words) > used:
                covered, used = covered + words[used], used + 1
        parts = re.split(r"\s+", text.strip(), maxsplit=used)
        comment = parts[used] if len(parts) > used else ""  # as typed, line breaks and all
        return cls(learner, action=action, item_id=item, covered=covered, text=comment, where=where)


@dataclass(frozen=True)
class Next(Event):
    pass


@dataclass(frozen=True)
class Help(Event):
    pass


@dataclass(frozen=True)
class Unknown(Event):
    """A command the tutor does not know; `command` is what the learner typed."""

    command: str = ""


# The commands that take no argument, and the event each one is: every parser reads this one table.
NO_ARGUMENT: dict[str, type[Event]] = {
    "hint": Hint,
    "skip": Skip,
    "review": Review,
    "progress": ShowProgress,
    "next": Next,
    "help": Help,
    "my-data": MyData,
    "class-report": ClassReport,
}
