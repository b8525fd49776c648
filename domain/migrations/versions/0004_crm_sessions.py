"""server-side page sessions, token expiry and revocation, failed sign-ins for throttling

Revision ID: 0004_crm
Revises: 0003_crm
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_crm"
down_revision = "0003_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("credential_stamp", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["crm_user.username"], name=op.f("fk_crm_web_session_username_crm_user")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_crm_web_session")),
    )
    op.create_index(op.f("ix_crm_web_session_username"), "crm_web_session", ["username"])
    op.create_table(
        "crm_signin_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_signin_failure")),
    )
    op.create_index(op.f("ix_crm_signin_failure_username"), "crm_signin_failure", ["username", "at"])
    op.create_index(op.f("ix_crm_signin_failure_address"), "crm_signin_failure", ["address", "at"])
    with op.batch_alter_table("crm_api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_api_token", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
    op.drop_table("crm_signin_failure")
    op.drop_table("crm_web_session")
