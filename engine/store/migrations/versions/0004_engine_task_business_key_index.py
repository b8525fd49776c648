"""task business key index

Revision ID: 0004_engine
Revises: 0003_engine
Create Date: 2026-11-24
"""
from alembic import op


revision = "0004_engine"
down_revision = "0003_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_business_key"), ["business_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_business_key"))
