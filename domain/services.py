"""Service operators the CRM processes call by name from service tasks.

Each takes the command's `ServiceCall` and keyword parameters evaluated from the model,
writes through `call.session` (so it commits or rolls back with the command), and
returns plain JSON for the process data.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import func, or_, select

from engine import ServiceCall

from . import forecasting
from .control_points import PREPAYMENT, ControlPointViolation, check_prepayment, customer_for_update
from .directory import groups_of, members_of, responsible
from .notifications import notify
from .records import CUSTOMER_CLASSES, Complaint, Contact, Customer, Lead, Opportunity, Order, Payment, record_of

SALES = "sales"  # the group whose members own customers and their opportunities

SOURCE_POINTS = {"referral": 25, "partner": 20, "fair": 15, "web": 10, "cold_call": 5}
TIMELINE_POINTS = {"this_quarter": 25, "this_year": 15, "later": 0}
SLA_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 120}  # where a model decides no SLA of its own
MAX_SLA_HOURS = 24 * 366


def capture_lead(call: ServiceCall, company: str, source: str, contact_name: str | None = None,
                 email: str | None = None, phone: str | None = None, region: str | None = None,
                 industry: str | None = None) -> dict[str, Any]:
    """Store a new lead (status `new`)."""
    lead = Lead(company=company, contact_name=contact_name, email=email, phone=phone, source=source,
                region=region, industry=industry, owner=call.actor, created_at=call.now)
    call.session.add(lead)
    call.session.flush()
    return {"lead_id": lead.id}


class DuplicateCheck(TypedDict):
    """What the duplicate-lead check answers (conditions read `duplicate['found']`)."""

    found: bool
    duplicate_of: int | None


def find_duplicate_lead(call: ServiceCall, lead_id: int) -> DuplicateCheck:
    """An earlier live lead with the same e-mail, phone or company name, if any."""
    lead = _get(call, Lead, lead_id)
    same = [Lead.company == lead.company]
    same += [Lead.email == lead.email] if lead.email else []
    same += [Lead.phone == lead.phone] if lead.phone else []
    earlier = call.session.scalars(select(Lead).where(
        Lead.id != lead.id, Lead.status.not_in(["merged", "disqualified"]), or_(*same)).order_by(Lead.id)).first()
    return {"found": earlier is not None, "duplicate_of": earlier.id if earlier else None}


def merge_lead(call: ServiceCall, lead_id: int, duplicate_of: int) -> dict[str, Any]:
    """Mark a lead as merged into the earlier one."""
    lead = _get(call, Lead, lead_id)
    lead.status, lead.duplicate_of = "merged", duplicate_of
    return {"merged_into": duplicate_of}


def score_lead(call: ServiceCall, lead_id: int, budget_confirmed: bool = False, decision_maker_known: bool = False,
               timeline: str = "later", estimated_amount: float = 0) -> int:
    """0..100 from source, budget, authority, timeline and size; stored on the lead."""
    lead = _get(call, Lead, lead_id)
    score = SOURCE_POINTS.get(lead.source, 0) + 20 * bool(budget_confirmed) + 15 * bool(decision_maker_known)
    score += TIMELINE_POINTS.get(timeline, 0) + (15 if estimated_amount >= 100_000 else 5 if estimated_amount else 0)
    lead.score = min(score, 100)
    return lead.score


def convert_lead(call: ServiceCall, lead_id: int, amount: float = 0) -> dict[str, Any]:
    """Lead -> customer + contact + opportunity; converting twice returns the same records."""
    lead = _get(call, Lead, lead_id)
    if lead.status == "converted":
        contact_id = call.session.scalar(select(Contact.id).where(Contact.customer_id == lead.customer_id))
        return {"customer_id": lead.customer_id, "contact_id": contact_id, "opportunity_id": lead.opportunity_id}
    lead.owner = _salesperson(call, lead)
    customer = Customer(name=lead.company, region=lead.region, industry=lead.industry, status="pending",
                        owner=lead.owner, created_at=call.now)
    call.session.add(customer)
    call.session.flush()
    contact = Contact(customer_id=customer.id, name=lead.contact_name or lead.company, email=lead.email,
                      phone=lead.phone)
    opportunity = Opportunity(customer_id=customer.id, lead_id=lead.id, name=f"{lead.company} - first deal",
                              amount=Decimal(str(amount)), owner=lead.owner, created_at=call.now,
                              stage_changed_at=call.now)
    call.session.add_all([contact, opportunity])
    call.session.flush()
    lead.status, lead.customer_id, lead.opportunity_id = "converted", customer.id, opportunity.id
    if lead.owner:  # the new customer takes no order until approved: tell its owner where to ask for that
        notify(call, lead.owner, f"Customer {customer.name} awaits approval / 新客户待审批",
               f"Converted from lead {lead.company}: start a new customer approval for C-{customer.id:05d} "
               "before its first order. / 线索已转化，下单前请为该客户发起新客户审批。", kind="reminder",
               data={"start": {"process_key": "customer_approval", "values": {
                   "customer_id": f"C-{customer.id:05d}", "business_key": f"NC-C-{customer.id:05d}"}}})
    return {"customer_id": customer.id, "contact_id": contact.id, "opportunity_id": opportunity.id}


def _salesperson(call: ServiceCall, lead: Lead) -> str | None:
    """Who owns what a lead becomes: the salesperson converting it (this command's actor), not whoever captured it;
    for a conversion someone outside sales runs (an administrator retrying it), the salesperson the lead's region
    and industry go to."""
    if call.actor and SALES in groups_of(call.session, call.actor):
        return call.actor
    return responsible(call.session, SALES, lead.region, lead.industry) or lead.owner


def disqualify_lead(call: ServiceCall, lead_id: int, reason: str, nurture: bool = False) -> dict[str, Any]:
    """Close a lead with its reason (or keep it for nurturing)."""
    lead = _get(call, Lead, lead_id)
    lead.status, lead.reason = ("new" if nurture else "disqualified"), reason
    return {"status": lead.status}


def register_customer(call: ServiceCall, customer_name: str, region: str, industry: str,
                      requested_credit_limit: float, payment_terms: str, contact_name: str,
                      contact_phone: str | None = None, customer_id: int | None = None,
                      customer_class: str = "standard") -> dict[str, Any]:
    """The customer an application is for, `pending` until approved, with its contact and proposed class.

    Without `customer_id` a new customer, owned by the requester; with it, the customer a converted lead left
    awaiting approval, its facts as the application confirms them (its owner stays).
    """
    if customer_class not in CUSTOMER_CLASSES:
        raise ValueError(f"customer class {customer_class!r} is not one of {', '.join(CUSTOMER_CLASSES)}")
    if customer_id is None:
        customer = Customer(name=customer_name, region=region, industry=industry, status="pending",
                            credit_limit=Decimal(0), owner=call.actor, created_at=call.now)
        call.session.add(customer)
        call.session.flush()
    else:
        customer = _pending(call, customer_id)
        customer.name, customer.region, customer.industry = customer_name, region, industry
    customer.payment_terms, customer.customer_class = payment_terms, customer_class
    known = call.session.scalar(select(Contact).where(Contact.customer_id == customer.id, Contact.name == contact_name))
    if known is None:
        call.session.add(Contact(customer_id=customer.id, name=contact_name, phone=contact_phone))
    elif contact_phone:
        known.phone = contact_phone
    return {"customer_id": customer.id, "requested_by": call.actor,
            "requested_credit_limit": requested_credit_limit}


def activate_customer(call: ServiceCall, customer_id: int, credit_limit: float, payment_terms: str) -> dict[str, Any]:
    """Approve a pending customer with its credit limit and payment terms."""
    customer = _pending(call, customer_id)
    customer.status, customer.credit_limit = "active", Decimal(str(credit_limit))
    customer.approved_credit_limit, customer.credit_approved_by = customer.credit_limit, call.actor
    customer.credit_approved_in, customer.credit_approved_at = call.instance_id, call.now
    customer.payment_terms = payment_terms
    return {"status": "active"}


def reject_customer(call: ServiceCall, customer_id: int, reason: str) -> dict[str, Any]:
    """Refuse a pending customer."""
    customer = _pending(call, customer_id)
    customer.status = "rejected"
    call.record("customer_rejected", customer_id=customer_id, reason=reason)
    return {"status": "rejected", "reason": reason}


class PlacedOrder(TypedDict):
    """What registering an order answers: its id and the customer's class (the credit table reads it)."""

    order_id: int
    customer_class: str


class OpenedComplaint(TypedDict):
    """What opening a complaint answers: its id and the customer's class (the SLA table reads it)."""

    complaint_id: int
    customer_class: str


class Sla(TypedDict):
    """A complaint's SLA: hours, an ISO duration for the model's timer, and the due time."""

    hours: float
    duration: str
    due_at: str


def place_order(call: ServiceCall, customer_id: int, amount: float, quote_id: int | None = None) -> PlacedOrder:
    """Register an order in status `pending`; nothing is released yet."""
    customer = _get(call, Customer, customer_id)
    if customer.status != "active":
        raise ControlPointViolation(f"customer {customer_id} is {customer.status}, not active: no orders")
    order = Order(customer_id=customer_id, quote_id=quote_id, amount=Decimal(str(amount)), created_at=call.now)
    call.session.add(order)
    call.session.flush()
    return {"order_id": order.id, "customer_class": customer.customer_class}


def record_override(call: ServiceCall, control_point: str, reason: str, order_id: int | None = None,
                    customer_id: int | None = None) -> dict[str, Any]:
    """A manager released a blocked case: who and why goes into the history (with the order's or the named
    customer)."""
    order = call.session.get(Order, order_id) if order_id else None
    customer = call.session.get(Customer, order.customer_id if order else customer_id or 0)
    call.record("control_point_overridden", control_point=control_point, reason=reason, by=call.actor,
                order_id=order_id, customer=customer.name if customer else None)
    return {"overridden": control_point}


def record_price_exception(call: ServiceCall, order_id: int, reason: str) -> dict[str, Any]:
    """A sales manager approved the order's price without an approved quote: the price, who and why."""
    order = _get(call, Order, order_id)
    customer = _get(call, Customer, order.customer_id)
    call.record("control_point_overridden", control_point="approved_quote_price", reason=reason, by=call.actor,
                order_id=order_id, customer=customer.name, approved_price=float(order.amount),
                quote_id=order.quote_id)
    return {"approved_price": float(order.amount), "approved_by": call.actor}


def record_payment(call: ServiceCall, order_id: int, amount: float, reference: str) -> dict[str, Any]:
    """Money received for an order."""
    order = _get(call, Order, order_id)
    payment = Payment(customer_id=order.customer_id, order_id=order_id, amount=Decimal(str(amount)),
                      reference=reference, received_at=call.now)
    call.session.add(payment)
    call.session.flush()
    if order.status == "released":  # paying for delivered goods frees credit; a prepayment is settled at release
        _change_credit_used(call, order.customer_id, -payment.amount, f"payment {reference} for order {order_id}")
    return {"payment_id": payment.id}


def hold_order(call: ServiceCall, order_id: int, reason: str) -> dict[str, Any]:
    """Keep an order from release, with the reason."""
    order = _get(call, Order, order_id)
    order.status, order.hold_reason = "held", reason
    return {"status": "held"}


def release_order(call: ServiceCall, order_id: int) -> dict[str, Any]:
    """Release to factory/shipping; refuses (an incident) if the prepayment is still missing."""
    order = _get(call, Order, order_id)
    if check_prepayment(call, order_id)["blocked"]:
        raise ControlPointViolation(f"order {order_id}: {PREPAYMENT.title_en}")
    order.status, order.released_at = "released", call.now
    prepaid = call.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.order_id == order_id))
    unpaid = max(order.amount - Decimal(str(prepaid or 0)), Decimal(0))
    _change_credit_used(call, order.customer_id, unpaid, f"order {order_id} released")
    call.send("erp.release_order", f"release:{order_id}", order_id=order_id, amount=float(order.amount))
    return {"status": "released"}


