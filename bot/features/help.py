"""/help, and what an unknown command gets."""

from __future__ import annotations

from bot import events as E
from bot import replies as R
from bot.commands import help_lines
from bot.features.kit import Handler, Kit

HELP = (
    'I am your course tutor for "{course}". Ask me anything about the course in plain words, or use:\n'
    + "\n".join(help_lines())
)


def on_help(ev: E.Help, ctx: Kit) -> list[R.Reply]:
    return [R.Text(HELP.format(course=ctx.course.title))]


def on_unknown(ev: E.Unknown, ctx: Kit) -> list[R.Reply]:
    return [
        R.Text(
            f"I don't know the command '{ev.command[:40]}'. Type /help for the commands I know.",
            kind="error",
        )
    ]


HANDLERS: dict[type[E.Event], Handler] = {E.Help: on_help, E.Unknown: on_unknown}
