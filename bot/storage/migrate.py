"""Schema migrations with Alembic: `tutor db upgrade`, and the check every worker makes at start-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        if rev is None and inspect(conn).has_table("learner"):
            return "0001"  # made by create_all before migrations were tracked: the first schema
        return rev


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade to `revision`; returns (before, after)."""
    from alembic import command

    before = current(engine)
    with engine.begin() as conn:
        cfg = _config(conn)
        if before == "0001" and not _has_version_table(conn):
            command.stamp(cfg, "0001")
        command.upgrade(cfg, revision)
    return before, current(engine) or ""


def stamp_head(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.stamp(_config(conn), "head")


def _has_version_table(conn) -> bool:  # type: ignore[no-untyped-def]
    return inspect(conn).has_table("alembic_version")