def send_notification(call: ServiceCall, title: str, body: str = "", user: str | None = None,
                      group: str | None = None, kind: str = "info") -> dict[str, Any]:
    """Service: notify a user, or every member of a group."""
    recipients = [user] if user else members_of(call.session, group) if group else []
    if not recipients:
        raise LookupError("notify needs a user or a group with members")
    for recipient in recipients:
        notify(call, recipient, title, body, kind)
    return {"notified": recipients}


def register_complaint(call: ServiceCall, customer_id: int, product: str, description: str) -> OpenedComplaint:
    """Open a complaint record."""
    customer = _get(call, Customer, customer_id)
    complaint = Complaint(customer_id=int(customer_id), product=product, description=description,
                          created_at=call.now)
    call.session.add(complaint)
    call.session.flush()
    return {"complaint_id": complaint.id, "customer_class": customer.customer_class}


def complaint_sla(call: ServiceCall, complaint_id: int, severity: str, hours: float | None = None) -> Sla:
    """A complaint's SLA: `hours` as the model's table decided them (by severity and customer class), else the
    pack's hours for the severity."""
    if hours is None:
        hours = SLA_HOURS[severity]
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= MAX_SLA_HOURS:
        raise ValueError(f"an SLA is more than 0 and at most {MAX_SLA_HOURS} hours, not {hours!r}")
    complaint = _get(call, Complaint, complaint_id)
    complaint.severity, complaint.sla_due_at = severity, call.now + timedelta(hours=hours)
    minutes = round(hours * 60)
    duration = f"PT{minutes // 60}H" + (f"{minutes % 60}M" if minutes % 60 else "")
    return {"hours": hours, "duration": duration, "due_at": complaint.sla_due_at.isoformat()}


