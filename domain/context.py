"""Case context: the read-only facts an approver needs to judge, shown beside each task form.

A form declares the context it shows (`x-context` in its schema, see forms.py); each name
here turns the case data (and the records it refers to) into labelled facts in English and
Chinese. Facts are never form values: nobody submits them, so nobody is credited with them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Text

from .control_points import money
from .forms import SEVERITIES, SOURCES, TERMS
from .records import (
    CUSTOMER_CLASSES,
    INDUSTRIES,
    REGIONS,
    Complaint,
    Contact,
    Customer,
    Forecast,
    Lead,
    Quote,
    QuoteRevision,
    WeeklyReport,
)

Fact = dict[str, Any]  # {"key", "label", "label_zh", "value"}


# Coded values shown by their names: region "east" reads East / 华东.
CHOICES = {"region": REGIONS, "industry": INDUSTRIES, "payment_terms": TERMS, "severity": SEVERITIES,
           "source": SOURCES, "customer_class": CUSTOMER_CLASSES, "longest_payment_terms": TERMS}


def fact(key: str, label: str, label_zh: str, value: Any) -> Fact:
    """One labelled fact (values as JSON: Decimals become numbers; coded values with their en/zh names)."""
    named = CHOICES.get(key, {}).get(value) if isinstance(value, str) else None
    if named is not None:
        return {"key": key, "label": label, "label_zh": label_zh, "value": named[0], "value_zh": named[1]}
    return {"key": key, "label": label, "label_zh": label_zh,
            "value": float(value) if isinstance(value, Decimal) else value}


def _from_data(data: Mapping[str, Any], *fields: tuple[str, str, str]) -> list[Fact]:
    return [fact(name, en, zh, data[name]) for name, en, zh in fields if data.get(name) not in (None, "")]


def requested_customer(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """What the new-customer request says (entered by the salesperson)."""
    return _from_data(data, ("customer_name", "Customer", "客户名称"), ("region", "Region", "区域"),
                      ("industry", "Industry", "行业"), ("customer_class", "Customer class", "客户等级"),
                      ("requested_credit_limit", "Requested credit limit", "申请信用额度"),
                      ("contact_name", "Contact person", "联系人"),
                      ("longest_payment_terms", "Longest terms the class may get", "该等级最长付款条件"))


def existing_customer(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The customer record an application is for, when a converted lead made it (none for a new customer)."""
    customer = session.get(Customer, data.get("customer_id") or 0)
    if customer is None:
        return []
    contacts = [" ".join(filter(None, (c.name, c.phone or c.email)))
                for c in session.scalars(select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id))]
    facts = [fact("customer", "Customer on record", "客户档案", f"{customer.name} · C-{customer.id:05d}"),
             fact("region", "Region", "区域", customer.region), fact("industry", "Industry", "行业", customer.industry),
             fact("owner", "Owner", "负责人", customer.owner), fact("contacts", "Contacts", "联系人", ", ".join(contacts))]
    lead = session.scalars(select(Lead).where(Lead.customer_id == customer.id)).first()
    if lead is not None:
        facts += [fact("source", "Lead source", "线索来源", lead.source), fact("score", "Lead score", "线索评分", lead.score)]
    return [f for f in facts if f["value"] not in (None, "")]


