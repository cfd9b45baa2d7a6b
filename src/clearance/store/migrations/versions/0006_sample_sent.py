"""sample results keep what was sent: the exact messages and the values planted in them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sample_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sample_results", schema=None) as batch_op:
        batch_op.drop_column("sent")
