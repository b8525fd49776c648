"""What the CRM's records show about the standard path: records changed outside the process that owns them.

A customer's credit limit is the approval process's to set (activate_customer stores the limit it set,
who set it and in which case). A limit that differs from the last approved one was changed some other
way (a screen, an import, the database) with no completed approval behind it: the conformance report
of the approval process lists it with the customer's owner and the last approving case.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .records import Customer

# The processes that approve credit limits (copies adapted from them keep the prefix of their key).
CREDIT_APPROVAL = "customer_approval"


def departures(session: Session, process_key: str, limit: int) -> list[dict[str, Any]]:
    """Customers whose credit limit is not the one their last completed approval set (SQL: one indexed pass)."""
    if not process_key.startswith(CREDIT_APPROVAL):
        return []
    approved = func.coalesce(Customer.approved_credit_limit, 0)
    changed = session.scalars(select(Customer).where(Customer.credit_limit != approved)
                              .order_by(Customer.id.desc()).limit(limit))
    return [{"kind": "changed outside any process", "event": "credit_limit_changed", "process_key": process_key,
             "business_key": None, "instance_id": customer.credit_approved_in, "element_id": None,
             "actor": customer.owner, "at": customer.credit_approved_at or customer.created_at,
             "data": {"customer_id": customer.id, "customer": customer.name,
                      "credit_limit": float(customer.credit_limit),
                      "approved_credit_limit": float(customer.approved_credit_limit or 0),
                      "approved_by": customer.credit_approved_by},
             "note": _note(customer)} for customer in changed]


def _note(customer: Customer) -> str:
    limit, approved = f"{customer.credit_limit:,.0f}", f"{customer.approved_credit_limit or 0:,.0f}"
    by = f" by {customer.credit_approved_by}" if customer.credit_approved_by else " (never approved)"
    return (f"{customer.name}: credit limit {limit}, last approved {approved}{by} / "
            f"信用额度 {limit}，上次核定 {approved}")
