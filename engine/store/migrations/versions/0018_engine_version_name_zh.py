"""a process version's name in Chinese, from its process element's nameZh property

Revision ID: 0018_engine
Revises: 0017_engine
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_engine"
down_revision = "0017_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.drop_column("name_zh")
