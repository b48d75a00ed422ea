"""Wiring: settings in, a ready Tutor out. Every adapter and CLI command builds its tutor here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.course import Course, load_course
from bot.retrieval import CachedEmbedder, Retriever, make_encoder
from bot.retrieval.embedder import Embedder
from bot.retrieval.spelling import model_lexicon
from bot.settings import Settings
from bot.storage import Store, make_engine
from bot.tutor import Tutor, utcnow

log = logging.getLogger(__name__)


def make_embedder(settings: Settings, encoder: str | None = None) -> CachedEmbedder:
    """The embedding model as TUTOR_ENCODER (or `encoder`) runs it, behind the on-disk embedding cache."""
    inner = make_encoder(
        encoder or settings.encoder,
        settings.embedding_model,
        settings.cache_dir,
        threads=settings.encoder_threads or None,
    )
    return CachedEmbedder(inner, settings.embedding_cache)


def retriever_factory(
    course: Course, embedder: Embedder, settings: Settings | None = None
) -> Callable[[], Retriever]:
    def build() -> Retriever:
        # common English for mending typos: the configured model's vocabulary, also from its export in the cache
        lexicon = model_lexicon(settings.embedding_model, settings.cache_dir) if settings else None
        return Retriever(course, embedder, lexicon=lexicon)

    return build


def build_tutor(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    clock: Callable[[], datetime] = utcnow,
    course: Course | None = None,
    serving: bool = True,
) -> Tutor:
    """Load the course (CourseError), open the database (StorageUnavailable), and set up lazy retrieval.
    `serving` bounds every database wait (a learner waits seconds, not minutes); an export or a report run
    by an operator is not bounded."""
    settings = settings or Settings()
    course = course or load_course(settings.course_path)
    store = Store(make_engine(settings.database, serving=serving))
    emb = embedder or make_embedder(settings)
    return Tutor(
        course,
        store,
        retriever_factory(course, emb, settings),
        confidence=settings.confidence,
        max_text=settings.max_text,
        clock=clock,
        round_seconds=settings.round_seconds,
        instructors=settings.instructor_ids,
        timezone=settings.timezone,
        rate_limit=settings.rate[0],
        rate_window=settings.rate[1],
    )
