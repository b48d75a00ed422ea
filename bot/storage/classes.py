"""Classes: a channel of a workspace where a class meets, found or created on first sight, and its settings."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.events import ClassRef
from bot.storage.base import StoreBase
from bot.storage.models import ClassRoom


class ClassStore(StoreBase):
    """Class rows: one per (platform, workspace, channel)."""

    def class_room(self, ref: ClassRef) -> ClassRoom:
        stmt = select(ClassRoom).where(
            ClassRoom.platform == ref.platform,
            ClassRoom.workspace == ref.workspace,
            ClassRoom.channel == ref.channel,
        )
        for _ in range(2):
            with Session(self.engine, expire_on_commit=False) as s:
                row = s.exec(stmt).first()
                if row is not None:
                    return row
                row = ClassRoom(
                    platform=ref.platform,
                    workspace=ref.workspace,
                    channel=ref.channel,
                    name=(ref.name or ref.channel)[:200],
                )
                s.add(row)
                try:
                    s.commit()
                    return row
                except IntegrityError:
                    s.rollback()
        raise RuntimeError("class row could not be created")

    def find_class(self, platform: str, workspace: str, channel: str) -> ClassRoom | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(ClassRoom).where(
                    ClassRoom.platform == platform,
                    ClassRoom.workspace == workspace,
                    ClassRoom.channel == channel,
                )
            ).first()

    def class_by_id(self, class_id: int) -> ClassRoom | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(ClassRoom, class_id)

    def update_class(self, class_id: int, **fields: object) -> ClassRoom | None:
        return self._update(ClassRoom, class_id, fields)
