"""one-time set-password links

Revision ID: 0009_crm
Revises: 0008_crm
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_crm"
down_revision = "0008_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_password_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["crm_user.username"],
                                name=op.f("fk_crm_password_link_username_crm_user")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_crm_password_link")),
    )
    op.create_index(op.f("ix_crm_password_link_username"), "crm_password_link", ["username"])


def downgrade() -> None:
    op.drop_table("crm_password_link")
