"""Weekly standings, and boards read from the top: points per class, week and learner, kept with each attempt.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

The weekly leaderboard summed a class's attempts since Monday. Even from a covering index that read every
answer of the week (50-65 ms for a busy class at a million attempts). The tutor now adds each attempt made in
a class to a row per (class, week, learner), as it does for the all-time standings, and the board reads one
row per learner. Existing attempts are backfilled here: each is counted in the week that starts Monday in its
class's time zone (TUTOR_TIMEZONE, or UTC, for a class without one), exactly as the tutor counts new ones.

Both class boards (weekly and all time) are then read best first through a (class, [week,] points, correct)
index: the first ten ranks cost a few index reads, not a sort of the whole class. Hidden learners are found
through an index on learner.privacy.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bot.storage.repo import rebuild_weekly_standings

    op.create_table(
        "weekly_standing",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("class_id", "week", "learner_id"),
    )
    op.create_index("ix_weekly_standing_learner_id", "weekly_standing", ["learner_id"], unique=False)
    op.create_index(
        "ix_weekly_standing_board", "weekly_standing", ["class_id", "week", "points", "correct"], unique=False
    )
    op.create_index(
        "ix_class_standing_board", "class_standing", ["class_id", "points", "correct"], unique=False
    )
    op.create_index("ix_learner_privacy", "learner", ["privacy"], unique=False)

    rebuild_weekly_standings(op.get_bind(), os.environ.get("TUTOR_TIMEZONE", "").strip() or "UTC")


def downgrade() -> None:
    op.drop_index("ix_learner_privacy", table_name="learner")
    op.drop_index("ix_class_standing_board", table_name="class_standing")
    op.drop_index("ix_weekly_standing_board", table_name="weekly_standing")
    op.drop_index("ix_weekly_standing_learner_id", table_name="weekly_standing")
    op.drop_table("weekly_standing")
