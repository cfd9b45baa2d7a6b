"""stage history: kind, audience and notified get columns (reasons keeps only reasons);
the rollback drill's and the probes' leftover sentinel rows leave user data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_MOVED = ("kind", "audience", "notified")
_DRILL = "__rollback_drill__"
_PROBE = "__probe__"

_stages = sa.table(
    "rollout_stages",
    sa.column("id", sa.Integer),
    sa.column("rollout_id", sa.Integer),
    sa.column("reasons", sa.JSON),
    sa.column("kind", sa.String),
    sa.column("audience", sa.String),
    sa.column("notified", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("rollout_stages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("audience", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("notified", sa.JSON(), nullable=True))
    bind = op.get_bind()
    for row_id, reasons in bind.execute(sa.select(_stages.c.id, _stages.c.reasons)).all():
        details = _loaded(reasons)
        rest = {k: v for k, v in details.items() if k not in _MOVED}
        bind.execute(
            _stages.update()
            .where(_stages.c.id == row_id)
            .values(
                kind=details.get("kind"),
                audience=str(details.get("audience") or "everyone"),
                notified=list(details.get("notified") or []),
                reasons=rest,
            )
        )
    with op.batch_alter_table("rollout_stages", schema=None) as batch_op:
        batch_op.alter_column("audience", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("notified", existing_type=sa.JSON(), nullable=False)
    _remove_sentinels(bind)


def downgrade() -> None:
    bind = op.get_bind()
    query = sa.select(
        _stages.c.id, _stages.c.reasons, _stages.c.kind, _stages.c.audience, _stages.c.notified
    )
    for row_id, reasons, kind, audience, notified in bind.execute(query).all():
        moved = {"kind": kind, "audience": audience, "notified": list(notified or [])}
        merged = {**moved, **_loaded(reasons)}
        bind.execute(_stages.update().where(_stages.c.id == row_id).values(reasons=merged))
    with op.batch_alter_table("rollout_stages", schema=None) as batch_op:
        batch_op.drop_column("notified")
        batch_op.drop_column("audience")
        batch_op.drop_column("kind")


def _loaded(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def _remove_sentinels(bind: sa.Connection) -> None:
    """Drill releases (with their rollouts) and probe events earlier versions left."""
    releases = sa.table("releases", sa.column("id", sa.Integer), sa.column("name", sa.String))
    rollouts = sa.table(
        "rollouts", sa.column("id", sa.Integer), sa.column("release_id", sa.Integer)
    )
    events = sa.table("telemetry_events", sa.column("release", sa.String))
    drills = sa.select(releases.c.id).where(releases.c.name.startswith(_DRILL, autoescape=True))
    ids = [row_id for (row_id,) in bind.execute(drills).all()]
    if ids:
        of_drills = sa.select(rollouts.c.id).where(rollouts.c.release_id.in_(ids))
        bind.execute(_stages.delete().where(_stages.c.rollout_id.in_(of_drills)))
        bind.execute(rollouts.delete().where(rollouts.c.release_id.in_(ids)))
        bind.execute(releases.delete().where(releases.c.id.in_(ids)))
    bind.execute(events.delete().where(events.c.release == _PROBE))
