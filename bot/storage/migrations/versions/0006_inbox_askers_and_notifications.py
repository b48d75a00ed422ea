"""An inbox worth reading: duplicates merged with a count, dismissals, and answers told to every asker.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

inbox_question gains `asked` (how many times the question was asked; 1 for every existing row) and who
dismissed it, when. inbox_ask holds each learner's asking of an item, in their own words (each existing
item gets one: its asker's); notification holds what a learner is to be told (an instructor's answer) until
it is delivered.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("dismissed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dismissed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_inbox_question_dismissed_by", "learner", ["dismissed_by"], ["id"])
    op.create_table(
        "inbox_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["inbox_id"], ["inbox_question.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbox_id", "learner_id", name="uq_inbox_ask_once"),
    )
    op.create_index("ix_inbox_ask_learner_id", "inbox_ask", ["learner_id"], unique=False)
    # every item asked so far was asked once, by its learner, in its words (no embedding was kept)
    op.execute(
        "INSERT INTO inbox_ask (inbox_id, learner_id, text, asked_at, times, model) "
        "SELECT id, learner_id, text, asked_at, 1, '' FROM inbox_question"
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["inbox_id"], ["inbox_question.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_learner_id", "notification", ["learner_id"], unique=False)
    op.create_index("ix_notification_pending", "notification", ["delivered_at", "claimed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_pending", table_name="notification")
    op.drop_index("ix_notification_learner_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_inbox_ask_learner_id", table_name="inbox_ask")
    op.drop_table("inbox_ask")
    with op.batch_alter_table("inbox_question", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inbox_question_dismissed_by", type_="foreignkey")
        batch_op.drop_column("dismissed_at")
        batch_op.drop_column("dismissed_by")
        batch_op.drop_column("asked")
