"""Quiz sessions: a question put to one learner (solo) or to a class until a deadline (a round), and its
status moved with a version check, so a double click or a second worker changes nothing twice.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase, table_of
from bot.storage.models import Attempt, ClassRoom, Learner, QuizSession


class SessionStore(StoreBase):
    """Quiz session rows: open, answered, skipped, replaced or closed."""

    def open_solo_session(
        self,
        learner_id: int,
        question_id: str,
        concept_id: str,
        presentation: list,
        now: datetime,
        class_id: int | None = None,
    ) -> QuizSession:
        """Put a question to one learner; an earlier unanswered question of theirs is replaced (status
        'replaced': its answer was never shown, unlike one the learner skipped)."""
        with Session(self.engine, expire_on_commit=False) as s:
            s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(
                    col(QuizSession.learner_id) == learner_id,
                    col(QuizSession.kind) == "solo",
                    col(QuizSession.status) == "open",
                )
                .values(status="replaced", closed_at=now, version=QuizSession.version + 1)
            )
            row = QuizSession(
                kind="solo",
                learner_id=learner_id,
                class_id=class_id,
                question_id=question_id,
                concept_id=concept_id,
                presentation=json.dumps(presentation),
                created_by=learner_id,
                created_at=now,
            )
            s.add(row)
            s.commit()
            return row

    def open_round(
        self,
        class_id: int,
        question_id: str,
        concept_id: str,
        presentation: list,
        now: datetime,
        deadline: datetime,
        created_by: int,
    ) -> QuizSession:
        """Put a question to a whole class until `deadline`."""
        with Session(self.engine, expire_on_commit=False) as s:
            row = QuizSession(
                kind="round",
                class_id=class_id,
                question_id=question_id,
                concept_id=concept_id,
                presentation=json.dumps(presentation),
                created_by=created_by,
                created_at=now,
                deadline=deadline,
            )
            s.add(row)
            s.commit()
            return row

    def set_round_message(self, session_id: int, message: str) -> None:
        """Where the round's question was posted (QuizSession.message), once the platform says so."""
        with self.engine.begin() as conn:
            table = table_of(QuizSession)
            conn.execute(update(table).where(table.c.id == session_id).values(message=message[:300]))

    def session(self, session_id: int) -> QuizSession | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(QuizSession, session_id)

    def open_session_of(self, learner_id: int) -> QuizSession | None:
        with Session(self.engine, expire_on_commit=False) as s:
            return s.exec(
                select(QuizSession)
                .where(
                    QuizSession.learner_id == learner_id,
                    QuizSession.kind == "solo",
                    QuizSession.status == "open",
                )
                .order_by(col(QuizSession.id).desc())
            ).first()

    def quizzed_since(self, learner_id: int, since: datetime) -> bool:
        """Whether the learner was put a question of their own since `since` ("another one" then asks for one
        more)."""
        with Session(self.engine) as s:
            return (
                s.exec(
                    select(QuizSession.id).where(
                        QuizSession.learner_id == learner_id,
                        QuizSession.kind == "solo",
                        QuizSession.created_at >= since,
                    )
                ).first()
                is not None
            )

    def set_session_status(self, session_id: int, expected: str, status: str, now: datetime) -> bool:
        """Move a session from `expected` to `status`; False if someone else moved it first."""
        with Session(self.engine) as s:
            result = s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(col(QuizSession.id) == session_id, col(QuizSession.status) == expected)
                .values(status=status, closed_at=now, version=QuizSession.version + 1)
            )
            s.commit()
            return bool(result.rowcount)

    def use_hint(self, session_id: int) -> int:
        with Session(self.engine) as s:
            s.exec(  # type: ignore[call-overload]
                update(QuizSession)
                .where(col(QuizSession.id) == session_id)
                .values(hints_used=QuizSession.hints_used + 1, version=QuizSession.version + 1)
            )
            s.commit()
            row = s.get(QuizSession, session_id)
            return row.hints_used if row else 0

    def open_rounds(self, class_id: int | None = None) -> list[QuizSession]:
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(QuizSession).where(QuizSession.kind == "round", QuizSession.status == "open")
            if class_id is not None:
                stmt = stmt.where(QuizSession.class_id == class_id)
            return list(s.exec(stmt.order_by(col(QuizSession.id))))

    def open_rounds_in(self, platform: str, workspace: str) -> list[QuizSession]:
        """Open class rounds in any channel of one workspace."""
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(QuizSession)
                    .join(ClassRoom, col(ClassRoom.id) == col(QuizSession.class_id))
                    .where(
                        QuizSession.kind == "round",
                        QuizSession.status == "open",
                        ClassRoom.platform == platform,
                        ClassRoom.workspace == workspace,
                    )
                )
            )

    def due_rounds(self, now: datetime, platform: str | None = None) -> list[QuizSession]:
        """Open rounds whose deadline has passed (after a restart too: deadlines are stored)."""
        with Session(self.engine, expire_on_commit=False) as s:
            stmt = select(QuizSession).where(
                QuizSession.kind == "round", QuizSession.status == "open", col(QuizSession.deadline) <= now
            )
            if platform is not None:
                stmt = stmt.join(ClassRoom, col(ClassRoom.id) == col(QuizSession.class_id)).where(
                    ClassRoom.platform == platform
                )
            return list(s.exec(stmt.order_by(col(QuizSession.id))))

    def round_answers(self, session_id: int) -> list[tuple[Attempt, Learner]]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(Attempt, Learner)
                    .join(Learner, col(Learner.id) == col(Attempt.learner_id))
                    .where(Attempt.session_id == session_id)
                    .order_by(col(Attempt.id))
                )
            )
