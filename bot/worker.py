"""What every platform's worker does on a timer, written once: close the rounds past their deadline and say
where their results go, pick the review digests and the notices a platform sends, and warm the model up. The
adapters only deliver (a post to a channel, a direct message), each in its own way (threads on Slack, tasks on
Discord)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from bot import events as E
from bot import replies as R
from bot.features import review
from bot.tutor import Tutor

log = logging.getLogger(__name__)


class Recorder:
    """Where a worker records what must be durable before it is acknowledged (an answer click): one thread
    takes the events in arrival order, and those that arrived together are handled together
    (`Tutor.handle_together`: a class's burst of answers to one round is one transaction, one commit).
    `record(event)` blocks until the event is handled (its answer committed) and returns its replies, so
    that the caller acknowledges only then. One thread, not a pool: the writers do not queue on the
    database's locks, and the group grows with the load (whatever arrived during one commit is the next)."""

    def __init__(self, tutor: Tutor, *, most: int = 200, name: str = "tutor-recorder"):
        self.tutor, self.most, self.name = tutor, most, name
        self._queue: queue.SimpleQueue[tuple[E.Event, Future[list[R.Reply]]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, event: E.Event) -> Future[list[R.Reply]]:
        """The event queued; its future gives its replies once it is handled."""
        future: Future[list[R.Reply]] = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._queue.put((event, future))
        return future

    def record(self, event: E.Event) -> list[R.Reply]:
        return self.submit(event).result()

    def stop(self, timeout: float = 10.0) -> None:
        """Handle what is queued, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            while len(group) < self.most:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            try:
                replies = self.tutor.handle_together([event for event, _ in group])
            except Exception as exc:  # handle_together maps its own failures; this is a last resort
                log.exception("recording %d events failed", len(group))
                for _, future in group:
                    future.set_exception(exc)
                continue
            for (_, future), got in zip(group, replies, strict=True):
                future.set_result(got)


@dataclass(frozen=True)
class RoundPost:
    """A closed round's results and the channel of its class, where they are to be posted."""

    session_id: int
    channel: str
    result: R.RoundResult


def due_round_posts(tutor: Tutor, platform: str) -> list[RoundPost]:
    """Close this platform's rounds past their deadline (once, whichever worker gets there first: restarts
    included, deadlines are stored) and say where each result goes. Other platforms' rounds in a shared
    database are left to their own workers; a round without a class is logged, its answers kept."""
    posts = []
    for row, result in tutor.close_due_rounds(platform=platform):
        room = tutor.store.class_by_id(row.class_id) if row.class_id else None
        if room is None:
            log.error("%s: round %s has no class; its results are kept but not posted", platform, row.id)
            continue
        posts.append(RoundPost(row.id or 0, room.channel, result))
    return posts


def due_digests(
    tutor: Tutor, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
) -> list[tuple[E.LearnerRef, list[R.Reply]]]:
    """The review digests this platform's worker sends now. Learners of another platform, or whom this
    platform cannot address (`deliverable` says no), are skipped loudly."""
    mine: list[tuple[E.LearnerRef, list[R.Reply]]] = []
    others: set[str] = set()
    for ref, replies in tutor.digests(platform=platform):
        if ref.platform == platform and deliverable(ref):
            mine.append((ref, replies))
        else:
            others.add(ref.platform)
    if others:
        log.warning(
            "%s: the tutor handed this worker review digests of learners it cannot message (%s); "
            "they are not sent from here",
            platform,
            ", ".join(sorted(others)),
        )
    return mine


def split_direct(replies: list[R.Reply]) -> tuple[list[R.Reply], list[R.DirectMessage]]:
    """A command's replies for whoever sent it, and the messages it leaves for other learners (an
    instructor's answer, for each learner who asked): those go out as direct messages, as the digest does."""
    mine = [r for r in replies if not isinstance(r, R.DirectMessage)]
    return mine, [r for r in replies if isinstance(r, R.DirectMessage)]


@dataclass(frozen=True)
class Notice:
    """Messages a learner is owed, taken for this worker to send as a direct message: the outcome of an
    instructor's review of their answer. `ids` give them back if sending fails (`notice_failed`)."""

    to: E.LearnerRef
    replies: list[R.Reply]
    ids: tuple[int, ...]


def due_notices(
    tutor: Tutor, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
) -> list[R.DirectMessage]:
    """The notifications this platform's worker sends now: answers whose direct message failed or was never
    reported, claimed for this worker. One this platform cannot address is logged and left to lapse."""
    mine = []
    for notice in tutor.due_notices(platform):
        if deliverable(notice.to):
            mine.append(notice)
        else:
            log.warning(
                "%s: notification %s is for a learner this worker cannot message", platform, notice.notice_id
            )
    return mine


def due_review_notices(
    tutor: Tutor, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
) -> list[Notice]:
    """The notices this platform's worker sends now (sent along with the review digests), each taken so that no
    other worker sends it too. Learners this platform cannot address are left, and said so."""
    skipped: list[str] = []

    def mine(ref: E.LearnerRef) -> bool:
        if deliverable(ref):
            return True
        skipped.append(ref.user)
        return False

    out = [
        Notice(ref, replies, tuple(ids))
        for ref, replies, ids in review.take_notices(tutor, platform, None, mine)
    ]
    if skipped:
        log.warning(
            "%s: %d review notices are for learners this worker cannot message", platform, len(skipped)
        )
    return out


def notice_failed(tutor: Tutor, notice: Notice) -> None:
    """Sending failed: the notices go back, to be sent on the next tick."""
    tutor.store.release_review_notices(list(notice.ids))


def session_notices(tutor: Tutor, who: E.LearnerRef) -> list[R.Reply]:
    """What a learner is told when a session starts (the console has no direct messages): their notices,
    marked delivered."""
    learner = tutor.store.find_learner(who.platform, who.workspace, who.user)
    if learner is None:
        return []
    return [r for _, replies, _ in review.take_notices(tutor, learner_id=learner.id) for r in replies]


def warm_up(tutor: Tutor) -> None:
    """Load the embedding model now, so the first question does not wait for it; a failure is logged and
    the first question tries again."""
    try:
        tutor.warm_up()
    except Exception as exc:
        log.warning("tutor: warming up the embedding model failed: %s", exc)
