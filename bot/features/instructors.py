"""Instructors: /class-report (mastery heatmap, hardest questions, participation) and /inbox (questions the
tutor could not answer: answer them, add an answer to the course). The tutor's gate lets instructors only in."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from bot import events as E
from bot import replies as R
from bot.features.kit import Handler, Kit, aware
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


def on_inbox(ev: E.Inbox, ctx: Kit) -> list[R.Reply]:
    if ev.action == "list":
        items = ctx.store.inbox(platform=ev.learner.platform, workspace=ev.learner.workspace)
        if not items:
            return [R.Text("The inbox is empty: every question was answered.")]
        rows = []
        for entry in items[:20]:
            who = ctx.store.learner_name(entry.learner_id)
            closest = ", ".join(json.loads(entry.closest)[:2])
            rows.append(
                (
                    str(entry.id),
                    who,
                    aware(entry.asked_at).strftime("%Y-%m-%d %H:%M"),
                    entry.text[:80],
                    closest,
                )
            )
        return [
            R.Table(
                f"Questions the tutor could not answer ({len(items)} open)",
                ("id", "asked by", "when (UTC)", "question", "closest concepts"),
                tuple(rows),
                "Answer: /inbox answer ID TEXT · add that answer to the course: /inbox add ID [CONCEPT]",
            )
        ]
    item = ctx.store.inbox_item(ev.item_id)
    asker = ctx.store.learner_by_id(item.learner_id) if item else None
    if (
        item is None
        or asker is None
        or (asker.platform, asker.workspace) != (ev.learner.platform, ev.learner.workspace)
    ):
        return [R.Text(f"No inbox question #{ev.item_id}. /inbox lists them.", kind="error")]
    instructor = ctx.store.learner(ev.learner)
    if ev.action == "answer":
        text = ev.text.strip()
        problem = ctx.check_text(text, "answer")
        if problem:
            return [R.Text(problem, kind="error")]
        ctx.store.answer_inbox(item.id or 0, text, instructor.id or 0, ctx.clock())
        return [R.Text(f"Inbox #{item.id} is answered. /inbox add {item.id} adds the answer to the course.")]
    if ev.action == "add":
        if not item.answer:
            return [R.Text(f"Answer #{item.id} first: /inbox answer {item.id} TEXT", kind="error")]
        concept_id = ev.text.strip() or (json.loads(item.closest) or [""])[0]
        concept = ctx.course.find_concept(concept_id) if concept_id else None
        if concept is None:
            return [
                R.Text(f"No concept '{concept_id}'. Name one: /inbox add {item.id} CONCEPT_ID", kind="error")
            ]
        ctx.store.add_instructor_passage(
            ctx.course.id,
            concept.id,
            item.text,
            item.answer,
            instructor.id or 0,
            ctx.clock(),
            inbox_id=item.id,
        )
        ctx.sync_instructor_passages(force=True)
        return [
            R.Text(
                f"Added to the course under *{concept.title}*: the tutor now quotes it for questions like "
                f'"{item.text[:80]}".'
            )
        ]
    return [R.Text("Use /inbox, /inbox answer ID TEXT, or /inbox add ID [CONCEPT].", kind="error")]


HANDLERS: dict[type[E.Event], Handler] = {E.ClassReport: on_class_report, E.Inbox: on_inbox}
