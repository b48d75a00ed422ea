"""Standings and leaderboards: the tallies kept with each attempt (all time per class, and per class's week)
and the boards ranked from them, scoped to a class or a workspace, never everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, update
from sqlmodel import select

from bot.storage.base import StoreBase, sql_int, table_of
from bot.storage.models import Attempt, ClassStanding, Learner, WeeklyStanding


@dataclass(frozen=True)
class Workspace:
    """A leaderboard's scope when it has no class: the learners of one workspace of one platform (a Slack
    team, the console's "local"). A leaderboard is always scoped to a class or to a workspace, so nothing
    ranks learners of another workspace or platform."""

    platform: str
    workspace: str


Scope = int | Workspace  # a class id, or a workspace


class BoardStore(StoreBase):
    """Leaderboards read from the standings (or the attempts, since a time)."""

    def leaderboard_rows(
        self,
        scope: Scope,
        since: datetime | None = None,
        top: int | None = None,
        me: int | None = None,
        week: date | None = None,
    ) -> list[tuple[int, str, int, int, int, int]]:
        """(learner id, name as shown, points, correct, rank, how many ranked), best first, in one query: from
        the class's weekly standings (`week`: the Monday of a class's week, see `monday_of`), from the standings
        (all time), or from the attempts through the (class_id, answered_at) index (since a time). The database
        leaves hidden learners out, applies pseudonyms and ranks (ties share a rank); with `top`, only the first
        `top` ranks and learner `me` come back. `scope` is a class id or a `Workspace`, never everyone."""
        from sqlalchemy import case

        if isinstance(scope, Workspace):
            class_id, members = None, scope
        elif isinstance(scope, int) and not isinstance(scope, bool):
            class_id, members = scope, None
        else:
            raise ValueError("a leaderboard is scoped to a class (its id) or a Workspace, never everyone")
        learners = table_of(Learner)
        shown = case(
            ((learners.c.privacy == "pseudonym") & (learners.c.pseudonym != ""), learners.c.pseudonym),
            else_=learners.c.display_name,
        )
        if week is not None and class_id is None:
            raise ValueError("weekly standings are kept per class")
        if class_id is not None and top is not None and (week is not None or since is None):
            # one class's standings rows (weekly or all time): read from the top through the board index
            if week is not None:
                w = table_of(WeeklyStanding)
                return self._top_of(w, [w.c.class_id == class_id, w.c.week == week], shown, top, me)
            c = table_of(ClassStanding)
            return self._top_of(c, [c.c.class_id == class_id], shown, top, me)
        if week is not None:
            w = table_of(WeeklyStanding)
            inner = (
                select(w.c.learner_id, w.c.points, w.c.correct)
                .where(w.c.class_id == class_id, w.c.week == week)
                .subquery()
            )
        elif since is None:
            t = table_of(ClassStanding)
            points, correct = func.sum(t.c.points), func.sum(t.c.correct)
            stmt = select(t.c.learner_id, points, correct)
            if class_id is not None:
                stmt = stmt.where(t.c.class_id == class_id)
            inner = stmt.group_by(t.c.learner_id).subquery()
        else:
            t = table_of(Attempt)
            points = func.sum(t.c.points)
            correct = func.sum(func.cast(t.c.correct, type_=sql_int()))
            stmt = select(t.c.learner_id, points, correct).where(t.c.answered_at >= since)
            if class_id is not None:
                stmt = stmt.where(t.c.class_id == class_id)
            inner = stmt.group_by(t.c.learner_id).subquery()
        cols = list(inner.c)
        ranked = (
            select(  # type: ignore[call-overload]  # SQLModel's overloads stop at 4 columns
                cols[0].label("learner_id"),
                shown.label("name"),
                cols[1].label("points"),
                cols[2].label("correct"),
                func.rank().over(order_by=(cols[1].desc(), cols[2].desc())).label("rank"),
                func.count().over().label("total"),
            )
            .join(learners, learners.c.id == cols[0])
            .where(learners.c.privacy != "hidden", *_members_of(learners, members))
            .subquery()
        )
        query = select(ranked)
        if top is not None:
            query = query.where((ranked.c.rank <= top) | (ranked.c.learner_id == (me or -1)))
        query = query.order_by(ranked.c.rank, func.lower(ranked.c.name), ranked.c.learner_id)
        with self.engine.connect() as conn:
            return [
                (
                    int(r.learner_id),
                    str(r.name),
                    int(r.points or 0),
                    int(r.correct or 0),
                    int(r.rank),
                    int(r.total),
                )
                for r in conn.execute(query)
            ]

    def _top_of(
        self, t, where: list, shown, top: int, me: int | None
    ) -> list[tuple[int, str, int, int, int, int]]:  # type: ignore[no-untyped-def]
        """The first `top` ranks (and learner `me`) of a standings table, without ranking every row: a class of
        thousands costs a few index reads, not a sort. Rows are walked best first through the board index
        (class, [week,] points, correct); ranks are 1 + the number of visible rows strictly better; how many
        are ranked is the class's row count less its hidden learners (found from the learner side)."""
        learners = table_of(Learner)
        visible = learners.c.privacy != "hidden"
        joined = t.join(learners, learners.c.id == t.c.learner_id)
        rows_of = select(t.c.learner_id, shown.label("name"), t.c.points, t.c.correct).select_from(joined)

        def better(points: int, correct: int, or_equal: bool = False):  # type: ignore[no-untyped-def]
            last = t.c.correct >= correct if or_equal else t.c.correct > correct
            return (t.c.points > points) | ((t.c.points == points) & last)

        def count(*cond) -> int:  # type: ignore[no-untyped-def]
            everyone = conn.execute(select(func.count()).select_from(t).where(*where, *cond)).scalar() or 0
            hidden = (
                conn.execute(
                    select(func.count())
                    .select_from(joined)
                    .where(*where, *cond, learners.c.privacy == "hidden")
                ).scalar()
                or 0
            )
            return int(everyone) - int(hidden)

        with self.engine.connect() as conn:
            edge = conn.execute(
                select(t.c.points, t.c.correct)
                .select_from(joined)
                .where(*where, visible)
                .order_by(t.c.points.desc(), t.c.correct.desc())
                .offset(max(0, top - 1))
                .limit(1)
            ).first()
            head_q = rows_of.where(*where, visible)
            if edge is not None:  # every row tied with the last place shown is shown too
                head_q = head_q.where(better(edge.points, edge.correct, or_equal=True))
            head = [
                (int(r.learner_id), str(r.name), int(r.points), int(r.correct)) for r in conn.execute(head_q)
            ]
            if not head:
                return []
            total = count()
            keys = sorted((-p, -c) for _, _, p, c in head)
            rank_of: dict[tuple[int, int], int] = {}
            for i, key in enumerate(keys):
                rank_of.setdefault(key, i + 1)
            out = [(lid, name, p, c, rank_of[(-p, -c)], total) for lid, name, p, c in head]
            if me is not None and all(r[0] != me for r in out):
                mine = conn.execute(rows_of.where(*where, visible, t.c.learner_id == me)).first()
                if mine is not None:
                    rank = 1 + count(better(int(mine.points), int(mine.correct)))
                    out.append((me, str(mine.name), int(mine.points), int(mine.correct), rank, total))
        out.sort(key=lambda r: (r[4], r[1].lower(), r[0]))
        return out