def review_so_far(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """What earlier reviewers decided on this request."""
    return _from_data(data, ("payment_terms", "Payment terms", "付款条件"),
                      ("payment_terms_approved", "Payment terms approved", "付款条件已批准"),
                      ("approved_credit_limit", "Approved credit limit", "核定信用额度"),
                      ("gm_approved", "General manager approved", "总经理已批准"))


def customer_credit(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The customer an order is for: credit limit, used, usage with this order, payment terms."""
    customer = session.get(Customer, data.get("customer_id") or 0)
    if customer is None:
        return []
    amount = Decimal(str(data.get("amount") or 0))
    usage = (customer.credit_used + amount) / customer.credit_limit if customer.credit_limit > 0 else None
    return [fact("customer", "Customer", "客户", customer.name),
            fact("customer_class", "Customer class", "客户等级", customer.customer_class),
            fact("credit_limit", "Credit limit", "信用额度", customer.credit_limit),
            fact("credit_used", "Credit used", "已用额度", customer.credit_used),
            fact("usage_with_order", "Usage with this order", "含本单的额度使用率",
                 None if usage is None else f"{usage:.0%}"),
            fact("payment_terms", "Payment terms", "付款条件", customer.payment_terms)]


def order(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The order: amount and where its price comes from."""
    facts = _from_data(data, ("amount", "Order amount", "订单金额"))
    quote_id, approved = data.get("quote_id"), None
    quote = session.get(Quote, quote_id) if quote_id else None
    if quote is not None and quote.approved_revision is not None:
        approved = session.scalar(select(QuoteRevision.price).where(
            QuoteRevision.quote_id == quote.id, QuoteRevision.revision == quote.approved_revision))
    if approved is not None:
        source = Text("quote {quote}, approved price {price:,.2f}", quote=quote_id, price=float(approved))
    elif quote_id:
        source = Text("quote {quote}, no approved revision", quote=quote_id)
    else:
        source = Text("no quote")
    return [*facts, fact("price_source", "Price source", "价格来源", source)]


def override_so_far(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """What the first approver of a credit override decided, and why."""
    return _from_data(data, ("override_approved", "First approver released it", "一级特批已同意"),
                      ("override_reason", "First approver's reason", "一级特批理由"))


def complaint(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The complaint: who, what product, what happened, how severe."""
    registered = data.get("complaint")  # the register_complaint service's result
    complaint_id = data.get("complaint_id") or (registered.get("complaint_id") if isinstance(registered, dict) else None)
    record = session.get(Complaint, complaint_id or 0)
    customer = session.get(Customer, (record.customer_id if record else None) or data.get("customer_id") or 0)
    facts = [fact("customer", "Customer", "客户", customer.name),
             fact("customer_class", "Customer class", "客户等级", customer.customer_class)] if customer else []
    contact = session.get(Contact, data.get("contact_id") or 0) if isinstance(data.get("contact_id"), int) else None
    if contact is not None:
        facts.append(fact("contact", "Contact who complained", "投诉联系人",
                          " · ".join(filter(None, (contact.name, contact.phone, contact.email)))))
    if record is not None:
        facts += [fact("product", "Product", "产品", record.product),
                  fact("description", "What happened", "投诉内容", record.description),
                  fact("severity", "Severity", "严重程度", record.severity)]
    return facts + _from_data(data, ("findings", "Findings", "调查结果"), ("resolution", "Resolution", "解决方案"),
                              ("compensation", "Compensation", "赔偿金额"))


def lead(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The lead as captured."""
    return _from_data(data, ("company", "Company", "公司名称"), ("source", "Source", "线索来源"),
                      ("contact_name", "Contact person", "联系人"), ("region", "Region", "区域"),
                      ("industry", "Industry", "行业"), ("estimated_amount", "Estimated amount", "预计金额"))


def _field(data: Mapping[str, Any], name: str, key: str) -> Any:
    """`data[name][key]` when a service left a mapping there, else None."""
    value = data.get(name)
    return value.get(key) if isinstance(value, Mapping) else None


def forecast_request(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The month asked for and the open pipeline closing in it, as the CRM counts it."""
    record = session.get(Forecast, _field(data, "forecast", "forecast_id") or 0)
    if record is None:
        return []
    return [fact("period", "Month", "月份", record.period),
            fact("pipeline", "Open deals closing that month, weighted by stage", "当月预计成交的商机（按阶段加权）",
                 f"{money(record.pipeline)} ({record.pipeline_deals})"),
            fact("forecast_due", "Due", "截止", record.due_at.date().isoformat())]


def forecast_outcome(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The closed month: what was forecast, what was won, the deviation and the threshold."""
    record = session.get(Forecast, _field(data, "forecast", "forecast_id") or 0)
    if record is None or record.deviation is None:
        return []
    return [fact("salesperson", "Salesperson", "销售人员", record.owner), fact("period", "Month", "月份", record.period),
            fact("forecast_amount", "Forecast", "预测", money(record.amount or 0)),
            fact("actual", "Won", "实际赢单", f"{money(record.actual)} ({record.won_deals})"),
            fact("deviation", "Deviation", "偏差", f"{record.deviation:.0%} (> {record.threshold or 0:.0%})")]


def forecast_reason(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The salesperson's reason for the deviation."""
    return _from_data(data, ("deviation_reason", "Reason given", "偏差原因"))


def week_figures(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The week as the CRM recorded it."""
    record = session.get(WeeklyReport, _field(data, "week", "report_id") or 0)
    if record is None:
        return []
    return [fact("salesperson", "Salesperson", "销售人员", record.owner),
            fact("week", "Week of", "周（起始日）", record.week),
            fact("new_customers", "New customers", "新客户", record.new_customers),
            fact("visits", "Visits logged", "拜访次数", record.visits),
            fact("deals_signed", "Deals won", "签单数", record.deals_signed),
            fact("signed_amount", "Amount won", "签单金额", money(record.signed_amount))]


def week_plan(session: Session, data: Mapping[str, Any]) -> list[Fact]:
    """The plan the salesperson wrote."""
    return _from_data(data, ("next_week_plan", "Plan for next week", "下周计划"))


CONTEXTS: dict[str, Callable[[Session, Mapping[str, Any]], list[Fact]]] = {
    "forecast_request": forecast_request, "forecast_outcome": forecast_outcome, "forecast_reason": forecast_reason,
    "week_figures": week_figures, "week_plan": week_plan,
    "requested_customer": requested_customer, "existing_customer": existing_customer, "review_so_far": review_so_far,
    "customer_credit": customer_credit, "order": order, "override_so_far": override_so_far, "complaint": complaint, "lead": lead,
}


def case_context(session: Session, schema: Mapping[str, Any] | None, data: Mapping[str, Any]) -> list[Fact]:
    """The facts a form declares it shows, from the case data and the records it refers to."""
    return [item for name in (schema or {}).get("x-context", []) for item in CONTEXTS[name](session, data)]
