"""a process version keeps its data dictionary: the names a case holds at each element, with their types

Revision ID: 0015_engine
Revises: 0014_engine
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_engine"
down_revision = "0014_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dictionary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.drop_column("dictionary")