def monday_of(moment: datetime, tz: str) -> date:
    """The Monday that starts `moment`'s week in time zone `tz`: the key of the weekly standings. A naive
    `moment` is UTC, as the database keeps times."""
    from bot.progress.report import week_start

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return week_start(moment, tz).date()


def rebuild_weekly_standings(conn, default_zone: str) -> int:  # type: ignore[no-untyped-def]
    """Fill weekly_standing from the attempts (migration 0004 and the scale bench), as `record_attempt` would
    have: each attempt in a class counted in the week that starts Monday in the class's zone (`default_zone`
    for a class without one). Streams the attempts, writes in batches; returns the rows written."""
    import sqlalchemy as sa

    zones = {
        int(i): tz or default_zone for i, tz in conn.execute(sa.text("SELECT id, timezone FROM class_room"))
    }
    tally: dict[tuple[int, date, int], list[int]] = {}
    query = sa.text(
        "SELECT class_id, learner_id, answered_at, points, correct FROM attempt WHERE class_id IS NOT NULL"
    ).execution_options(stream_results=True, yield_per=20_000)  # this statement only, not the connection
    rows = conn.execute(query)
    for class_id, learner_id, answered_at, points, correct in rows:
        if isinstance(answered_at, str):  # SQLite's text, through a raw query
            answered_at = datetime.fromisoformat(answered_at)
        key = (int(class_id), monday_of(answered_at, zones.get(int(class_id), default_zone)), int(learner_id))
        row = tally.setdefault(key, [0, 0, 0])
        row[0] += int(points or 0)
        row[1] += int(bool(correct))
        row[2] += 1
    table = table_of(WeeklyStanding)
    items = [
        {"class_id": c, "week": w, "learner_id": ln, "points": p, "correct": ok, "answers": n}
        for (c, w, ln), (p, ok, n) in tally.items()
    ]
    for start in range(0, len(items), 10_000):
        conn.execute(insert(table), items[start : start + 10_000])
    return len(items)


def count_answer(conn, table, key: dict[str, object], tally: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Add one answer and its tally to the standing row at `key`, creating the row on the first answer. A
    concurrent first answer makes the insert fail; the caller's transaction then starts again."""
    where = [table.c[k] == v for k, v in key.items()]
    moved = conn.execute(
        update(table)
        .where(*where)
        .values(answers=table.c.answers + 1, **{k: table.c[k] + v for k, v in tally.items()})
    )
    if not moved.rowcount:
        conn.execute(insert(table).values(**key, answers=1, **tally))


def count_answers(conn, table, key: dict[str, object], tallies: dict[int, dict[str, int]]) -> None:  # type: ignore[no-untyped-def]
    """`count_answer` for many learners at once: each learner's tally added to their row at `key` (+ learner_id),
    the rows of learners without one created. A concurrent first answer makes an insert fail; the caller's
    transaction then starts again."""
    where = [table.c[k] == v for k, v in key.items()]
    existing = {
        r[0]
        for r in conn.execute(
            select(table.c.learner_id).where(*where, table.c.learner_id.in_(sorted(tallies)))
        ).all()
    }
    fields = list(next(iter(tallies.values())))
    if existing:
        conn.execute(
            update(table)
            .where(*where, table.c.learner_id == bindparam("lid"))
            .values(answers=table.c.answers + 1, **{f: table.c[f] + bindparam(f"add_{f}") for f in fields}),
            [{"lid": lid, **{f"add_{f}": tallies[lid][f] for f in fields}} for lid in sorted(existing)],
        )
    new = [lid for lid in sorted(tallies) if lid not in existing]
    if new:
        conn.execute(insert(table), [{**key, "learner_id": lid, "answers": 1, **tallies[lid]} for lid in new])


def _members_of(learners: Table, members: Workspace | None) -> list[Any]:
    """The condition that keeps a workspace's learners only (none for a class: its rows are its own)."""
    if members is None:
        return []
    return [learners.c.platform == members.platform, learners.c.workspace == members.workspace]
