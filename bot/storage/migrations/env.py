"""Alembic environment: the tutor's tables, on the connection `tutor db upgrade` hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot.storage import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
