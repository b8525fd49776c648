"""one case per start request: the Idempotency-Key of a start is unique per process

Revision ID: 0011_engine
Revises: 0010_engine
Create Date: 2026-11-24
"""
from alembic import op

revision = "0011_engine"
down_revision = "0010_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.create_index("uq_instance_start_key", ["process_key", "start_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_index("uq_instance_start_key")
