"""Storage: SQLModel tables, one engine from one URL, and `Store`: the facade over the area stores."""

from bot.storage import migrate
from bot.storage.engine import StorageUnavailable, make_engine, redact
from bot.storage.repo import AttemptRow, RoundAnswer, Scope, Store, Workspace

__all__ = [
    "AttemptRow",
    "RoundAnswer",
    "Scope",
    "Store",
    "Workspace",
    "StorageUnavailable",
    "make_engine",
    "migrate",
    "redact",
]
