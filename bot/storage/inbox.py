"""The instructors' inbox: questions the tutor could not answer, merged when asked again, answered (each
asker notified) or dismissed; and the passages an instructor added to the course from them.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.models import InboxAsk, InboxQuestion, InstructorPassage, Learner, OutboxEntry
from bot.storage.outbox import ANSWER, forget_about


class InboxStore(StoreBase):
    """Inbox items, their askings, and instructor passages."""

    def add_inbox(
        self,
        learner_id: int,
        class_id: int | None,
        text: str,
        closest: list[str],
        now: datetime,
        embedding: bytes | None = None,
        model: str = "",
    ) -> int:
        """A new inbox item, asked once by this learner (in these words, with their embedding if any)."""
        with Session(self.engine) as s:
            row = InboxQuestion(
                learner_id=learner_id,
                class_id=class_id,
                text=text[:4000],
                closest=json.dumps(closest),
                asked_at=now,
            )
            s.add(row)
            s.flush()
            s.add(
                InboxAsk(
                    inbox_id=row.id or 0,
                    learner_id=learner_id,
                    text=text[:4000],
                    asked_at=now,
                    embedding=embedding,
                    model=model[:200],
                )
            )
            s.commit()
            return row.id or 0

    def inbox_asks(self, platform: str, workspace: str) -> list[InboxAsk]:
        """Every asking of the workspace's open inbox items: what a new question is compared with."""
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(InboxAsk)
                    .join(InboxQuestion, col(InboxQuestion.id) == col(InboxAsk.inbox_id))
                    .join(Learner, col(Learner.id) == col(InboxQuestion.learner_id))
                    .where(
                        InboxQuestion.status == "open",
                        Learner.platform == platform,
                        Learner.workspace == workspace,
                    )
                    .order_by(col(InboxAsk.inbox_id), col(InboxAsk.id))
                )
            )

    def merge_inbox(
        self,
        item_id: int,
        learner_id: int,
        text: str,
        now: datetime,
        embedding: bytes | None = None,
        model: str = "",
    ) -> bool:
        """Count one more asking of an open item, and remember the learner as one of its askers (a learner
        asking again counts again, and is told once). False, and nothing written, if the item is no longer
        open (answered or dismissed meanwhile)."""
        with Session(self.engine) as s:
            counted = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(col(InboxQuestion.id) == item_id, col(InboxQuestion.status) == "open")
                .values(asked=InboxQuestion.asked + 1)
            )
            if not counted.rowcount:
                s.rollback()
                return False
            again = s.exec(  # type: ignore[call-overload]
                update(InboxAsk)
                .where(col(InboxAsk.inbox_id) == item_id, col(InboxAsk.learner_id) == learner_id)
                .values(times=InboxAsk.times + 1)
            )
            if not again.rowcount:
                s.add(
                    InboxAsk(
                        inbox_id=item_id,
                        learner_id=learner_id,
                        text=text[:4000],
                        asked_at=now,
                        embedding=embedding,
                        model=model[:200],
                    )
                )
            s.commit()
            return True

    def inbox_item(self, item_id: int) -> InboxQuestion | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(InboxQuestion, item_id)

    def inbox_askers(self, item_id: int) -> list[tuple[InboxAsk, str]]:
        """An item's askings, first first, with each asker's name."""
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(
                select(InboxAsk, Learner)
                .join(Learner, col(Learner.id) == col(InboxAsk.learner_id))
                .where(InboxAsk.inbox_id == item_id)
                .order_by(col(InboxAsk.asked_at), col(InboxAsk.id))
            )
            return [(ask, learner.display_name or learner.user_id) for ask, learner in rows]

    def inbox(
        self, status: str = "open", platform: str | None = None, workspace: str | None = None
    ) -> list[InboxQuestion]:
        """Forwarded questions, of one workspace's learners if given (an instructor sees their own course's
        only): the most asked first, then the longest waiting."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(InboxQuestion).where(InboxQuestion.status == status)
            if platform is not None:
                stmt = stmt.join(Learner, col(Learner.id) == col(InboxQuestion.learner_id)).where(
                    Learner.platform == platform, Learner.workspace == workspace
                )
            order = (col(InboxQuestion.asked).desc(), col(InboxQuestion.asked_at), col(InboxQuestion.id))
            return list(s.exec(stmt.order_by(*order)))

    def answer_inbox(
        self, item_id: int, answer: str, by: int, now: datetime
    ) -> tuple[InboxQuestion, list[OutboxEntry]] | None:
        """Answer an open (or dismissed) item, and in the same transaction leave the answer in the outbox of each
        of its askers, with their own words, claimed at `now` by the caller, who is to deliver them. None, and
        nothing written, if there is no such item or it was answered already (a second instructor, a retry)."""
        with Session(self.engine, expire_on_commit=False) as s:
            done = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(
                    col(InboxQuestion.id) == item_id,
                    col(InboxQuestion.status).in_(("open", "dismissed")),
                )
                .values(status="answered", answer=answer[:4000], answered_by=by, answered_at=now)
            )
            if not done.rowcount:
                s.rollback()
                return None
            notices = [
                OutboxEntry(
                    learner_id=ask.learner_id,
                    kind=ANSWER,
                    ref_id=item_id,
                    question=ask.text,
                    text=answer[:4000],
                    created_at=now,
                    claimed_at=now,
                )
                for ask in s.exec(
                    select(InboxAsk).where(InboxAsk.inbox_id == item_id).order_by(col(InboxAsk.id))
                )
            ]
            s.add_all(notices)
            s.commit()
            row = s.get(InboxQuestion, item_id)
            assert row is not None
            return row, notices

    def dismiss_inbox(self, item_id: int, by: int, now: datetime) -> bool:
        """Take an open item off the list, keeping who and when; False if it is not open."""
        with Session(self.engine) as s:
            done = s.exec(  # type: ignore[call-overload]
                update(InboxQuestion)
                .where(col(InboxQuestion.id) == item_id, col(InboxQuestion.status) == "open")
                .values(status="dismissed", dismissed_by=by, dismissed_at=now)
            )
            s.commit()
            return bool(done.rowcount)

    def forwarded_count(self) -> int:
        """How many times questions were passed on to the instructors, merged duplicates included."""
        with Session(self.engine) as s:
            return int(s.exec(select(func.coalesce(func.sum(InboxQuestion.asked), 0))).one())

    def add_instructor_passage(
        self,
        course_id: str,
        concept_id: str,
        question: str,
        text: str,
        author: int,
        now: datetime,
        inbox_id: int | None = None,
    ) -> InstructorPassage:
        with Session(self.engine, expire_on_commit=False) as s:
            row = InstructorPassage(
                course_id=course_id,
                concept_id=concept_id,
                question=question[:4000],
                text=text[:4000],
                author_id=author,
                created_at=now,
            )
            s.add(row)
            if inbox_id is not None:
                item = s.get(InboxQuestion, inbox_id)
                if item is not None:
                    item.added_to_course = True
                    s.add(item)
            s.commit()
            return row

    def instructor_passages(self, course_id: str) -> list[InstructorPassage]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(InstructorPassage)
                    .where(InstructorPassage.course_id == course_id)
                    .order_by(col(InstructorPassage.id))
                )
            )

    def instructor_passage_count(self, course_id: str) -> int:
        with Session(self.engine) as s:
            return int(
                s.exec(
                    select(func.count())
                    .select_from(InstructorPassage)
                    .where(InstructorPassage.course_id == course_id)
                ).one()
            )


def forget_asker(s: Session, learner_id: int) -> None:
    """The learner leaves every inbox item they asked. An item others asked too stays, counted down, its
    first remaining asker (and their words) now its face; an item only they asked goes."""
    for ask in list(s.exec(select(InboxAsk).where(InboxAsk.learner_id == learner_id))):
        item = s.get(InboxQuestion, ask.inbox_id)
        s.delete(ask)
        s.flush()
        if item is None:
            continue
        rest = s.exec(
            select(InboxAsk)
            .where(InboxAsk.inbox_id == item.id)
            .order_by(col(InboxAsk.asked_at), col(InboxAsk.id))
        ).all()
        if not rest:
            forget_about(s, ANSWER, item.id or 0)
            s.delete(item)
            continue
        item.asked = max(len(rest), item.asked - ask.times)
        if item.learner_id == learner_id:
            first = rest[0]
            item.learner_id, item.text, item.asked_at = first.learner_id, first.text, first.asked_at
        s.add(item)
    # an item of theirs without askings (none since schema 0006 gave every item its asker) goes too
    for item in s.exec(select(InboxQuestion).where(InboxQuestion.learner_id == learner_id)).all():
        forget_about(s, ANSWER, item.id or 0)
        s.delete(item)
    s.flush()
