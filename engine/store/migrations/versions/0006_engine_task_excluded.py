"""four eyes: the people a task may not go to (its case's requester, earlier approvers)

Revision ID: 0006_engine
Revises: 0005_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_engine"
down_revision = "0005_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("excluded", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("excluded")
