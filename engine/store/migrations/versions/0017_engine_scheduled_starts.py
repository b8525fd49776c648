"""scheduled starts: each firing of a process's timer start event, taken once

Revision ID: 0017_engine
Revises: 0016_engine
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_engine"
down_revision = "0016_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_start",
        sa.Column("process_key", sa.String(length=128), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("instance_ids", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["process_key"], ["process.key"], name=op.f("fk_scheduled_start_process_key_process")),
        sa.PrimaryKeyConstraint("process_key", "due_at", name=op.f("pk_scheduled_start")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_start")
