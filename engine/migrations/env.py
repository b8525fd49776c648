"""Alembic environment: run with the connection the Store hands over (engine/store.py)."""
from alembic import context

from engine.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
