"""Instructors: /class-report (mastery heatmap, hardest questions, participation); /inbox is `inbox.py`. The
tutor's gate lets instructors only in."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit
from bot.progress import spaced
from bot.progress.report import heatmap, local_date, participation, participation_chart, question_stats

HEATMAP_LEARNERS = 40  # a heatmap row per learner stays readable up to about this many


def on_class_report(ev: E.ClassReport, ctx: Kit) -> list[R.Reply]:
    # the channel's own class, made if nobody answered there yet: a new channel's report is empty, never
    # another class's (every adapter once made the row itself before asking)
    room = ctx.store.class_room(ev.where) if ev.where else None
    if room is None:
        return [
            R.Text(
                "Run /class-report in the class's channel: the report is about the class that meets there.",
                kind="notice",
            )
        ]
    class_id = room.id
    label = room.name
    learners = ctx.store.class_learners(class_id, limit=HEATMAP_LEARNERS)
    if not learners:
        return [R.Text(f"No answers yet in {label}.")]
    now = ctx.clock()
    tz = (room.timezone if room else "") or ctx.timezone
    names = {lid: name for lid, name, _ in learners}
    progress = {(p.learner_id, p.concept_id): p for p in ctx.store.progress_for(list(names))}
    concepts = [c for c in ctx.course.topological_order() if any(k[1] == c for k in progress)]
    grid = [
        [
            spaced.mastery(p.mastery, p.card, now) if (p := progress.get((lid, cid))) else float("nan")
            for cid in concepts
        ]
        for lid in names
    ]
    titles = [ctx.course.concepts[c].title for c in concepts]
    shown = (
        f"the {len(names)} most active learners"
        if len(names) == HEATMAP_LEARNERS
        else f"{len(names)} learners"
    )
    out: list[R.Reply] = []
    if concepts:
        out.append(
            R.Image(
                "class-mastery.png",
                f"Mastery heatmap of {label}: {shown} × {len(concepts)} concepts",
                heatmap(list(names.values()), titles, grid, f"Mastery per concept: {label} ({shown})"),
            )
        )
    counts = ctx.store.answer_counts(class_id)
    stats = question_stats([(q, r, ok) for q, r, ok, _ in counts], weights=[n for *_, n in counts])
    table_rows = []
    for st in stats[:5]:
        q = ctx.course.questions.get(st.question_id)
        prompt = (q.prompt if q else st.question_id).replace("\n", " ")
        answers = ", ".join(f"{k}: {n}" for k, n in st.answers[:4])
        wrong = f"{st.top_wrong} ({st.top_wrong_count})" if st.top_wrong else "-"
        table_rows.append(
            (
                prompt[:60] + ("…" if len(prompt) > 60 else ""),
                f"{st.correct}/{st.attempts}",
                answers[:40],
                wrong[:30],
            )
        )
    out.append(
        R.Table(
            f"Hardest questions in {label}",
            ("question", "right", "answers", "most chosen wrong"),
            tuple(table_rows),
        )
    )
    since = now - timedelta(days=15)
    days: Counter[date] = Counter()
    for start, n in ctx.store.answer_times(class_id, since):
        days[local_date(start, tz)] += n
    series = participation(days, local_date(now, tz))
    out.append(
        R.Image(
            "participation.png",
            "Answers per day, last 14 days: " + ", ".join(f"{d:%m-%d} {n}" for d, n in series if n),
            participation_chart(series, f"Participation: {label}"),
        )
    )
    return out


HANDLERS: dict[type[E.Event], Handler] = {E.ClassReport: on_class_report}
