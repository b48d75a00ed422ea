"""Learners: who a user is on a platform, found or created on first sight; their settings and digests."""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.events import LearnerRef
from bot.storage.base import StoreBase, insert_ignore, table_of
from bot.storage.models import Learner


class LearnerStore(StoreBase):
    """Learner rows: one per (platform, workspace, user)."""

    def learner(self, ref: LearnerRef) -> Learner:
        """The learner row for `ref`, created on first sight; the display name kept up to date."""
        stmt = select(Learner).where(
            Learner.platform == ref.platform, Learner.workspace == ref.workspace, Learner.user_id == ref.user
        )
        for _ in range(2):
            with Session(self.engine, expire_on_commit=False) as s:
                row = s.exec(stmt).first()
                if row is not None:
                    if ref.display_name and row.display_name != ref.display_name:
                        row.display_name = ref.display_name[:200]
                        s.add(row)
                        s.commit()
                    return row
                row = Learner(
                    platform=ref.platform,
                    workspace=ref.workspace,
                    user_id=ref.user,
                    display_name=(ref.display_name or ref.user)[:200],
                )
                s.add(row)
                try:
                    s.commit()
                    return row
                except IntegrityError:  # another worker created it first
                    s.rollback()
        raise RuntimeError("learner row could not be created")

    def learner_ids(self, refs: list[LearnerRef]) -> list[int]:
        """The learner id of each ref (created on first sight, display names kept up to date), for many
        learners in one transaction: what `learner` does for one, with a few statements for all."""
        learners = table_of(Learner)
        found: dict[tuple[str, str, str], int] = {}
        names = {(r.platform, r.workspace, r.user): r.display_name for r in refs}
        groups: dict[tuple[str, str], set[str]] = {}
        for platform, workspace, user in names:
            groups.setdefault((platform, workspace), set()).add(user)
        with self.engine.begin() as conn:
            for (platform, workspace), users in groups.items():
                where = [learners.c.platform == platform, learners.c.workspace == workspace]
                missing = [
                    Learner(
                        platform=platform,
                        workspace=workspace,
                        user_id=user,
                        display_name=(names[(platform, workspace, user)] or user)[:200],
                    ).model_dump(exclude={"id"})
                    for user in sorted(users)
                ]
                # first a write, so that SQLite takes its write lock now rather than fail to upgrade later
                conn.execute(insert_ignore(conn, learners, ["platform", "workspace", "user_id"]), missing)
                rows = conn.execute(
                    select(learners.c.id, learners.c.user_id, learners.c.display_name).where(
                        *where, learners.c.user_id.in_(sorted(users))
                    )
                ).all()
                renamed = []
                for lid, user, shown in rows:
                    found[(platform, workspace, user)] = lid
                    name = (names[(platform, workspace, user)] or "")[:200]
                    if name and shown != name:
                        renamed.append({"lid": lid, "name": name})
                if renamed:
                    conn.execute(
                        update(learners)
                        .where(learners.c.id == bindparam("lid"))
                        .values(display_name=bindparam("name")),
                        renamed,
                    )
        return [found[(r.platform, r.workspace, r.user)] for r in refs]

    def find_learner(self, platform: str, workspace: str, user_id: str) -> Learner | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(Learner).where(
                    Learner.platform == platform, Learner.workspace == workspace, Learner.user_id == user_id
                )
            ).first()

    def learner_by_id(self, learner_id: int) -> Learner | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(Learner, learner_id)

    def learner_name(self, learner_id: int) -> str:
        with Session(self.engine) as s:
            row = s.get(Learner, learner_id)
            return (row.display_name or row.user_id) if row else "(deleted)"

    def all_learners(self) -> list[Learner]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(s.exec(select(Learner).order_by(col(Learner.id))))

    def update_learner(self, learner_id: int, **fields: object) -> Learner | None:
        return self._update(Learner, learner_id, fields)

    def claim_digest(self, learner_id: int, local_day: str) -> bool:
        """Mark today's digest as sent; False if it already was (by this or another worker)."""
        with Session(self.engine) as s:
            result = s.exec(  # type: ignore[call-overload]
                update(Learner)
                .where(col(Learner.id) == learner_id, col(Learner.digest_sent_on) != local_day)
                .values(digest_sent_on=local_day)
            )
            s.commit()
            return bool(result.rowcount)
