"""The platform registry: `tutor serve NAME` finds NAME's `serve` here, never by an import written in the CLI.

A platform is an entry point in the group `tutor.platforms` naming a function `serve(tutor, settings, args) ->
int` (the exit code; it runs until stopped). The bundled adapters declare theirs in pyproject.toml:

    [project.entry-points."tutor.platforms"]
    slack = "adapters.slack.app:serve"

so a new platform is one folder in `adapters/` and one line there, or a package of its own that declares the
entry point. The same bundled adapters are also in `BUNDLED`, for a checkout run from source or an install
made before they were declared: an installed entry point of the same name wins.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.tutor import Tutor

GROUP = "tutor.platforms"

Serve = Callable[["Tutor", "Settings", argparse.Namespace], int]

# The adapters shipped in this repository: name -> "module:function".
BUNDLED = {
    "slack": "adapters.slack.app:serve",
    "discord": "adapters.discord.app:serve",
    "webhook": "adapters.webhook.app:serve",
}

# What to install when a bundled adapter's SDK is missing (the extras in pyproject.toml).
INSTALL_HINTS = {
    "slack": "the Slack adapter needs slack-bolt: pip install 'tutor[slack]'",
    "discord": "the Discord adapter needs discord.py: pip install 'tutor[discord]'",
}


class UnknownPlatform(LookupError):
    """No platform of that name is bundled or installed."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        listed = ", ".join(known) if known else "none"
        super().__init__(f"no platform called {name!r}: the known ones are {listed}")


class PlatformUnavailable(ImportError):
    """The platform is known, but its code (or the SDK it needs) cannot be imported."""


def platforms() -> dict[str, EntryPoint]:
    """Every platform by name: the bundled table, overridden by the installed `tutor.platforms` entry points."""
    found = {name: EntryPoint(name=name, value=value, group=GROUP) for name, value in BUNDLED.items()}
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep
    return found


def find(name: str) -> EntryPoint:
    """NAME's entry point, not loaded yet (nothing imported); UnknownPlatform names the known ones."""
    table = platforms()
    if name not in table:
        raise UnknownPlatform(name, sorted(table))
    return table[name]


def load(entry: EntryPoint) -> Serve:
    """Import the platform's `serve`; PlatformUnavailable says what to install when its SDK is missing."""
    try:
        serve = entry.load()
    except ImportError as exc:
        hint = INSTALL_HINTS.get(entry.name, f"the {entry.name} platform ({entry.value}) cannot be imported")
        raise PlatformUnavailable(f"{hint} ({exc})") from exc
    if not callable(serve):
        raise PlatformUnavailable(f"the {entry.name} platform's {entry.value} is not a function")
    return serve  # type: ignore[no-any-return]
