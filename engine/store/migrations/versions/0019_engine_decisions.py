"""decision tables: the DMN documents a version and a draft carry, by decision id

Revision ID: 0019_engine
Revises: 0018_engine
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_engine"
down_revision = "0018_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("process_version", "draft"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("decisions", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("process_version", "draft"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("decisions")
