"""The CRM records, in the engine's database (their own Alembic branch, domain/migrations/)."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, MetaData, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine import NAMING, UTCDateTime

Money = Numeric(14, 2)
R = TypeVar("R")


def record_of(session: Any, record: type[R], record_id: int, lock: bool = False) -> R:
    """The record of a kind with this id (`lock`: its row locked until the command ends, so a second decision on it
    waits for the first). :raises LookupError: none (a service's incident names it: "weekly report 7 does not exist")"""
    found = session.get(record, record_id, with_for_update=True) if lock else session.get(record, record_id)
    if found is None:
        raise LookupError(f"{re.sub(r'(?<!^)(?=[A-Z])', ' ', record.__name__).lower()} {record_id} does not exist")
    return found


# Where customers and staff are, and what customers do: the CRM's own words for them, in both languages.
REGIONS = {"east": ("East", "华东"), "north": ("North", "华北"), "south": ("South", "华南"), "west": ("West", "西部")}
INDUSTRIES = {"manufacturing": ("Manufacturing", "制造业"), "retail": ("Retail", "零售"),
              "energy": ("Energy", "能源"), "services": ("Services", "服务业")}
# The customer's class (tier): what the decision tables read for payment terms, the credit block and the SLA.
CUSTOMER_CLASSES = {"strategic": ("Strategic", "战略客户"), "key": ("Key account", "重点客户"),
                    "standard": ("Standard", "普通客户"), "watch": ("On watch", "观察客户")}


class Record(DeclarativeBase):
    """Declarative base of the CRM pack's tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, Decimal: Money}


class User(Record):
    """A member of staff: who tasks can go to, with the region they cover."""

    __tablename__ = "crm_user"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(256))
    region: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # staff, analyst, manager, admin
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))  # for the pages; None: token only


class ApiToken(Record):
    """An API token; only its SHA-256 is stored, so a leaked database leaks no usable token."""

    __tablename__ = "crm_api_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("crm_user.username"), index=True)
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()  # None: the well-known demo tokens only
    revoked_at: Mapped[datetime | None] = mapped_column()


class WebSession(Record):
    """A signed-in page session, kept on the server so sign-out, deactivation and a new password end it.

    The browser holds only a random id (in the signed cookie); the database holds its SHA-256.
    """

    __tablename__ = "crm_web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("crm_user.username"), index=True)
    credential_stamp: Mapped[str] = mapped_column(String(32))  # changes when the password does
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class PasswordLink(Record):
    """A one-time, expiring link to set a password, mailed to the user; only its SHA-256 is stored."""

    __tablename__ = "crm_password_link"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("crm_user.username"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class SigninFailure(Record):
    """A failed sign-in, by user name and address: what sign-in throttling counts."""

    __tablename__ = "crm_signin_failure"
    __table_args__ = (Index("ix_crm_signin_failure_username", "username", "at"),
                      Index("ix_crm_signin_failure_address", "address", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()


class Group(Record):
    """A team that works a lane (sales, finance, credit_manager ...)."""

    __tablename__ = "crm_group"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(128))
    name_zh: Mapped[str] = mapped_column(String(128))


class Membership(Record):
    """User in group."""

    __tablename__ = "crm_membership"

    username: Mapped[str] = mapped_column(ForeignKey("crm_user.username"), primary_key=True)
    group_key: Mapped[str] = mapped_column(ForeignKey("crm_group.key"), primary_key=True)


class AssignmentRule(Record):
    """Within a group, who gets a task: by region and/or industry, else the group's default user."""

    __tablename__ = "crm_assignment_rule"
    __table_args__ = (Index("ix_crm_assignment_rule_group", "group_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(ForeignKey("crm_group.key"))
    region: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(ForeignKey("crm_user.username"))


class Customer(Record):
    """A customer, with the credit and payment terms the control points watch."""

    __tablename__ = "crm_customer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    region: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, active, rejected
    credit_limit: Mapped[Decimal] = mapped_column(default=Decimal(0))
    credit_used: Mapped[Decimal] = mapped_column(default=Decimal(0))
    payment_terms: Mapped[str] = mapped_column(String(16), default="net30")  # prepayment, net30, net60
    customer_class: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    owner: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    # The credit limit the last completed approval set, by whom, in which case: a credit limit that differs
    # from it was changed outside any process (conformance lists it).
    approved_credit_limit: Mapped[Decimal | None] = mapped_column()
    credit_approved_by: Mapped[str | None] = mapped_column(String(64))
    credit_approved_in: Mapped[str | None] = mapped_column(String(36))  # the approving case's instance id
    credit_approved_at: Mapped[datetime | None] = mapped_column()


class Contact(Record):
    """A person at a customer."""

    __tablename__ = "crm_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(24))  # decision_maker, influencer, buyer, user (see forms.ROLES)


class Lead(Record):
    """A sales lead from capture to conversion."""

    __tablename__ = "crm_lead"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(256), index=True)
    phone: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))  # web, fair, referral, cold_call, partner
    region: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="new")  # new, merged, qualified, converted, disqualified
    owner: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    opportunity_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)  # reports read a period


