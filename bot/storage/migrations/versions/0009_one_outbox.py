"""One outbox: what a learner is owed a message about, in one table for every kind, with one way to send it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

`notification` (0006: an instructor's answer to a learner's question, claimed with a lease that lapses) and
`review_notice` (0007: the outcome of a review of their answer, marked delivered when a worker took it, so a
worker that died before sending lost it) become `outbox`, kind 'answer' or 'review', every kind claimed with a
lease. Every row moves, pending and delivered, in the order it was made: a delivered one stays delivered (it is
not sent again), a pending one stays pending. A review notice a worker had taken counts as delivered, as it did.
Downgrading moves the rows back (a review notice claimed but not yet reported goes back pending: it may be sent
twice, never lost) and drops `outbox`.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_learner_id", "outbox", ["learner_id"], unique=False)
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "claimed_at"], unique=False)
    op.execute(
        "INSERT INTO outbox (learner_id, kind, ref_id, question, text, created_at, claimed_at, delivered_at) "
        "SELECT learner_id, kind, ref_id, question, text, created_at, claimed_at, delivered_at FROM ("
        " SELECT learner_id, 'answer' AS kind, inbox_id AS ref_id, question, answer AS text, created_at,"
        " claimed_at, delivered_at, 0 AS tie, id FROM notification"
        " UNION ALL"
        " SELECT learner_id, 'review', decision_id, '', text, created_at, delivered_at, delivered_at, 1, id"
        " FROM review_notice"
        ") owed ORDER BY created_at, tie, id"
    )
    op.drop_index("ix_notification_pending", table_name="notification")
    op.drop_index("ix_notification_learner_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_review_notice_pending", table_name="review_notice")
    op.drop_index("ix_review_notice_learner_id", table_name="review_notice")
    op.drop_table("review_notice")


def downgrade() -> None:
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
    # an answer about an inbox item that is gone keeps no item (the column may be empty); a review notice
    # needs its decision (the rows of a forgotten learner went with them)
    op.execute(
        "INSERT INTO notification (learner_id, inbox_id, question, answer, created_at, claimed_at, delivered_at) "
        "SELECT o.learner_id, q.id, o.question, o.text, o.created_at, o.claimed_at, o.delivered_at "
        "FROM outbox o LEFT JOIN inbox_question q ON q.id = o.ref_id "
        "WHERE o.kind = 'answer' ORDER BY o.id"
    )
    op.execute(
        "INSERT INTO review_notice (learner_id, decision_id, text, created_at, delivered_at) "
        "SELECT o.learner_id, o.ref_id, o.text, o.created_at, o.delivered_at "
        "FROM outbox o JOIN review_decision d ON d.id = o.ref_id "
        "WHERE o.kind = 'review' ORDER BY o.id"
    )
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index("ix_outbox_learner_id", table_name="outbox")
    op.drop_table("outbox")
