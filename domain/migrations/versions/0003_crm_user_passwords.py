"""user passwords for signing in to the pages

Revision ID: 0003_crm
Revises: 0002_crm
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_crm"
down_revision = "0002_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_user", schema=None) as batch_op:
        batch_op.drop_column("password_hash")
