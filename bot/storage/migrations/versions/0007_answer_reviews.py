"""Instructor review of open-ended answers: the queue, the audit of every decision, and the notices to learners.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

An open-ended answer the grader is unsure of is recorded as graded and queued in `answer_review`; an
instructor accepts or re-scores it (/review-answers). Every decision is kept in `review_decision` (who, when,
the score and points before and after, the comment); the learner is told through `review_notice`, which a
worker marks as taken when it sends it. New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rubric_size", sa.Integer(), nullable=False),
        sa.Column("verdicts", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("doubts", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("graded_score", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("covered", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id"),
    )
    op.create_index("ix_answer_review_learner_id", "answer_review", ["learner_id"], unique=False)
    op.create_index("ix_answer_review_status", "answer_review", ["status"], unique=False)
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("old_score", sa.Float(), nullable=False),
        sa.Column("new_score", sa.Float(), nullable=False),
        sa.Column("old_points", sa.Integer(), nullable=False),
        sa.Column("new_points", sa.Integer(), nullable=False),
        sa.Column("covered", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["answer_review.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_decision_review_id", "review_decision", ["review_id"], unique=False)
    op.create_table(
        "review_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["review_decision.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_notice_learner_id", "review_notice", ["learner_id"], unique=False)
    op.create_index("ix_review_notice_pending", "review_notice", ["delivered_at", "learner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_notice_pending", table_name="review_notice")
    op.drop_index("ix_review_notice_learner_id", table_name="review_notice")
    op.drop_table("review_notice")
    op.drop_index("ix_review_decision_review_id", table_name="review_decision")
    op.drop_table("review_decision")
    op.drop_index("ix_answer_review_status", table_name="answer_review")
    op.drop_index("ix_answer_review_learner_id", table_name="answer_review")
    op.drop_table("answer_review")
