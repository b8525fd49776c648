"""the credit limit the last completed approval set, by whom and in which case

Revision ID: 0006_crm
Revises: 0005_crm
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_crm"
down_revision = "0005_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_credit_limit", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("credit_approved_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("credit_approved_in", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("credit_approved_at", sa.DateTime(timezone=True), nullable=True))
    # Limits set before this revision count as approved as they stand.
    op.execute("UPDATE crm_customer SET approved_credit_limit = credit_limit")


def downgrade() -> None:
    with op.batch_alter_table("crm_customer", schema=None) as batch_op:
        for column in ("credit_approved_at", "credit_approved_in", "credit_approved_by", "approved_credit_limit"):
            batch_op.drop_column(column)
