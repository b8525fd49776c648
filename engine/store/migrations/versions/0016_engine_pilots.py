"""pilots: a version tried for chosen regions or groups before it is current; a draft's proposed pilot

Revision ID: 0016_engine
Revises: 0015_engine
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_engine"
down_revision = "0015_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pilot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(length=128), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["process_key"], ["process.key"], name=op.f("fk_pilot_process_key_process")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot")),
    )
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilot_process_key"), ["process_key"], unique=False)
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_pilot", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("proposed_pilot")
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_process_key"))
    op.drop_table("pilot")
