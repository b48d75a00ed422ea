"""The weekly leaderboard from the index alone: (class_id, answered_at) becomes a covering index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

The weekly leaderboard sums points and right answers per learner over a class's attempts since Monday. With
learner_id, points and correct in the index, the database reads the index range and never the table rows.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempt_class_week",
            ["class_id", "answered_at", "learner_id", "points", "correct"],
            unique=False,
        )
        batch_op.drop_index("ix_attempt_class_time")


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index("ix_attempt_class_time", ["class_id", "answered_at"], unique=False)
        batch_op.drop_index("ix_attempt_class_week")
