"""Which answers count. Pure: a learner's history with one question and a clock in, a verdict out.

A question's answer is *revealed* to a learner when they skip it (the answer is shown), when the feedback on
their answer shows it (every answer's does, but a failed open-ended one: that feedback keeps the rubric back
so the learner can try again), and when a round on it closes in their class (the results are posted). Until
the question's review interval has passed, another answer to it is practice:

- after a reveal it earns no points and leaves mastery and the review schedule alone;
- after a failed open-ended attempt (nothing revealed) a passing retry still earns points, but mastery
  counts the first attempt only.

The interval runs from the moment the learner saw the question to the concept's next scheduled review, and
is at least `MIN_INTERVAL` (FSRS's shortest interval here: a day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_INTERVAL = timedelta(days=1)

# how a learner saw a question
ANSWERED = "answered"  # answered it, and the feedback showed the answer
TRIED = "tried"  # a failed open-ended attempt: the feedback kept the rubric and the model answer back
SKIPPED = "skipped"  # gave up: the answer was shown
ROUND = "round"  # a round on it closed in the learner's class: the results were posted

SEEN_AS = {
    ANSWERED: "you answered it",
    TRIED: "you tried it",
    SKIPPED: "you skipped it",
    ROUND: "a class round on it closed",
}


@dataclass(frozen=True)
class Seen:
    """One time a learner met a question."""

    at: datetime
    how: str  # ANSWERED | TRIED | SKIPPED | ROUND

    @property
    def revealed(self) -> bool:
        return self.how != TRIED


@dataclass(frozen=True)
class Verdict:
    """What an answer to a question may earn now."""

    counts: bool = True  # a first attempt within the interval: it moves mastery and the review schedule
    earns: bool = True  # it may earn points
    why: str = ""  # "" (a first attempt) | "revealed" | "repeat" | "copied"
    seen: Seen | None = None  # the meeting with the question that makes this one practice
    until: datetime | None = None  # when the question counts again (None: "copied" never does)

    @property
    def practice(self) -> bool:
        return not self.counts


FIRST = Verdict()


def interval_end(seen_at: datetime, scheduled_due: datetime | None) -> datetime:
    """When a question seen at `seen_at` counts again: the concept's next scheduled review, at least
    MIN_INTERVAL after it was seen."""
    end = seen_at + MIN_INTERVAL
    return max(end, scheduled_due) if scheduled_due is not None else end


def verdict(history: Iterable[Seen], scheduled_due: datetime | None, now: datetime) -> Verdict:
    """Whether an answer at `now` counts, from the learner's `history` with the question and the concept's
    next scheduled review (`scheduled_due`, None for a concept never reviewed). Times are aware."""
    recent = [s for s in history if s.at <= now < interval_end(s.at, scheduled_due)]
    revealed = [s for s in recent if s.revealed]
    if revealed:
        last = max(revealed, key=lambda s: s.at)
        return Verdict(False, False, "revealed", last, interval_end(last.at, scheduled_due))
    if recent:
        last = max(recent, key=lambda s: s.at)
        return Verdict(False, True, "repeat", last, interval_end(last.at, scheduled_due))
    return FIRST


def ever_revealed(history: Iterable[Seen]) -> bool:
    return any(s.revealed for s in history)


def copied(seen: Seen | None) -> Verdict:
    """The verdict on an answer that copies what the learner was shown: practice, no points, ever."""
    return Verdict(False, False, "copied", seen, None)


def ago(delta: timedelta) -> str:
    """'3 minutes', '5 hours', '2 days': how long ago, in the largest whole unit."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"
