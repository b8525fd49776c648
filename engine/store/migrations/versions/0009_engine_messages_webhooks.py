"""messages from outside taken once (message_receipt), webhooks, and outbox retries with backoff

Revision ID: 0009_engine
Revises: 0008_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_engine"
down_revision = "0008_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_receipt",
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("business_key", sa.String(length=128), nullable=True),
        sa.Column("instance_id", sa.String(length=36), nullable=True),
        sa.Column("received_by", sa.String(length=128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_receipt")),
    )
    op.create_index(op.f("ix_message_receipt_instance_id"), "message_receipt", ["instance_id"])
    op.create_table(
        "webhook",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
    op.drop_table("webhook")
    op.drop_index(op.f("ix_message_receipt_instance_id"), table_name="message_receipt")
    op.drop_table("message_receipt")
