"""indexes for reports over a period: leads, opportunities and complaints by date; open opportunities by stage

Revision ID: 0007_crm
Revises: 0006_crm
Create Date: 2026-11-24
"""
from alembic import op

revision = "0007_crm"
down_revision = "0006_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_lead", schema=None) as batch_op:
        batch_op.create_index("ix_crm_lead_created_at", ["created_at"])
    with op.batch_alter_table("crm_opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_opportunity_stage_changed_at")
        batch_op.create_index("ix_crm_opportunity_stage_changed", ["stage", "stage_changed_at"])
        batch_op.create_index("ix_crm_opportunity_created_at", ["created_at"])
        batch_op.create_index("ix_crm_opportunity_closed_at", ["closed_at"])
    with op.batch_alter_table("crm_complaint", schema=None) as batch_op:
        batch_op.create_index("ix_crm_complaint_created_at", ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("crm_complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_complaint_created_at")
    with op.batch_alter_table("crm_opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_opportunity_closed_at")
        batch_op.drop_index("ix_crm_opportunity_created_at")
        batch_op.drop_index("ix_crm_opportunity_stage_changed")
        batch_op.create_index("ix_crm_opportunity_stage_changed_at", ["stage_changed_at"])
    with op.batch_alter_table("crm_lead", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_lead_created_at")
