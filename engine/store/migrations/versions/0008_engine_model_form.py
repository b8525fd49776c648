"""forms a deployed model carries itself, keyed by the digest of their schema

Revision ID: 0008_engine
Revises: 0007_engine
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_engine"
down_revision = "0007_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_form",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_model_form")),
    )


def downgrade() -> None:
    op.drop_table("model_form")
