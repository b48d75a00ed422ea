"""Leaderboards without scans: attempt.class_id with a (class_id, answered_at) index, and class_standing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

The weekly leaderboard joined every attempt to its quiz session to find the class; the all-time one summed
every attempt. Both took seconds at a million attempts. The class is now copied onto each attempt, and
points per learner and class are kept in class_standing. Existing rows are backfilled from the attempts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("class_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_attempt_class_time", ["class_id", "answered_at"], unique=False)
    op.execute(
        "UPDATE attempt SET class_id = (SELECT quiz_session.class_id FROM quiz_session "
        "WHERE quiz_session.id = attempt.session_id)"
    )
    op.create_table(
        "class_standing",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("learner_id", "class_id"),
    )
    op.execute(
        "INSERT INTO class_standing (learner_id, class_id, points, correct, answers) "
        "SELECT learner_id, COALESCE(class_id, 0), SUM(points), "
        "SUM(CASE WHEN correct THEN 1 ELSE 0 END), COUNT(*) FROM attempt GROUP BY learner_id, COALESCE(class_id, 0)"
    )


def downgrade() -> None:
    op.drop_table("class_standing")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_class_time")
        batch_op.drop_column("class_id")
