"""Storage: SQLModel tables, one engine from one URL, and the repository the core calls."""

from bot.storage import migrate
from bot.storage.engine import StorageUnavailable, make_engine, redact
from bot.storage.repo import AttemptRow, Store

__all__ = ["AttemptRow", "Store", "StorageUnavailable", "make_engine", "migrate", "redact"]
