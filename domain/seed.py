"""Demo data `make run` loads: staff and groups, assignment rules, customers with a quote.

Idempotent: running it again changes nothing that is already there.
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import UnitOfWork

from .directory import ensure_group, ensure_user, issue_token, set_password
from .records import AssignmentRule, Contact, Customer, Quote, QuoteRevision, User

GROUPS = {
    "sales": ("Sales", "销售"), "sales_manager": ("Sales managers", "销售经理"), "finance": ("Finance", "财务"),
    "credit_manager": ("Credit management", "信用管理"), "general_manager": ("General management", "总经理"),
    "service": ("Customer service", "客服"), "service_supervisor": ("Service supervisors", "客服主管"),
}
DEMO_PASSWORD = "demo"  # every demo user signs in to the pages with it
# username: (display name, roles, groups, region)
USERS = {
    "alice": ("Alice Wang 王丽", ["staff"], ["sales"], "east"),
    "bob": ("Bob Li 李波", ["staff"], ["sales"], "south"),
    "carol": ("Carol Zhang 张凯", ["staff", "manager"], ["sales_manager", "sales"], None),
    "maggie": ("Maggie Sun 孙美", ["staff", "manager"], ["sales_manager", "sales"], None),
    "frank": ("Frank Chen 陈帆", ["staff"], ["finance"], None),
    "fiona": ("Fiona Zhou 周菲", ["staff"], ["finance"], None),
    "cathy": ("Cathy Liu 刘婷", ["staff"], ["credit_manager"], None),
    "george": ("George Zhao 赵刚", ["staff", "manager"], ["general_manager"], None),
    "sam": ("Sam Wu 吴松", ["staff"], ["service"], None),
    "sue": ("Sue Huang 黄素", ["staff"], ["service_supervisor"], None),
    "ann": ("Ann Xu 徐安 (process analyst)", ["analyst", "staff"], [], None),
    "root": ("Administrator 管理员", ["admin", "analyst", "manager", "staff"], [], None),
    "erp": ("ERP / finance system 财务系统 (integration)", ["integration"], [], None),
}
# group, region, industry, user: the most specific match wins; finance has none (its tasks are claimed)
RULES = [
    ("sales", "east", None, "alice"), ("sales", "south", None, "bob"), ("sales", None, "energy", "carol"),
    ("sales", None, None, "alice"), ("sales_manager", None, None, "carol"), ("credit_manager", None, None, "cathy"),
    ("general_manager", None, None, "george"), ("service", None, None, "sam"),
    ("service_supervisor", None, None, "sue"),
]
CUSTOMERS = [
    # name, region, industry, credit limit, credit used, terms, owner, contact (name, phone), class
    ("Shanghai Precision Machinery 上海精密机械", "east", "manufacturing", 1_000_000, 850_000, "net30", "alice",
     ("Zhou Min 周敏", "021-5555-0101"), "standard"),
    ("Guangzhou Fresh Retail 广州鲜品零售", "south", "retail", 500_000, 50_000, "prepayment", "bob",
     ("Huang Lei 黄磊", "020-5555-0202"), "standard"),
    ("Beijing Energy Group 北京能源集团", "north", "energy", 2_000_000, 200_000, "net60", "alice",
     ("Ma Jun 马骏", "010-5555-0303"), "standard"),
]


def load_demo(session: Session, now: datetime | None = None) -> dict:
    """Create the demo directory (with demo tokens), rules, customers and an approved quote."""
    now = now or datetime.now(UTC)
    for key, (en, zh) in GROUPS.items():
        ensure_group(session, key, en, zh)
    session.flush()
    added: dict = {"rules": 0, "customers": 0, "tokens": {}}
    for username, (name, roles, groups, region) in USERS.items():
        ensure_user(session, username, name, roles, groups, region, f"{username}@example.com")
        # Well-known demo tokens, so a newcomer can curl at once; `crmflow users token` makes real ones.
        added["tokens"][username] = issue_token(session, username, now, "demo", token=f"demo-{username}", days=None)
        user = session.get(User, username)
        if user is not None and user.password_hash is None:
            set_password(session, username, DEMO_PASSWORD, minimum=1)  # the demo's well-known one
    if session.scalar(select(AssignmentRule.id).limit(1)) is None:
        session.add_all(AssignmentRule(group_key=g, region=r, industry=i, username=u) for g, r, i, u in RULES)
        added["rules"] = len(RULES)
    if session.scalar(select(Customer.id).limit(1)) is None:
        for name, region, industry, limit, used, terms, owner, (contact, phone), grade in CUSTOMERS:
            customer = Customer(name=name, region=region, industry=industry, status="active", customer_class=grade,
                                credit_limit=Decimal(limit), credit_used=Decimal(used), payment_terms=terms,
                                owner=owner, created_at=now, approved_credit_limit=Decimal(limit))
            session.add(customer)
            session.flush()
            session.add(Contact(customer_id=customer.id, name=contact, phone=phone))
        session.flush()
        ids = {industry: session.scalar(select(Customer.id).where(Customer.industry == industry))
               for industry in ("energy", "manufacturing", "retail")}
        # quote 1: energy, revised from 120,000 to an approved 110,000; quotes 2 and 3: one approved revision each
        for industry, prices in (("energy", (120_000, 110_000)), ("manufacturing", (100_000,)), ("retail", (30_000,))):
            quote = Quote(customer_id=ids[industry], approved_revision=len(prices), approved_by="carol", approved_at=now)
            session.add(quote)
            session.flush()
            session.add_all(QuoteRevision(quote_id=quote.id, revision=n, price=Decimal(price), created_by="alice",
                                          created_at=now) for n, price in enumerate(prices, start=1))
        added["customers"] = len(CUSTOMERS)
    return added


def demo_records(uow: UnitOfWork) -> dict:
    """The command `crmflow init` runs: the demo users, groups, rules and records (nothing added twice)."""
    return load_demo(uow.session, uow.now)