class Opportunity(Record):
    """A sales opportunity in the pipeline."""

    __tablename__ = "crm_opportunity"
    # Stage first: the open stages are few rows however many deals were ever closed (stalled, forecast).
    __table_args__ = (Index("ix_crm_opportunity_stage_changed", "stage", "stage_changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(24), default="qualification")
    amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    probability: Mapped[int] = mapped_column(Integer, default=10)
    expected_close: Mapped[str | None] = mapped_column(String(10))  # ISO date
    owner: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(index=True)
    stage_changed_at: Mapped[datetime | None] = mapped_column()  # stalled: no move for weeks
    closed_at: Mapped[datetime | None] = mapped_column(index=True)  # won or lost


class Quote(Record):
    """A quote; its price is only what an approved revision says."""

    __tablename__ = "crm_quote"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column()


class QuoteRevision(Record):
    """One priced revision of a quote."""

    __tablename__ = "crm_quote_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("crm_quote.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column()
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()


class Order(Record):
    """A sales order; released to the factory only past the control points."""

    __tablename__ = "crm_order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, held, released
    hold_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    released_at: Mapped[datetime | None] = mapped_column()


class Payment(Record):
    """Money received from a customer (for an order, or on account)."""

    __tablename__ = "crm_payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column()
    reference: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column()


class Complaint(Record):
    """A customer complaint with its SLA."""

    __tablename__ = "crm_complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    product: Mapped[str | None] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(16))  # low, medium, high, critical
    sla_due_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, resolved, closed
    resolution: Mapped[str | None] = mapped_column(Text)
    compensation: Mapped[Decimal | None] = mapped_column()
    root_cause: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    # When it was closed: against sla_due_at, whether it was closed late (None: still open, or closed before
    # crmflow kept this — the SLA report cannot tell those apart from on time and does not count them late).
    closed_at: Mapped[datetime | None] = mapped_column()


class Notification(Record):
    """A message in a user's inbox (alerts, reminders, escalations)."""

    __tablename__ = "crm_notification"
    __table_args__ = (Index("ix_crm_notification_user_read", "username", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # alert, reminder, escalation, info
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()


class Activity(Record):
    """A visit or call a salesperson logged with a customer (the weekly report counts the visits)."""

    __tablename__ = "crm_activity"
    __table_args__ = (Index("ix_crm_activity_owner_at", "owner", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    owner: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="visit")  # visit, call
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)


class Forecast(Record):
    """One salesperson's forecast for one month, from the request to the comparison with the deals won in it.

    Status: requested, submitted, met (within the threshold), explain (above it: a reason is asked for), explained,
    accepted or rejected (the sales manager's decision on the reason).
    """

    __tablename__ = "crm_forecast"
    __table_args__ = (Index("ix_crm_forecast_owner_period", "owner", "period", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7), index=True)  # 2027-01
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    instance_id: Mapped[str | None] = mapped_column(String(36))
    requested_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    pipeline: Mapped[Decimal] = mapped_column(default=Decimal(0))  # open deals closing in the period, weighted
    pipeline_deals: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal | None] = mapped_column()
    deals: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column()
    actual: Mapped[Decimal | None] = mapped_column()  # won in the period, once it closed
    won_deals: Mapped[int | None] = mapped_column(Integer)
    deviation: Mapped[float | None] = mapped_column()  # |actual - forecast| / forecast
    threshold: Mapped[float | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="requested")
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_comment: Mapped[str | None] = mapped_column(Text)


class WeeklyReport(Record):
    """A salesperson's report on one week (the CRM's figures, their plan for the next) and its review."""

    __tablename__ = "crm_weekly_report"
    __table_args__ = (Index("ix_crm_weekly_report_owner_week", "owner", "week", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10), index=True)  # the Monday, 2026-11-30
    instance_id: Mapped[str | None] = mapped_column(String(36))
    requested_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    new_customers: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    deals_signed: Mapped[int] = mapped_column(Integer, default=0)
    signed_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    plan: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_comment: Mapped[str | None] = mapped_column(Text)
