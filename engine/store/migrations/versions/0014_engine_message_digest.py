"""a message receipt keeps a digest of what was sent (name, target, data), so a reused message id with other
contents is refused instead of answered as a repeat

Revision ID: 0014_engine
Revises: 0013_engine
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_engine"
down_revision = "0013_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_receipt", schema=None) as batch_op:
        batch_op.drop_column("digest")
