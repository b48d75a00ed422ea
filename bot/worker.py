"""What every platform's worker does on a timer, written once: close the rounds past their deadline and post
their results, send the review digests and the learners' outbox (giving back what could not be sent),
warm the model up, and stop on a signal. `Worker` runs these ticks on its own threads against any `Platform`
(bot/platform.py); the adapters only deliver (a post to a channel, a direct message), each in its own way
(Slack's Web API from threads, Discord's event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from bot import events as E
from bot import replies as R
from bot.features.outbox import Notice
from bot.platform import Platform
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


def as_notices(messages: list[R.DirectMessage]) -> list[Notice]:
    """The direct messages a command just made (an instructor's answer, for each asker) as the outbox entries
    they are: the command's caller holds them, and reports each with `notice_done`."""
    return [Notice(m.to, [R.Text(m.text)], ids=(m.notice_id,)) for m in messages]


def due_notices(
    tutor: Tutor, platform: str, deliverable: Callable[[E.LearnerRef], bool] = lambda ref: True
) -> list[Notice]:
    """What this platform's worker sends now from the learners' outbox (answers whose direct message failed or
    was never reported, the outcomes of instructors' reviews), one Notice per learner, each entry taken with a
    lease so that no other worker sends it too. Entries for learners this platform cannot address are left
    for a worker that can (and said so)."""
    skipped: set[str] = set()

    def mine(ref: E.LearnerRef) -> bool:
        if deliverable(ref):
            return True
        skipped.add(ref.user)
        return False

    out = tutor.due_notices(platform, mine)
    if skipped:
        log.warning(
            "%s: the outbox holds messages for %d learners this worker cannot message; they are left for one "
            "that can",
            platform,
            len(skipped),
        )
    return out


def notice_done(tutor: Tutor, notice: Notice, delivered: bool) -> None:
    """Report a notice's outbox entries: delivered, never sent again; not, given back for the next tick."""
    for entry_id in notice.ids:
        tutor.notice_sent(entry_id, delivered)


def warm_up(tutor: Tutor) -> None:
    """Load the embedding model now, so the first question does not wait for it; a failure is logged and
    the first question tries again."""
    try:
        tutor.warm_up()
    except Exception as exc:
        log.warning("tutor: warming up the embedding model failed: %s", exc)


# -- the worker ------------------------------------------------------------------------------------------
ROUND_INTERVAL = 5.0  # seconds between two looks for rounds past their deadline
DIGEST_INTERVAL = 600.0  # seconds between two looks for due review digests and notices


class Worker:
    """One platform's background work, the same on every platform: the round closer (every `round_interval`
    seconds it closes the rounds past their deadline, restarts included, and posts their results) and the
    digest sender (every `digest_interval` seconds: the review digests and the learners' outbox, the
    instructors' answers still undelivered and the review notices; None sends none from this process). Each tick may also be called directly (tests, an
    adapter's own schedule). A failing tick is logged and tried again; one learner's failure never costs the
    others their message."""

    def __init__(
        self,
        tutor: Tutor,
        platform: Platform,
        *,
        round_interval: float = ROUND_INTERVAL,
        digest_interval: float | None = DIGEST_INTERVAL,
    ):
        self.tutor, self.platform = tutor, platform
        self.round_interval, self.digest_interval = round_interval, digest_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def name(self) -> str:
        return self.platform.name

    # -- rounds --------------------------------------------------------------------------------------
    def close_due_rounds(self) -> int:
        """One tick of the round closer: close this platform's rounds past their deadline and post each one's
        results in its class's channel. Returns how many were closed (posted or not: the answers are kept)."""
        posts = due_round_posts(self.tutor, self.name)
        for post in posts:
            self.publish_round(post.channel, post.result)
        return len(posts)

    def publish_round(self, channel: str, result: R.RoundResult) -> bool:
        """A closed round (by its deadline or by a click): its results posted in `channel`, its question's
        buttons taken off. True if the results were posted; a failure is logged, the answers stay stored."""
        posted = False
        try:
            posted = self.platform.post(channel, [result])
        except Exception:
            log.exception("%s: posting the results of round %s failed", self.name, result.session_id)
        if not posted:
            log.error(
                "%s: the results of round %s were not posted in %s; the answers are kept",
                self.name,
                result.session_id,
                channel,
            )
        try:  # closed whether or not its results could be posted: its buttons would only say so
            self.platform.retire_round(result.session_id)
        except Exception:
            log.warning(
                "%s: could not take the buttons off round %s", self.name, result.session_id, exc_info=True
            )
        return posted

    # -- digests and notices -------------------------------------------------------------------------
    def _send(self, to: E.LearnerRef, replies: list[R.Reply], what: str) -> bool:
        try:
            return self.platform.send_direct(to, replies)
        except Exception:  # one learner's failure must not cost the others theirs
            log.exception("%s: sending %s to %s failed", self.name, what, to.user)
            return False

    def send_digests(self) -> int:
        """One tick of the digest sender: the due review digests of this platform's learners, each as a direct
        message. Returns how many arrived; one that did not is logged (it is due again on the next day)."""
        delivered = 0
        for ref, replies in due_digests(self.tutor, self.name, self.platform.deliverable):
            if self._send(ref, replies, "the review digest"):
                delivered += 1
            else:
                log.warning("%s: the review digest for %s could not be delivered", self.name, ref.user)
        return delivered

    def send_notices(self, notices: list[R.DirectMessage] | None = None) -> int:
        """The learners' outbox, each entry as a direct message: the messages a command just made (an
        instructor's answer, for each asker), or (None) what is owed and not yet delivered: answers whose
        message failed, the outcomes of instructors' reviews. Each entry is reported delivered, or given back
        for a later tick. Returns how many arrived."""
        entries = (
            as_notices(notices)
            if notices is not None
            else due_notices(self.tutor, self.name, self.platform.deliverable)
        )
        delivered = 0
        for notice in entries:
            reachable = self.platform.deliverable(notice.to)
            arrived = reachable and self._send(notice.to, notice.replies, notice.what)
            if not reachable:  # another platform's learner, or one a console session will show
                log.debug(
                    "%s: %s is for %s, whom this worker cannot message",
                    self.name,
                    notice.what,
                    notice.to.user,
                )
            elif not arrived:
                log.warning(
                    "%s: could not send %s to %s (it was not delivered; it is tried again later)",
                    self.name,
                    notice.what,
                    notice.to.user,
                )
            notice_done(self.tutor, notice, arrived)
            delivered += arrived
        return delivered

    def send_due(self) -> None:
        """One digest tick: the review digests, then the learners' outbox (answers still undelivered, review
        notices), each on its own (a failing one, the database down say, does not keep the other back)."""
        for tick, what in (
            (self.send_digests, "review digests"),
            (self.send_notices, "notices"),
        ):
            try:
                tick()
            except Exception:
                log.exception("%s: sending the %s failed; trying again", self.name, what)

    # -- scheduling ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the round closer (it closes overdue rounds at once, after a restart too, then every
        `round_interval`) and the digest sender (at once, then every `digest_interval`). Again while running:
        nothing."""
        if any(t.is_alive() for t in self._threads):
            return
        self._stop.clear()
        loops: list[tuple[Callable[[], None], Callable[[], float], str]] = [
            (self._close_tick, lambda: self.round_interval, "rounds")
        ]
        if self.digest_interval is not None:
            loops.append((self.send_due, lambda: self.digest_interval or DIGEST_INTERVAL, "digest"))
        self._threads = [
            threading.Thread(
                target=self._every, args=(tick, interval), name=f"tutor-{self.name}-{what}", daemon=True
            )
            for tick, interval, what in loops
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """End the loops (a tick under way finishes first, up to `timeout` seconds)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _close_tick(self) -> None:
        try:
            self.close_due_rounds()
        except Exception:  # a bad tick (database down, ...) must not end the loop
            log.exception("%s: closing due rounds failed; trying again", self.name)

    def _every(self, tick: Callable[[], None], interval: Callable[[], float]) -> None:
        while True:
            tick()
            if self._stop.wait(interval()):
                return

    def warm_up_soon(self) -> threading.Thread:
        """Load the embedding model on a thread of its own, while the first requests are acknowledged."""
        thread = threading.Thread(target=warm_up, args=(self.tutor,), name="tutor-warm-up", daemon=True)
        thread.start()
        return thread


# -- signals, for serve() ---------------------------------------------------------------------------------
def on_signals(callback: Callable[[], None]) -> None:
    """Call `callback` on SIGINT or SIGTERM (from the main thread; elsewhere signals cannot be handled, and
    the caller stops some other way)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(sig, lambda *_: callback())


def on_loop_signals(loop: asyncio.AbstractEventLoop, callback: Callable[[], object]) -> None:
    """The same on an asyncio loop: `callback` runs on the loop (where the loop can handle signals)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, callback)


def wait(stop: threading.Event) -> None:
    """Block until `stop` is set, in short waits: a signal handler runs between them."""
    while not stop.wait(1.0):
        pass
