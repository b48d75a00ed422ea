"""A learner's own data: everything kept about them (/my-data), and forgetting them (/forget-me)."""

from __future__ import annotations

import json

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.storage.base import StoreBase
from bot.storage.inbox import forget_asker
from bot.storage.models import (
    AnswerReview,
    Attempt,
    ClassStanding,
    ConceptProgress,
    ConversationTurn,
    InboxAsk,
    InboxQuestion,
    InstructorPassage,
    Learner,
    OutboxEntry,
    QuizSession,
    ReviewDecision,
    WeeklyStanding,
)
from bot.storage.outbox import ANSWER, REVIEW


def _outbox_json(entry: OutboxEntry) -> dict:
    """One outbox entry under the names /my-data gave it before the outbox was one table (schema 0009): an
    answer's `inbox_id`, `question` and `answer`, a review notice's `decision_id` and `text`; both with when
    it was made, claimed and delivered."""
    row = entry.model_dump(mode="json")
    if entry.kind == ANSWER:
        about = {"inbox_id": row["ref_id"], "question": row["question"], "answer": row["text"]}
    else:
        about = {"decision_id": row["ref_id"], "text": row["text"]}
    times = {key: row[key] for key in ("created_at", "claimed_at", "delivered_at")}
    return {"id": row["id"], "learner_id": row["learner_id"], **about, **times}


class PrivacyStore(StoreBase):
    """Export and erase one learner's rows, across every area."""

    def learner_data(self, learner_id: int) -> dict:
        """Everything the tutor keeps about one learner (what /my-data exports)."""
        with Session(self.engine) as s:
            learner = s.get(Learner, learner_id)
            if learner is None:
                return {}
            attempts = s.exec(
                select(Attempt).where(Attempt.learner_id == learner_id).order_by(col(Attempt.id))
            ).all()
            progress = s.exec(select(ConceptProgress).where(ConceptProgress.learner_id == learner_id)).all()
            asks = s.exec(
                select(InboxAsk, InboxQuestion)
                .join(InboxQuestion, col(InboxQuestion.id) == col(InboxAsk.inbox_id))
                .where(InboxAsk.learner_id == learner_id)
                .order_by(col(InboxAsk.id))
            ).all()
            turns = s.exec(select(ConversationTurn).where(ConversationTurn.learner_id == learner_id)).all()
            owed = s.exec(
                select(OutboxEntry).where(OutboxEntry.learner_id == learner_id).order_by(col(OutboxEntry.id))
            ).all()
            reviews = s.exec(
                select(AnswerReview)
                .where(AnswerReview.learner_id == learner_id)
                .order_by(col(AnswerReview.id))
            ).all()
            decisions = s.exec(
                select(ReviewDecision)
                .join(AnswerReview, col(AnswerReview.id) == col(ReviewDecision.review_id))
                .where(AnswerReview.learner_id == learner_id)
                .order_by(col(ReviewDecision.id))
            ).all()
            by_review: dict[int, list[dict]] = {}
            for d in decisions:
                # the decision, without which instructor made it: that is the instructor's data
                by_review.setdefault(d.review_id, []).append(
                    d.model_dump(mode="json", exclude={"reviewer_id"})
                )
            return {
                "learner": learner.model_dump(mode="json"),
                "attempts": [a.model_dump(mode="json") for a in attempts],
                "progress": [p.model_dump(mode="json", exclude={"card"}) for p in progress],
                # their own askings, in their words; nothing about other askers of a merged question
                "questions_forwarded": [
                    {
                        "id": item.id,
                        "text": ask.text,
                        "asked_at": ask.model_dump(mode="json", include={"asked_at"})["asked_at"],
                        "times": ask.times,
                        "closest": json.loads(item.closest),
                        "status": item.status,
                        "answer": item.answer,
                        "answered_at": item.model_dump(mode="json", include={"answered_at"})["answered_at"],
                    }
                    for ask, item in asks
                ],
                "conversation": [t.model_dump(mode="json") for t in turns],
                # their outbox, by kind, under the keys it had before it was one table
                "notifications": [_outbox_json(e) for e in owed if e.kind == ANSWER],
                "answer_reviews": [
                    {**r.model_dump(mode="json"), "decisions": by_review.get(r.id or 0, [])} for r in reviews
                ],
                "review_notices": [_outbox_json(e) for e in owed if e.kind == REVIEW],
            }

    def forget_learner(self, learner_id: int) -> int:
        """Delete everything about a learner; returns how many attempts went. Rounds they started stay, unowned."""
        with Session(self.engine) as s:
            n = len(s.exec(select(Attempt.id).where(Attempt.learner_id == learner_id)).all())
            # their outbox goes; the reviews of their answers, with their audit, go with the answers; decisions
            # they made as an instructor stay, unsigned (as an inbox answer does)
            mine = select(AnswerReview.id).where(AnswerReview.learner_id == learner_id)
            s.exec(delete(OutboxEntry).where(col(OutboxEntry.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ReviewDecision).where(col(ReviewDecision.review_id).in_(mine)))  # type: ignore[call-overload]
            s.exec(delete(AnswerReview).where(col(AnswerReview.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(
                update(ReviewDecision)
                .where(col(ReviewDecision.reviewer_id) == learner_id)  # type: ignore[call-overload]
                .values(reviewer_id=None)
            )
            s.exec(delete(Attempt).where(col(Attempt.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(ConceptProgress).where(col(ConceptProgress.learner_id) == learner_id))
            s.exec(delete(ClassStanding).where(col(ClassStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(WeeklyStanding).where(col(WeeklyStanding.learner_id) == learner_id))  # type: ignore[call-overload]
            forget_asker(s, learner_id)
            s.exec(delete(ConversationTurn).where(col(ConversationTurn.learner_id) == learner_id))  # type: ignore[call-overload]
            for who in ("answered_by", "dismissed_by"):
                s.exec(
                    update(InboxQuestion)
                    .where(col(getattr(InboxQuestion, who)) == learner_id)  # type: ignore[call-overload]
                    .values({who: None})
                )
            s.exec(
                update(InstructorPassage)
                .where(col(InstructorPassage.author_id) == learner_id)  # type: ignore[call-overload]
                .values(author_id=None)
            )
            s.exec(
                update(QuizSession)
                .where(col(QuizSession.created_by) == learner_id)  # type: ignore[call-overload]
                .values(created_by=None)
            )
            s.exec(delete(QuizSession).where(col(QuizSession.learner_id) == learner_id))  # type: ignore[call-overload]
            s.exec(delete(Learner).where(col(Learner.id) == learner_id))  # type: ignore[call-overload]
            s.commit()
            return n
