"""Round messages: where a class round's question was posted, so that closing it updates that message only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_session") as batch:
        batch.add_column(
            sa.Column(
                "message", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_session") as batch:
        batch.drop_column("message")
