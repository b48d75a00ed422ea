"""Where a learner stands: /progress, /leaderboard (a class's or a workspace's, never everyone's) and /next."""

from __future__ import annotations

from bot import events as E
from bot import replies as R
from bot.features import picking
from bot.features.kit import Handler, Kit, aware, plural
from bot.progress import MASTERED, Standing, spaced, streak
from bot.progress.report import local_date, progress_chart, week_start
from bot.storage import Scope, Workspace


def progress_report(ctx: Kit, learner_id: int) -> dict:
    """A learner's standing: points, answers, streak, reviews due and mastery per concept (/progress, the CLI)."""
    progress = ctx.store.progress_of(learner_id)
    attempts = ctx.store.attempts_of(learner_id)
    learner = ctx.store.learner_by_id(learner_id)
    tz = ctx.learner_zone(learner) if learner else ctx.timezone
    now = ctx.clock()
    days = {local_date(aware(a.answered_at), tz) for a in attempts}
    concepts: list[dict] = []
    for cid in ctx.course.topological_order():
        p = progress.get(cid)
        if p is None:
            continue
        concepts.append(
            {
                "concept_id": cid,
                "title": ctx.course.concepts[cid].title,
                "attempts": p.attempts,
                "correct": p.correct,
                "mastery": spaced.mastery(p.mastery, p.card, now),
                "due": aware(p.due).isoformat() if p.due else None,
            }
        )
    return {
        "points": sum(a.points for a in attempts),
        "answers": len(attempts),
        "correct": sum(1 for a in attempts if a.correct),
        "streak": streak(days, local_date(now, tz)),
        "mastered": sum(1 for c in concepts if c["mastery"] >= MASTERED),
        "due_reviews": sum(1 for p in progress.values() if p.due and aware(p.due) <= now),
        "concepts_total": len(ctx.course.concepts),
        "concepts": concepts,
    }


def leaderboard(
    ctx: Kit,
    scope: Scope,
    period: str = "all",
    tz: str = "",
    top: int | None = None,
    me: int | None = None,
) -> tuple[list[Standing], int]:
    """(standings, how many are ranked) of a class (its id) or a `Workspace`, never of everyone: privacy
    applied, ranks computed by the database. With `top`, only the first `top` ranks and learner `me`."""
    if period == "week" and isinstance(scope, int):
        # the class's week, from Monday in the class's own zone: the weekly standings kept with each attempt
        room = ctx.store.class_by_id(scope)
        monday = week_start(ctx.clock(), (room.timezone if room else "") or ctx.timezone)
        rows = ctx.store.leaderboard_rows(scope, week=monday.date(), top=top, me=me)
    else:
        since = week_start(ctx.clock(), tz or ctx.timezone) if period == "week" else None
        rows = ctx.store.leaderboard_rows(scope, since=since, top=top, me=me)
    return [Standing(r, lid, name, pts, ok) for lid, name, pts, ok, r, _ in rows], (rows[0][5] if rows else 0)


def on_show_progress(ev: E.ShowProgress, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    report = progress_report(ctx, learner.id or 0)
    if not report["answers"]:
        return [R.Text("No answers yet. Start with /quiz, or /next to see where to begin.")]
    rows = tuple(
        (c["title"], f"{c['correct']}/{c['attempts']}", bar(c["mastery"]), f"{c['mastery']:.0%}")
        for c in report["concepts"]
    )
    s, due = report["streak"], report["due_reviews"]
    note = (
        f"{report['points']} points · {plural(report['answers'], 'answer')} · {report['mastered']} of "
        f"{report['concepts_total']} concepts mastered · streak {plural(s, 'day')}"
        + (f" · {due} due for /review" if due else "")
    )
    title = f"Progress of {learner.display_name}"
    chart = progress_chart([(c["title"], c["mastery"]) for c in report["concepts"]], title)
    alt = f"{title}: " + ", ".join(f"{c['title']} {c['mastery']:.0%}" for c in report["concepts"][:10])
    return [
        R.Table(title, ("concept", "right", "mastery", ""), rows, note),
        R.Image("progress.png", alt, chart),
    ]


def on_show_leaderboard(ev: E.ShowLeaderboard, ctx: Kit) -> list[R.Reply]:
    if ev.where is None and ev.learner.spans_workspaces:
        # no class and no workspace of one's own (a Discord DM): any ranking would show strangers
        return [
            R.Text(
                "The leaderboard belongs to a class: use /leaderboard in your class's channel. "
                "/progress shows your own standing."
            )
        ]
    learner = ctx.store.learner(ev.learner)
    scope: Scope = Workspace(ev.learner.platform, ev.learner.workspace)
    tz, title = ctx.timezone, "Leaderboard"
    if ev.where is not None:
        room = ctx.store.class_room(ev.where)
        scope, tz = room.id or 0, room.timezone or ctx.timezone
        title = f"Leaderboard of {room.name}"
    period = "week" if ev.period.lower().startswith("week") else "all"
    title += ", this week" if period == "week" else ", all time"
    standings, ranked = leaderboard(ctx, scope, period, tz, top=10, me=learner.id)
    if not standings:
        when = "this week" if period == "week" else "yet"
        return [R.Text(f"No answers in this class {when}. Be the first: /quiz")]
    rows = tuple((str(s.rank), s.name, str(s.points), str(s.correct)) for s in standings if s.rank <= 10)
    mine = next((s for s in standings if s.learner_id == learner.id), None)
    if learner.privacy == "hidden":
        note = "You have left the leaderboards (/privacy)."
    elif mine:
        note = f"You are #{mine.rank} of {ranked} with {mine.points} points."
    else:
        note = "You are not on it yet: /quiz"
    other = "/leaderboard all" if period == "week" else "/leaderboard week"
    return [R.Table(title, ("#", "learner", "points", "right"), rows, f"{note} See also {other}.")]


def on_next(ev: E.Next, ctx: Kit) -> list[R.Reply]:
    learner = ctx.store.learner(ev.learner)
    nexts = picking.next_concepts(ctx, learner.id or 0)
    if not nexts:
        return [R.Text("You have mastered every concept of the course. Well done!")]
    first = ctx.course.concepts[nexts[0]]
    out: list[R.Reply] = [R.Text(f"Learn next: *{first.title}*. {first.summary}\nTry /quiz {first.id}")]
    if len(nexts) > 1:
        others = ", ".join(f"*{ctx.course.concepts[c].title}*" for c in nexts[1:])
        out.append(R.Text(f"Also ready for you: {others}."))
    return out


def bar(value: float, width: int = 10) -> str:
    full = round(max(0.0, min(1.0, value)) * width)
    return "█" * full + "░" * (width - full)


HANDLERS: dict[type[E.Event], Handler] = {
    E.ShowProgress: on_show_progress,
    E.ShowLeaderboard: on_show_leaderboard,
    E.Next: on_next,
}
