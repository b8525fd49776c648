"""a task's name in Chinese, from its element's nameZh property

Revision ID: 0012_engine
Revises: 0011_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_engine"
down_revision = "0011_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("name_zh")