def close_complaint(call: ServiceCall, complaint_id: int, resolution: str, compensation: float,
                    root_cause: str) -> dict[str, Any]:
    """Close a complaint with its resolution and root cause."""
    complaint = _get(call, Complaint, complaint_id)
    complaint.status, complaint.resolution, complaint.root_cause = "closed", resolution, root_cause
    complaint.closed_at = call.now
    complaint.compensation = Decimal(str(compensation))
    return {"status": "closed"}


def _change_credit_used(call: ServiceCall, customer_id: int, delta: Decimal, reason: str) -> None:
    """The one place credit used changes, always with a history event saying from what to what and why."""
    if not delta:
        return
    customer = customer_for_update(call, customer_id)
    before = customer.credit_used
    customer.credit_used = max(before + delta, Decimal(0))
    call.record("credit_used_changed", customer_id=customer_id, customer=customer.name, reason=reason,
                **{"from": float(before), "to": float(customer.credit_used)})


def _pending(call: ServiceCall, customer_id: int) -> Customer:
    """A customer awaiting approval: one approval decides it, so a second (run for the same customer at the same
    time) stops at an incident instead of overwriting the first one's decision."""
    customer = customer_for_update(call, customer_id)
    if customer.status != "pending":
        decided = f" in case {customer.credit_approved_in} by {customer.credit_approved_by}" \
            if customer.status == "active" and customer.credit_approved_in else ""
        raise ValueError(f"customer {customer_id} ({customer.name}) is already {customer.status}{decided}, "
                         "not awaiting approval")
    return customer


def _get(call: ServiceCall, record: type, record_id: int):
    return record_of(call.session, record, record_id)


SERVICES: dict[str, Callable[..., Any]] = {f.__name__: f for f in (
    capture_lead, find_duplicate_lead, merge_lead, score_lead, convert_lead, disqualify_lead, register_customer,
    activate_customer, reject_customer, place_order, record_override, record_payment, hold_order, release_order,
    register_complaint, complaint_sla, close_complaint, record_price_exception)}
SERVICES["notify"] = send_notification
SERVICES.update(forecasting.SERVICES)
