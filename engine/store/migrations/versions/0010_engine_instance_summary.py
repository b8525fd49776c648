"""the plain top-level data fields of a case, searchable without deserializing its state

Revision ID: 0010_engine
Revises: 0009_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_engine"
down_revision = "0009_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_column("summary")
