"""Alembic environment: runs on the connection clearance hands it (see store._engine)."""

from __future__ import annotations

from alembic import context

from clearance.store._tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
