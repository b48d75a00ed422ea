"""The one command table: every command's name, argument grammar, help line and who may use it.

The console's /help, the chat platforms' command lists (Slack's manifest, Discord's registered commands and
help), the instructors' gate and which answers stay private are all read from here, never retyped.
"""

from __future__ import annotations

from dataclasses import dataclass

LEARNER, INSTRUCTOR = "learner", "instructor"


@dataclass(frozen=True)
class Command:
    name: str  # without the slash
    usage: str  # the argument grammar as shown: "[TOPIC]", "on|off [22-8]"; "" for none
    summary: str  # one line, at most 100 characters (Slack's and Discord's limit for a description)
    who: str = LEARNER  # learner | instructor
    chat: bool = True  # a slash command on Slack and Discord (False: the console's text form only)
    private: bool = False  # in a class's channel, answered to the learner alone (their own data, settings)

    @property
    def line(self) -> str:
        """The command as typed: "/quiz [TOPIC]"."""
        return f"/{self.name} {self.usage}".rstrip()

    @property
    def forms(self) -> tuple[str, ...]:
        """The alternatives of a grammar of subcommands ("[answer ID TEXT | add ID [CONCEPT]]": "answer ID
        TEXT", "add ID [CONCEPT]"); empty for any other grammar."""
        if " | " not in self.usage:
            return ()
        return tuple(alt.strip() for alt in self.usage.removeprefix("[").removesuffix("]").split(" | "))

    @property
    def subcommands(self) -> tuple[str, ...]:
        """The first word of each form: /inbox's answer, add, dismiss (Discord's subcommands of /inbox)."""
        return tuple(form.split()[0] for form in self.forms)


COMMANDS: tuple[Command, ...] = (
    Command("ask", "QUESTION", "Ask a question about the course (plain text works too)"),
    Command(
        "quiz", "[TOPIC]", "A question on a topic, or on what to learn next (in a channel: a class round)"
    ),
    Command(
        "answer",
        "X",
        "Answer the open question: a letter (A), an order (3 1 2 4), matches (1b 2a 3c) or sentences",
        chat=False,
    ),
    Command("hint", "", "A hint for the open question", chat=False),
    Command("skip", "", "Skip the open question and see the answer", chat=False),
    Command("review", "", "A question on the concept most due for spaced review", private=True),
    Command("progress", "", "Your mastery per concept, points, streak and reviews due", private=True),
    Command("leaderboard", "[week|all]", "The class ranking, all time or this week"),
    Command("next", "", "What to learn next", private=True),
    Command("round", "[TOPIC]", "In a class: a question for the whole class", chat=False),
    Command("close", "", "End the class's open round early", chat=False),
    Command("privacy", "[visible|hidden|pseudonym NAME]", "How you appear on leaderboards", private=True),
    Command(
        "digest",
        "[on|off] [22-8]",
        "A daily direct message of your due reviews, outside quiet hours",
        private=True,
    ),
    Command("timezone", "Area/City", "Your time zone (streaks, the digest, quiet hours)", private=True),
    Command("my-data", "", "Everything the tutor keeps about you, as JSON", private=True),
    Command("forget-me", "", "Delete everything the tutor keeps about you (asks first)", private=True),
    Command("help", "", "What the tutor can do", private=True),
    Command(
        "class-report",
        "",
        "Instructors: mastery heatmap, hardest questions, participation",
        INSTRUCTOR,
        private=True,
    ),
    Command(
        "inbox",
        "[answer ID TEXT | add ID [CONCEPT] | dismiss ID]",
        "Instructors: questions the tutor could not answer",
        INSTRUCTOR,
        private=True,
    ),
    Command(
        "review-answers",
        "[accept ID | score ID COVERED] [COMMENT]",
        "Instructors: open-ended answers the grader was unsure of: keep or re-score them",
        INSTRUCTOR,
        private=True,
    ),
    Command(
        "class-timezone",
        "Area/City",
        "Instructors: the class's time zone (when its week starts)",
        INSTRUCTOR,
        private=True,
    ),
)

BY_NAME = {c.name: c for c in COMMANDS}
CHAT = tuple(c for c in COMMANDS if c.chat)  # the slash commands of Slack and Discord
LEARNER_COMMANDS = tuple(c.name for c in CHAT if c.who == LEARNER)
INSTRUCTOR_COMMANDS = tuple(c.name for c in CHAT if c.who == INSTRUCTOR)
PRIVATE_COMMANDS = frozenset(c.name for c in COMMANDS if c.private)


def command(name: str) -> Command:
    return BY_NAME[name]


def help_lines(commands: tuple[Command, ...] = COMMANDS) -> list[str]:
    """One line per command, learners' first, the usage column aligned: /help's body."""
    width = max(len(c.line) for c in commands) + 2
    learners = [f"  {c.line:<{width}}{c.summary}" for c in commands if c.who == LEARNER]
    teachers = [
        f"  {c.line:<{width}}{c.summary.removeprefix('Instructors: ')}" for c in commands if c.who != LEARNER
    ]
    return [*learners, "Instructors:", *teachers]
