"""customer class (the tier the decision tables read: payment terms, credit block, complaint SLA)

Revision ID: 0011_crm
Revises: 0010_crm
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_crm"
down_revision = "0010_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_customer") as batch:
        batch.add_column(sa.Column("customer_class", sa.String(length=16), nullable=False,
                                   server_default="standard"))


def downgrade() -> None:
    with op.batch_alter_table("crm_customer") as batch:
        batch.drop_column("customer_class")
