"""one open case per business key and process; the idempotency key a case was started with

Revision ID: 0005_engine
Revises: 0004_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_engine"
down_revision = "0004_engine"
branch_labels = None
depends_on = None

OPEN = sa.text("ended_at IS NULL AND business_key IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_key", sa.String(length=128), nullable=True))
    op.create_index("uq_instance_open_business_key", "instance", ["process_key", "business_key"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("uq_instance_open_business_key", table_name="instance")
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_column("start_key")
