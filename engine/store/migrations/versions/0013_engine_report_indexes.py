"""indexes for reports over a period: a process's cases and steps by time, history events by type and time,
open tasks by state first

Revision ID: 0013_engine
Revises: 0012_engine
Create Date: 2026-11-24
"""
from alembic import op

revision = "0013_engine"
down_revision = "0012_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.create_index("ix_instance_process_started", ["process_key", "started_at"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_group_state")
        batch_op.create_index("ix_task_state_group", ["state", "candidate_group"])
        batch_op.create_index("ix_task_process_created", ["process_key", "created_at"])
    with op.batch_alter_table("history_event", schema=None) as batch_op:
        batch_op.drop_index("ix_history_event_type")
        batch_op.create_index("ix_history_event_type_at", ["type", "at"])


def downgrade() -> None:
    with op.batch_alter_table("history_event", schema=None) as batch_op:
        batch_op.drop_index("ix_history_event_type_at")
        batch_op.create_index("ix_history_event_type", ["type"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_process_created")
        batch_op.drop_index("ix_task_state_group")
        batch_op.create_index("ix_task_group_state", ["candidate_group", "state"])
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_index("ix_instance_process_started")
