"""next-version drafts: the newest version of their key when they were copied or rebased

Revision ID: 0007_engine
Revises: 0006_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_engine"
down_revision = "0006_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_seen", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("latest_seen")
