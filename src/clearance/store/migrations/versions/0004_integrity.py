"""integrity: telemetry event ids unique per release; incidents confirmed by a reviewer;
server-side dashboard sessions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
"""Names SQLite's unnamed constraints get when batch mode reflects them."""


def _drop_global_event_id_unique() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("telemetry_events_event_id_key", "telemetry_events", type_="unique")
        return
    with op.batch_alter_table("telemetry_events", naming_convention=_NAMES) as batch_op:
        batch_op.drop_constraint("uq_telemetry_events_event_id", type_="unique")


def upgrade() -> None:
    _drop_global_event_id_unique()
    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_telemetry_release_event", ["release", "event_id"])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user", table_name="web_sessions")
    op.drop_table("web_sessions")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("confirmed_by")
    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_telemetry_release_event", type_="unique")
        batch_op.create_unique_constraint("telemetry_events_event_id_key", ["event_id"])
