"""Alembic environment: runs migrations on the engine handed over by `storage.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

engine = context.config.attributes.get("engine")
# The migrations say what to create; the tables' metadata (`mlcontinuum.slices.metadata()`) is
# only needed to compare the two, and the caller hands it over then.
metadata = context.config.attributes.get("metadata")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `continuum db upgrade`, not the alembic command")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
