"""forecasts, weekly reports and logged visits

Revision ID: 0010_crm
Revises: 0009_crm
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_crm"
down_revision = "0009_crm"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "crm_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["crm_customer.id"], name=op.f("fk_crm_activity_customer_id_crm_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_activity")),
    )
    op.create_index(op.f("ix_crm_activity_customer_id"), "crm_activity", ["customer_id"])
    op.create_index("ix_crm_activity_owner_at", "crm_activity", ["owner", "at"])
    op.create_table(
        "crm_forecast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=True),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("pipeline", MONEY, nullable=False),
        sa.Column("pipeline_deals", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("deals", sa.Integer(), nullable=True),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("actual", MONEY, nullable=True),
        sa.Column("won_deals", sa.Integer(), nullable=True),
        sa.Column("deviation", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", WHEN, nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_forecast")),
    )
    op.create_index(op.f("ix_crm_forecast_period"), "crm_forecast", ["period"])
    op.create_index("ix_crm_forecast_owner_period", "crm_forecast", ["owner", "period"], unique=True)
    op.create_table(
        "crm_weekly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=True),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("new_customers", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("deals_signed", sa.Integer(), nullable=False),
        sa.Column("signed_amount", MONEY, nullable=False),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", WHEN, nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_weekly_report")),
    )
    op.create_index(op.f("ix_crm_weekly_report_week"), "crm_weekly_report", ["week"])
    op.create_index("ix_crm_weekly_report_owner_week", "crm_weekly_report", ["owner", "week"], unique=True)


def downgrade() -> None:
    op.drop_table("crm_weekly_report")
    op.drop_table("crm_forecast")
    op.drop_table("crm_activity")
