"""Schema migrations with Alembic: `tutor db upgrade`, and the check every worker makes at start-up."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision\s*(?::[^=]*)?=\s*(None|["']([^"']+)["'])\s*$""", re.MULTILINE)


def head() -> str:
    """The newest revision of the migration scripts. Read from their `revision` and `down_revision` lines: a worker
    whose schema is current never imports Alembic (11 MiB of a worker's memory, and its start-up). Alembic decides
    when the scripts are not one plain chain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if not rev or not down:
            return _alembic_head()
        revisions.add(rev.group(1))
        if down.group(2):
            parents.add(down.group(2))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else _alembic_head()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current(bind: Engine | Connection) -> str | None:
    """The database's revision; None for an empty database. One row in `alembic_version` is read with plain SQL;
    Alembic reads anything else (and says what is wrong with it). `bind`: an engine, or a connection whose
    transaction should see it."""
    if isinstance(bind, Connection):
        return _current(bind)
    with bind.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> str | None:
    rev: str | None = None
    if _has_version_table(conn):
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
        if len(rows) > 1:
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(conn).get_current_revision()
        rev = str(rows[0][0]) if rows else None
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


def stamp_head(bind: Engine | Connection) -> None:
    from alembic import command

    if isinstance(bind, Connection):
        command.stamp(_config(bind), "head")
        return
    with bind.begin() as conn:
        command.stamp(_config(conn), "head")


def _has_version_table(conn) -> bool:  # type: ignore[no-untyped-def]
    return inspect(conn).has_table("alembic_version")
