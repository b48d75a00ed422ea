"""One engine from one URL: SQLite (WAL, busy timeout) by default, PostgreSQL when workers share a course."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import SQLModel, create_engine

# Bounded waits on PostgreSQL, so a database that stops answering costs a learner seconds, not minutes:
# connecting, waiting for a pooled connection, a statement, a transaction left idle; TCP keepalives and a
# user timeout drop a link whose peer has vanished (data unacknowledged for 5 s). A link that is still
# acknowledged but never answered (a stalled proxy) is caught by the tutor's own deadline per request.
POOL_TIMEOUT = 5
POSTGRES_LIMITS: dict[str, object] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
}
# for serving workers only: a migration or a bulk load may run longer statements
SERVING_OPTIONS = "-c statement_timeout=5000 -c idle_in_transaction_session_timeout=30000"


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
                    {**POSTGRES_LIMITS, **({"options": SERVING_OPTIONS} if serving else {})}
                    if "postgres" in parsed.drivername
                    else {}
                ),
            )
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


def _ensure_schema(engine: Engine, url: str) -> None:
    """An empty database gets the current schema; an older one must be upgraded first (`tutor db upgrade`)."""
    from bot.storage import migrate, models  # noqa: F401  (registers the tables)

    rev = migrate.current(engine)
    if rev is None:
        SQLModel.metadata.create_all(engine)
        migrate.stamp_head(engine)
        return
    head = migrate.head()
    if rev != head:
        raise StorageUnavailable(
            f"the database at TUTOR_DATABASE_URL={redact(url)} has schema {rev}; this tutor needs {head}. "
            "Back it up, then run `tutor db upgrade`."
        )
