"""Charts and class reports: pure functions from rows to numbers, and to PNG bytes (matplotlib, headless)."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of the current week in time zone `tz`, as an aware datetime."""
    local = now.astimezone(zone(tz))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone(tz))


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(zone(tz)).date()


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    attempts: int
    correct: int
    answers: tuple[tuple[str, int], ...]  # (answer, count), most common first
    top_wrong: str
    top_wrong_count: int

    @property
    def rate(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


def question_stats(
    rows: Sequence[tuple[str, str, bool]], weights: Sequence[int] | None = None
) -> list[QuestionStats]:
    """From (question_id, response, correct) rows, each counted `weights[i]` times (default once): per question,
    hardest first (lowest share right, then most tried)."""
    by_q: dict[str, list[tuple[str, bool, int]]] = defaultdict(list)
    for i, (qid, response, correct) in enumerate(rows):
        by_q[qid].append((response, correct, weights[i] if weights else 1))
    out = []
    for qid, answers in by_q.items():
        counts: Counter[str] = Counter()
        wrong: Counter[str] = Counter()
        for r, ok, n in answers:
            counts[r] += n
            if not ok:
                wrong[r] += n
        top_wrong, top_n = wrong.most_common(1)[0] if wrong else ("", 0)
        total = sum(n for _, _, n in answers)
        right = sum(n for _, ok, n in answers if ok)
        out.append(QuestionStats(qid, total, right, tuple(counts.most_common()), top_wrong, top_n))
    return sorted(out, key=lambda q: (q.rate, -q.attempts, q.question_id))


def participation(
    days: Sequence[date] | Counter[date], today: date, span: int = 14
) -> list[tuple[date, int]]:
    """Answers per day for the last `span` days, oldest first (zeros included); `days` is one date per answer
    or a count per date."""
    counts = days if isinstance(days, Counter) else Counter(days)
    return [
        (today - timedelta(days=i), counts.get(today - timedelta(days=i), 0)) for i in range(span - 1, -1, -1)
    ]


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def progress_chart(rows: Sequence[tuple[str, float]], title: str) -> bytes:
    """Horizontal bars of mastery (0..1) per concept."""
    plt = _pyplot()
    rows = list(rows)[:30]
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * max(len(rows), 3) + 1))
    labels = [t if len(t) <= 48 else t[:46] + "…" for t, _ in rows]
    values = [v for _, v in rows]
    ax.barh(
        range(len(rows)),
        values,
        color=["#2e7d32" if v >= 0.75 else "#f9a825" if v >= 0.4 else "#c62828" for v in values],
    )
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.axvline(0.75, color="#555", linestyle="--", linewidth=0.8)
    ax.set_xlabel("mastery (dashed line: mastered)")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def heatmap(
    learners: Sequence[str], concepts: Sequence[str], grid: Sequence[Sequence[float]], title: str
) -> bytes:
    """Mastery per learner (rows) and concept (columns); NaN where a learner has not tried the concept."""
    import numpy as np

    plt = _pyplot()
    data = np.array(grid, dtype=float) if grid else np.zeros((0, 0))
    fig, ax = plt.subplots(figsize=(max(6, 0.3 * len(concepts) + 2), max(2.5, 0.3 * len(learners) + 1.5)))
    masked = np.ma.masked_invalid(data)
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    im = ax.imshow(masked, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(len(learners)), learners, fontsize=8)
    ax.set_xticks(
        range(len(concepts)),
        [c if len(c) <= 30 else c[:28] + "…" for c in concepts],
        fontsize=7,
        rotation=70,
        ha="right",
    )
    fig.colorbar(im, ax=ax, fraction=0.03, label="mastery")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def participation_chart(series: Sequence[tuple[date, int]], title: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.bar([d.strftime("%m-%d") for d, _ in series], [n for _, n in series], color="#1565c0")
    ax.set_ylabel("answers")
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.set_title(title, fontsize=10)
    return _png(fig)
