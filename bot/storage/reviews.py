"""Instructor review of open-ended answers: the queue of answers the grader was unsure of, decisions applied
in one transaction (re-scored attempt, standings, progress replayed by bot.progress.concept), their audit,
the notices to learners (left in the outbox), and the instructors' labels the grader is calibrated on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.progress.concept import Rate, replay
from bot.storage.base import StoreBase, as_utc, table_of
from bot.storage.boards import monday_of
from bot.storage.models import (
    AnswerReview,
    Attempt,
    ClassRoom,
    ClassStanding,
    ConceptProgress,
    Learner,
    OutboxEntry,
    QuizSession,
    ReviewDecision,
    WeeklyStanding,
)
from bot.storage.outbox import REVIEW


@dataclass(frozen=True)
class Provisional:
    """An open-ended attempt the grader was unsure of, queued for an instructor with the attempt."""

    rubric_size: int
    verdicts: tuple[str, ...]  # per rubric point: covered | contradicted | absent
    doubts: tuple[str, ...]
    covered: tuple[int, ...]  # 0-based


@dataclass(frozen=True)
class ReviewItem:
    """A queued answer with its attempt, its learner and the session it was put in (for hints used)."""

    review: AnswerReview
    attempt: Attempt
    learner: Learner
    session: QuizSession | None


@dataclass(frozen=True)
class DecisionRow:
    """One audited /review-answers decision, as exported."""

    decision_id: int
    review_id: int
    platform: str
    workspace: str
    user_id: str
    question_id: str
    action: str
    old_score: float
    new_score: float
    old_points: int
    new_points: int
    covered: str
    comment: str
    reviewer: str  # the instructor's user id ("" once they asked to be forgotten)
    at: datetime


class ReviewStore(StoreBase):
    """Answer reviews and their decisions (the notices to learners are in the outbox)."""

    def review_queue(
        self, platform: str, workspace: str, status: str = "pending", limit: int = 50
    ) -> tuple[list[ReviewItem], int]:
        """Queued answers of one workspace's learners, oldest first (up to `limit`), and how many there are."""
        where = (
            AnswerReview.status == status,
            Learner.platform == platform,
            Learner.workspace == workspace,
        )
        with Session(self.engine, expire_on_commit=False) as s:
            total = s.exec(
                select(func.count())
                .select_from(AnswerReview)
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .where(*where)
            ).one()
            rows = s.exec(
                select(AnswerReview, Attempt, Learner)
                .join(Attempt, col(Attempt.id) == col(AnswerReview.attempt_id))
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .where(*where)
                .order_by(col(AnswerReview.id))
                .limit(limit)
            ).all()
            sessions = {
                q.id: q
                for q in s.exec(
                    select(QuizSession).where(col(QuizSession.id).in_([a.session_id for _, a, _ in rows]))
                )
            }
        items = [ReviewItem(r, a, ln, sessions.get(a.session_id)) for r, a, ln in rows]
        return items, int(total)

    def review_item(self, review_id: int) -> ReviewItem | None:
        with Session(self.engine, expire_on_commit=False) as s:
            review = s.get(AnswerReview, review_id)
            if review is None:
                return None
            attempt = s.get(Attempt, review.attempt_id)
            learner = s.get(Learner, review.learner_id)
            if attempt is None or learner is None:
                return None
            return ReviewItem(review, attempt, learner, s.get(QuizSession, attempt.session_id))

    def decide_review(
        self,
        item: ReviewItem,
        *,
        action: str,
        reviewer_id: int,
        score: float,
        correct: bool,
        points: int,
        covered: list[int],
        comment: str,
        notice: str,
        now: datetime,
        rate: Rate,
        zone: str = "UTC",
    ) -> ReviewDecision | None:
        """Apply an instructor's decision on a queued answer in one transaction: the review's grade, and on a
        re-score the attempt's score, correctness and points, the learner's standings (all time and the week
        the answer counted in) and their progress on the concept (mastery and the review schedule replayed
        from every attempt on it, in order); the audit row; the notice to the learner, in their outbox. None when
        the item changed since `item` was read (another instructor decided first): nothing is applied then."""
        reviews, attempts, progress_t = table_of(AnswerReview), table_of(Attempt), table_of(ConceptProgress)
        attempt = item.attempt
        status = "accepted" if action == "accept" else "overridden"
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(reviews)
                .where(reviews.c.id == item.review.id, reviews.c.version == item.review.version)
                .values(
                    status=status,
                    score=score,
                    covered=json.dumps(covered),
                    version=reviews.c.version + 1,
                )
            )
            if not moved.rowcount:
                return None
            d_points, d_correct = points - attempt.points, int(correct) - int(attempt.correct)
            if (score, correct, points) != (attempt.score, attempt.correct, attempt.points):
                conn.execute(
                    update(attempts)
                    .where(attempts.c.id == attempt.id)
                    .values(score=score, correct=correct, points=points)
                )
            # progress before standings, as record_attempt locks them: two transactions never wait on each other
            if score != attempt.score or correct != attempt.correct:
                key = (
                    progress_t.c.learner_id == attempt.learner_id,
                    progress_t.c.concept_id == attempt.concept_id,
                )
                locked = conn.execute(select(progress_t.c.attempts).where(*key).with_for_update()).first()
                if locked is not None:
                    history = conn.execute(
                        select(
                            attempts.c.question_id,
                            attempts.c.correct,
                            attempts.c.score,
                            attempts.c.answered_at,
                        )
                        .where(
                            attempts.c.learner_id == attempt.learner_id,
                            attempts.c.concept_id == attempt.concept_id,
                        )
                        .order_by(attempts.c.id)
                    ).all()
                    replayed = replay(((q, bool(ok), sc, as_utc(at)) for q, ok, sc, at in history), rate)
                    conn.execute(
                        update(progress_t)
                        .where(*key)
                        .values(
                            mastery=replayed.mastery,
                            card=replayed.card,
                            due=replayed.due,
                            correct=replayed.correct,
                        )
                    )
            if d_points or d_correct:
                tally = {"points": d_points, "correct": d_correct}
                standing_t = table_of(ClassStanding)
                conn.execute(
                    update(standing_t)
                    .where(
                        standing_t.c.learner_id == attempt.learner_id,
                        standing_t.c.class_id == (attempt.class_id or 0),
                    )
                    .values(**{k: standing_t.c[k] + v for k, v in tally.items()})
                )
                if attempt.class_id is not None:
                    weekly_t, rooms = table_of(WeeklyStanding), table_of(ClassRoom)
                    tz = conn.execute(select(rooms.c.timezone).where(rooms.c.id == attempt.class_id)).scalar()
                    # the week the answer counted in, in the class's zone now (as rebuild_weekly_standings counts
                    # it); were the zone changed since and that week's row missing, there is nothing to move
                    conn.execute(
                        update(weekly_t)
                        .where(
                            weekly_t.c.class_id == attempt.class_id,
                            weekly_t.c.week == monday_of(attempt.answered_at, tz or zone),
                            weekly_t.c.learner_id == attempt.learner_id,
                        )
                        .values(**{k: weekly_t.c[k] + v for k, v in tally.items()})
                    )
            decision_t = table_of(ReviewDecision)
            values: dict[str, Any] = {
                "review_id": item.review.id,
                "reviewer_id": reviewer_id,
                "action": action,
                "old_score": attempt.score,
                "new_score": score,
                "old_points": attempt.points,
                "new_points": points,
                "covered": json.dumps(covered),
                "comment": comment[:1000],
                "at": now,
            }
            decision_id = conn.execute(
                insert(decision_t).values(**values).returning(decision_t.c.id)
            ).scalar()
            conn.execute(
                insert(table_of(OutboxEntry)).values(
                    learner_id=attempt.learner_id,
                    kind=REVIEW,
                    ref_id=decision_id,
                    question="",
                    text=notice[:4000],
                    created_at=now,
                )
            )
        return ReviewDecision(id=decision_id, **values)

    def review_decisions(self, review_id: int) -> list[ReviewDecision]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(
                s.exec(
                    select(ReviewDecision)
                    .where(ReviewDecision.review_id == review_id)
                    .order_by(col(ReviewDecision.id))
                )
            )

    def export_review_decisions(self) -> Iterator[DecisionRow]:
        """Every /review-answers decision, oldest first, with the learner and the instructor."""
        reviewer = aliased(Learner)
        with Session(self.engine) as s:
            stmt = (
                select(  # type: ignore[call-overload]
                    ReviewDecision.id,
                    ReviewDecision.review_id,
                    Learner.platform,
                    Learner.workspace,
                    Learner.user_id,
                    AnswerReview.question_id,
                    ReviewDecision.action,
                    ReviewDecision.old_score,
                    ReviewDecision.new_score,
                    ReviewDecision.old_points,
                    ReviewDecision.new_points,
                    ReviewDecision.covered,
                    ReviewDecision.comment,
                    reviewer.user_id,
                    ReviewDecision.at,
                )
                .join(AnswerReview, col(AnswerReview.id) == col(ReviewDecision.review_id))
                .join(Learner, col(Learner.id) == col(AnswerReview.learner_id))
                .outerjoin(reviewer, col(reviewer.id) == col(ReviewDecision.reviewer_id))
                .order_by(col(ReviewDecision.id))
            )
            for (
                did,
                rid,
                platform,
                workspace,
                user,
                qid,
                action,
                o_s,
                n_s,
                o_p,
                n_p,
                cov,
                note,
                who,
                at,
            ) in s.exec(stmt):
                yield DecisionRow(
                    did,
                    rid,
                    platform,
                    workspace,
                    user,
                    qid,
                    action,
                    o_s,
                    n_s,
                    o_p,
                    n_p,
                    cov,
                    note,
                    who or "",
                    at,
                )

    def instructor_labels(self) -> list[tuple[AnswerReview, str, list[int]]]:
        """Answers an instructor re-scored: (the review, the answer, the rubric points of the latest re-score),
        oldest first. The calibration set of the grader: the points are an instructor's, not the grader's."""
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(
                select(AnswerReview, Attempt.response, ReviewDecision.covered)
                .join(Attempt, col(Attempt.id) == col(AnswerReview.attempt_id))
                .join(ReviewDecision, col(ReviewDecision.review_id) == col(AnswerReview.id))
                .where(ReviewDecision.action == "override")
                .order_by(col(AnswerReview.id), col(ReviewDecision.id))
            ).all()
        latest: dict[int, tuple[AnswerReview, str, list[int]]] = {}
        for review, response, covered in rows:
            latest[review.id or 0] = (review, response, json.loads(covered))
        return list(latest.values())
