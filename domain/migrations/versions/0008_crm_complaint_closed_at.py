"""when a complaint was closed, so the SLA report counts complaints closed late as breaches too

Complaints closed before this revision keep no time: the report counts them neither late nor on time.

Revision ID: 0008_crm
Revises: 0007_crm
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_crm"
down_revision = "0007_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_complaint", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
