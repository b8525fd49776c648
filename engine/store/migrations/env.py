"""Alembic environment: run with the connection the Store hands over (engine/store/database.py)."""
from alembic import context

from engine.store.tables import Base

config = context.config
connection = config.attributes["connection"]
# A pack generating its own revisions passes its metadata and a filter for its table names.
context.configure(connection=connection, render_as_batch=True,
                  target_metadata=config.attributes.get("target_metadata", Base.metadata),
                  include_name=config.attributes.get("include_name"))
with context.begin_transaction():
    context.run_migrations()
