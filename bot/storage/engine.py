"""One engine from one URL: SQLite (WAL, busy timeout) by default, PostgreSQL when workers share a course."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import SQLModel, create_engine

# Bounded waits on PostgreSQL, so a database that stops answering costs a learner seconds, not minutes:
# connecting, waiting for a pooled connection, each wait for the server's answer, a statement, a
# transaction left idle; TCP keepalives and a user timeout drop a link whose peer has vanished. A ping
# that times out (2.5 s) plus one reconnect attempt (2 s) stays within the 5 s a learner may wait.
POOL_TIMEOUT = 4
WAIT_DEADLINE = 2.5
POSTGRES_LIMITS: dict[str, object] = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
}
# for serving workers only: a migration or a bulk load may run longer statements
SERVING_OPTIONS = "-c statement_timeout=5000 -c idle_in_transaction_session_timeout=30000"


def _with_serving_options(parsed: Any) -> str:
    """The URL's own `options` (a search_path, say) with the serving timeouts added, not replaced."""
    own = parsed.query.get("options", "")
    own = " ".join(own) if isinstance(own, tuple) else own
    return f"{own} {SERVING_OPTIONS}".strip()


def _bounded_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """SQLAlchemy's do_connect hook: a psycopg connection whose every wait on the server is bounded."""
    return _bounded_connection_class().connect(*cargs, **cparams)


@functools.cache
def _bounded_connection_class() -> Any:
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection):  # type: ignore[type-arg]
        """A link that stays open but never answers (a partition, a stalled proxy) raises OperationalError
        after WAIT_DEADLINE seconds instead of blocking for minutes, and the connection is dropped (the
        pool replaces it), so the learner hears "try again in a moment" within seconds."""

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            try:
                return super().wait(
                    gen, interval=interval, timeout=WAIT_DEADLINE if timeout is None else timeout
                )
            except errors._WaitTimeout:
                with contextlib.suppress(Exception):
                    self.close()
                raise psycopg.OperationalError(
                    f"the database did not answer within {WAIT_DEADLINE:g} s"
                ) from None

    return BoundedConnection


class StorageUnavailable(Exception):
    """The database cannot be reached or used; the message names TUTOR_DATABASE_URL."""


def redact(url: str) -> str:
    """The URL with any password hidden, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, create: bool = True, serving: bool = True) -> Engine:
    """An engine for `url`, tables created; StorageUnavailable with a clear message if it cannot be used.
    `serving` bounds each PostgreSQL statement (off for migrations and bulk loads)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageUnavailable(f"TUTOR_DATABASE_URL is not a database URL: {exc}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=5,
                pool_timeout=POOL_TIMEOUT,
                connect_args=(
                    {**POSTGRES_LIMITS, **({"options": _with_serving_options(parsed)} if serving else {})}
                    if "postgres" in parsed.drivername
                    else {}
                ),
            )
            if serving and parsed.drivername == "postgresql+psycopg":
                event.listen(engine, "do_connect", _bounded_connect)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StorageUnavailable(
            f"TUTOR_DATABASE_URL={redact(url)} names a database the tutor cannot use: {exc}"
        ) from None
    try:
        with engine.connect():
            pass
        if create:
            _ensure_schema(engine, url)
    except (OperationalError, DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        raise StorageUnavailable(
            f"cannot reach the database at TUTOR_DATABASE_URL={redact(url)}: {reason}"
        ) from None
    return engine


SCHEMA_LOCK = 0x7475746F72  # "tutor": the PostgreSQL advisory lock held while a new database gets its schema


def _create_schema(engine: Engine) -> str | None:
    """Give an empty database the current schema, stamped, in one transaction that holds the database's write
    lock (SQLite's `BEGIN IMMEDIATE`, a PostgreSQL advisory lock): several workers starting at once on a new
    database then create it once, and none sees the tables without their stamp, which reads as the first
    released schema, or fails on a table another one just made. Returns the revision found instead when another
    worker got there first (None when this one created it)."""
    from bot.storage import migrate

    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits (the connect timeout) while another worker writes
        elif engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        rev = migrate.current(conn)
        if rev is not None:
            return rev
        SQLModel.metadata.create_all(conn)
        migrate.stamp_head(conn)
    return None


def _ensure_schema(engine: Engine, url: str) -> None:
    """An empty database gets the current schema; an older one must be upgraded first (`tutor db upgrade`)."""
    from bot.storage import migrate, models  # noqa: F401  (registers the tables)

    rev = migrate.current(engine)
    if rev is None:
        rev = _create_schema(engine)
        if rev is None:
            return
    head = migrate.head()
    if rev != head:
        raise StorageUnavailable(
            f"the database at TUTOR_DATABASE_URL={redact(url)} has schema {rev}; this tutor needs {head}. "
            "Back it up, then run `tutor db upgrade`."
        )
