"""what the reports read: when an opportunity was created, last moved and closed; a contact's role

Revision ID: 0005_crm
Revises: 0004_crm
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_crm"
down_revision = "0004_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_opportunity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_crm_opportunity_stage_changed_at"), ["stage_changed_at"])
    with op.batch_alter_table("crm_contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_contact", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("crm_opportunity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_opportunity_stage_changed_at"))
        batch_op.drop_column("closed_at")
        batch_op.drop_column("stage_changed_at")
        batch_op.drop_column("created_at")
