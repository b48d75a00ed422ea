"""What every area store shares: the engine, a health check, and small helpers for SQLAlchemy Core.

Each area module (learners, classes, sessions, attempts, ...) defines one class deriving from `StoreBase`;
`bot.storage.repo.Store` derives from all of them, so the core calls one object.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel


class StoreBase:
    """The engine every area store reads and writes through; each method is its own transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def ping(self) -> None:
        """A round trip to the database (SELECT 1); raises the driver's error when it does not answer."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def _update(self, model: type, row_id: int, fields: dict[str, object]):  # type: ignore[no-untyped-def]
        """Set `fields` on the row `row_id` of `model`; the row after, or None if there is none."""
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.get(model, row_id)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            s.add(row)
            s.commit()
            return row


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, typed: SQLModel's stubs do not declare `__table__`."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def insert_ignore(conn, table: Table, unique: list[str]):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT (unique) DO NOTHING, in the connection's dialect (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing(index_elements=unique)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=unique)


def sql_int() -> Any:
    """SQL's INTEGER, to cast a boolean to before summing it."""
    return Integer()
