"""The kit every feature shares: the course, the store, the clock, lazy retrieval, settings and text checks.

A feature handler is `(event, ctx: Kit) -> [Reply]`. The Tutor is a Kit (so a test that moves the tutor's
clock or seeds its random generator moves every feature's), and features import this module, never the Tutor.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot import events as E
from bot import replies as R
from bot.compose.composer import ExtractiveComposer
from bot.compose.study import StudyRequests
from bot.course.model import Course
from bot.metrics import Metrics
from bot.retrieval import Retriever
from bot.storage import Store
from bot.storage.models import Learner, QuizSession

# a feature's handler: the event (of the type it is registered for) and the kit, to the replies
Handler = Callable[[Any, "Kit"], list[R.Reply]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def takes_answers(row: QuizSession, now: datetime) -> bool:
    """A stored question still open for answers: not answered, skipped or closed, and not past its deadline."""
    return row.status == "open" and (row.deadline is None or now <= aware(row.deadline))


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class Kit:
    def __init__(
        self,
        course: Course,
        store: Store,
        retriever: Retriever | Callable[[], Retriever],
        *,
        confidence: float = 0.42,
        max_text: int = 4000,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        round_seconds: int = 120,
        instructors: set[str] | None = None,
        timezone: str = "UTC",
        rate_limit: int = 30,
        rate_window: int = 60,
    ):
        self.course = course
        self.store = store
        self._retriever = retriever if isinstance(retriever, Retriever) else None
        self._make_retriever = None if isinstance(retriever, Retriever) else retriever
        self._retriever_lock = threading.Lock()
        self.confidence = confidence
        self.max_text = max_text
        self.clock = clock
        self.rng = rng
        self.round_seconds = round_seconds
        self.instructors = instructors or set()
        self.timezone = timezone
        self._passages_seen = 0
        self._synced_at = -1e9
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.metrics = Metrics()
        self._composer: ExtractiveComposer | None = None
        self._study: StudyRequests | None = None

    @property
    def retriever(self) -> Retriever:
        """Built on first use: loading the model costs seconds, and /progress should not wait for it."""
        if self._retriever is None:
            with self._retriever_lock:
                if self._retriever is None:
                    assert self._make_retriever is not None
                    self._retriever = self._make_retriever()
                    self.sync_instructor_passages(force=True)
        return self._retriever

    @property
    def study_requests(self) -> StudyRequests:
        """The example study requests (`bot.compose.study`), embedded on first use."""
        if self._study is None:
            self._study = StudyRequests(self.retriever.embedder.encode)
        return self._study

    @property
    def composer(self) -> ExtractiveComposer:
        """The offline composer, built on first use over this kit's retriever."""
        if self._composer is None:
            self._composer = ExtractiveComposer(self.course, self.retriever)
        return self._composer

    SYNC_EVERY = 1.0  # seconds: how stale another worker's instructor passages may be in this one's index

    def sync_instructor_passages(self, force: bool = False) -> None:
        """Bring instructors' passages added by any worker into this worker's index: looked up at most once a
        second (a count query cost 1.8 ms of every answer), at once when `force` (this worker just added one)."""
        if self._retriever is None:
            return
        now = time.monotonic()
        if not force and now - self._synced_at < self.SYNC_EVERY:
            return
        self._synced_at = now
        if self.store.instructor_passage_count(self.course.id) == self._passages_seen:
            return
        rows = self.store.instructor_passages(self.course.id)
        new = rows[self._passages_seen :]
        if new:
            self.retriever.add_passages(
                [(r.concept_id, r.text) for r in new if r.concept_id in self.course.concepts]
            )
            self._passages_seen = len(rows)

    def is_instructor(self, learner: E.LearnerRef) -> bool:
        return learner.is_instructor or learner.user in self.instructors

    def learner_zone(self, learner: Learner) -> str:
        return learner.timezone or self.timezone

    def seed(self) -> int:
        """A seed for the order a question's options are shown in."""
        return self.rng.randrange(1 << 30) if self.rng else int(self.clock().timestamp() * 1000)

    def check_text(self, text: str, what: str) -> str | None:
        """Why a learner's text cannot be taken (empty, or longer than the limit), or None."""
        if not text.strip():
            return f"The {what} is empty: type a {what} after the command."
        if len(text) > self.max_text:
            return (
                f"That {what} is {len(text):,} characters long; the limit is {self.max_text:,}. "
                "Please shorten it and send it again."
            )
        return None

    def too_long(self, text: str, what: str) -> list[R.Reply] | None:
        """The refusal of a text over the limit (an empty one is fine: it means "anything")."""
        if len(text) > self.max_text:
            return [R.Text(self.check_text(text, what) or "", kind="error")]
        return None
