"""Control points: the checks the seeds call the heart of a CRM, as declared objects.

Each names its metric, its threshold (a process parameter, so a key user changes it in
the model, not in code), its action, the service operator models call to run it and the
expression functions it offers. The pack's service and function tables are derived from
`CONTROL_POINTS` at the bottom of this module: adding a check is adding one declaration.
When one fires, the evidence goes into the instance's history and the responsible person
gets an alert in their inbox.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import func, select

from engine import ControlPoint, ServiceCall, uses_call

from .forecasting import won_in
from .forms import TERMS
from .notifications import notify
from .records import CUSTOMER_CLASSES, Customer, Forecast, Order, Payment, Quote, QuoteRevision, record_of


class ControlPointViolation(Exception):
    """A step was attempted that a control point forbids (raises an incident on the instance)."""


def fire(call: ServiceCall, point: ControlPoint, alert_user: str | None, **evidence: Any) -> None:
    """Record that a control point fired, with its evidence, and alert the responsible person.

    The evidence names the customer, so an alert reads "Precision Tools: usage=0.95 ..." rather than an id.
    """
    customer = call.session.get(Customer, evidence.get("customer_id") or 0)
    if customer is not None:
        evidence = {"customer": customer.name, **evidence}
    call.record("control_point_triggered", control_point=point.key, action=point.action, **evidence)
    if alert_user:
        notify(call, alert_user, f"{point.title_en} / {point.title_zh}", alert_text(point.key, evidence), kind="alert",
               data={"control_point": point.key, **evidence})


def credit_usage(call: ServiceCall, customer_id: int, extra_amount: float = 0) -> float:
    """(credit used + extra) / credit limit; 1.0 or more means the limit is reached."""
    customer = customer_for_update(call, customer_id)
    if customer.credit_limit <= 0:
        return 1.0
    return float((customer.credit_used + Decimal(str(extra_amount))) / customer.credit_limit)


class CreditCheck(TypedDict):
    """What the credit control point answers (conditions read `credit['blocked']`)."""

    usage: float
    threshold: float
    blocked: bool


class PrepaymentCheck(TypedDict):
    """What the prepayment control point answers."""

    required: bool
    received: bool
    blocked: bool


class QuoteCheck(TypedDict):
    """What the approved-quote control point answers."""

    blocked: bool
    approved_price: float | None


def check_credit(call: ServiceCall, customer_id: int, order_amount: float = 0,
                 threshold: float | None = None) -> CreditCheck:
    """Service: the credit control point for a new order."""
    threshold = float(CREDIT_USAGE.default_threshold or 0.9) if threshold is None else float(threshold)
    usage = round(credit_usage(call, customer_id, order_amount), 4)
    blocked = usage >= threshold
    if blocked:
        fire(call, CREDIT_USAGE, _customer(call, customer_id).owner, customer_id=customer_id,
             usage=usage, threshold=threshold, order_amount=order_amount)
    return {"usage": usage, "threshold": threshold, "blocked": blocked}


def prepayment_received(call: ServiceCall, order_id: int) -> bool:
    """Has the full order amount been paid (for prepayment customers)?"""
    order = call.session.get(Order, order_id)
    if order is None:
        raise LookupError(f"order {order_id} does not exist")
    paid = call.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0))
                               .where(Payment.order_id == order_id)) or 0
    return Decimal(str(paid)) >= order.amount


def check_prepayment(call: ServiceCall, order_id: int) -> PrepaymentCheck:
    """Service: does this order have to wait for its prepayment?"""
    order = call.session.get(Order, order_id)
    customer = _customer(call, order.customer_id)
    required = customer.payment_terms == "prepayment"
    received = prepayment_received(call, order_id) if required else True
    if required and not received:
        fire(call, PREPAYMENT, customer.owner, customer_id=customer.id, order_id=order_id,
             order_amount=float(order.amount))
    return {"required": required, "received": received, "blocked": required and not received}


def check_quote_price(call: ServiceCall, order_id: int) -> QuoteCheck:
    """Service: an order's price must be an approved quote revision's; an order without a quote is blocked too
    (a sales manager may then approve a price exception)."""
    order = call.session.get(Order, order_id)
    if order is None:
        raise LookupError(f"order {order_id} does not exist")
    quote = call.session.get(Quote, order.quote_id) if order.quote_id is not None else None
    approved = None
    if quote is not None and quote.approved_revision is not None:
        approved = call.session.scalar(select(QuoteRevision.price).where(
            QuoteRevision.quote_id == quote.id, QuoteRevision.revision == quote.approved_revision))
    blocked = approved is None or Decimal(str(approved)) != order.amount
    if blocked:
        fire(call, QUOTE_PRICE, _customer(call, order.customer_id).owner, customer_id=order.customer_id,
             order_id=order_id, quote_id=order.quote_id,
             order_amount=float(order.amount), approved_price=None if approved is None else float(approved),
             approved_revision=quote.approved_revision if quote else None,
             approved_by=quote.approved_by if quote else None)
    return {"blocked": blocked, "approved_price": None if approved is None else float(approved)}


class PaymentTermsCheck(TypedDict):
    """What the payment terms control point answers (conditions read `terms_check['blocked']`)."""

    payment_terms: str
    longest: str
    blocked: bool


TERMS_ORDER = tuple(TERMS)  # shortest first: what "longer terms" means


def check_payment_terms(call: ServiceCall, customer_id: int, payment_terms: str,
                        longest: str | None = None) -> PaymentTermsCheck:
    """Service: the payment terms a review approved are no longer than the customer's class may get (`longest`, as
    the model's table decides it by class). Longer terms fire the control point: the salesperson is alerted and a
    credit manager decides on the exception."""
    longest = longest or TERMS_ORDER[-1]
    for terms in (payment_terms, longest):
        if terms not in TERMS_ORDER:
            raise ValueError(f"payment terms {terms!r} are not one of {', '.join(TERMS_ORDER)}")
    customer = _customer(call, customer_id)
    blocked = TERMS_ORDER.index(payment_terms) > TERMS_ORDER.index(longest)
    if blocked:
        fire(call, PAYMENT_TERMS, customer.owner, customer_id=customer_id, customer_class=customer.customer_class,
             payment_terms=payment_terms, longest=longest)
    return {"payment_terms": payment_terms, "longest": longest, "blocked": blocked}


class ForecastCheck(TypedDict):
    """What the forecast deviation control point answers once the month has closed (conditions read
    `deviation['above']`)."""

    forecast: float
    actual: float
    won_deals: int
    deviation: float
    threshold: float
    above: bool


def forecast_deviation(forecast: Decimal, actual: Decimal) -> Decimal:
    """|actual - forecast| / forecast, to four places; a forecast of 0 deviates by 0 when nothing was won and by
    1 (100 %) when something was."""
    if forecast == 0:
        return Decimal(0) if actual == 0 else Decimal(1)
    return (abs(actual - forecast) / forecast).quantize(Decimal("0.0001"))


def check_forecast(call: ServiceCall, forecast_id: int, threshold: float | None = None) -> ForecastCheck:
    """Service: the month has closed; its forecast against the deals the salesperson won in it. A deviation above
    the threshold fires the control point: the salesperson must give a reason."""
    threshold = float(FORECAST.default_threshold or 0.3) if threshold is None else float(threshold)
    forecast = record_of(call.session, Forecast, forecast_id, lock=True)
    actual, won = won_in(call.session, forecast.owner, forecast.starts_at, forecast.ends_at)
    expected = forecast.amount or Decimal(0)
    deviation = forecast_deviation(expected, actual)
    above = deviation > Decimal(str(threshold))
    forecast.actual, forecast.won_deals, forecast.deviation, forecast.threshold = actual, won, float(deviation), threshold
    forecast.status = "explain" if above else "met"
    if above:
        fire(call, FORECAST, forecast.owner, forecast_id=forecast.id, salesperson=forecast.owner,
             period=forecast.period, forecast_amount=float(expected), actual=float(actual), won_deals=won,
             deviation=float(deviation), threshold=threshold)
    return {"forecast": float(expected), "actual": float(actual), "won_deals": won, "deviation": float(deviation),
            "threshold": threshold, "above": above}


def customer_for_update(call: ServiceCall, customer_id: int) -> Customer:
    """The customer read afresh with its row locked until the command ends: a command that decides on a customer's
    credit or status, or changes them, waits for another one doing so, and then sees what that one wrote
    (PostgreSQL; SQLite runs one writing command at a time anyway)."""
    return _customer(call, customer_id, lock=True)


def _customer(call: ServiceCall, customer_id: int, lock: bool = False) -> Customer:
    # FOR NO KEY UPDATE: an order inserted for the customer (its key share lock) does not wait on it, or deadlock
    customer = call.session.get(Customer, customer_id, with_for_update={"key_share": True} if lock else None,
                                populate_existing=lock)
    if customer is None:
        raise LookupError(f"customer {customer_id} does not exist")
    return customer


def alert_text(point: str, evidence: dict[str, Any]) -> str:
    """What an alert says, in English and Chinese."""
    return " / ".join(alert_words(point, evidence))


def alert_words(point: str, evidence: dict[str, Any]) -> tuple[str, str]:
    """What a control point's firing means, (English, Chinese), in the words of the business: percentages, amounts,
    numbers of orders and quotes (never `usage=1.1949` or `quote_id=None`)."""
    who, who_zh = evidence.get("customer") or "the customer", evidence.get("customer") or "该客户"
    amount = money(evidence.get("order_amount"))
    order = f"order {evidence['order_id']}" if isinstance(evidence.get("order_id"), int) else "the order"
    if point == "credit_usage":
        usage, threshold = _percent(evidence.get("usage")), _percent(evidence.get("threshold"))
        return (f"{who}: with this order of {amount}, credit usage would be {usage} of the limit (the control "
                f"blocks from {threshold}); a sales manager decides whether it may go ahead.",
                f"{who_zh}：加上这笔 {amount} 的订单，信用额度使用率将达 {usage}（{threshold} 起阻止）；由销售经理决定是否放行。")
    if point == "prepayment":
        return (f"{who}: {order} of {amount} is released only once its prepayment has arrived.",
                f"{who_zh}：{_zh(order)}（{amount}）须在预付款到账后才能放行。")
    if point == "approved_quote_price":
        if evidence.get("quote_id") is None:
            return (f"{who}: {order} of {amount} names no quote; a sales manager must approve a price exception.",
                    f"{who_zh}：{_zh(order)}（{amount}）没有报价单；须由销售经理批准价格例外。")
        quote = f"Q-{evidence['quote_id']:05d}" if isinstance(evidence.get("quote_id"), int) else "its quote"
        if evidence.get("approved_price") is None:
            return (f"{who}: {quote} of {order} has no approved price yet; {amount} cannot be checked against it.",
                    f"{who_zh}：{_zh(order)} 的报价单 {quote} 尚无已批准的价格。")
        approved = money(evidence["approved_price"])
        return (f"{who}: {order} is for {amount}, but {quote}'s approved price is {approved}; a sales manager must "
                "approve the difference.", f"{who_zh}：{_zh(order)} 金额 {amount}，但报价单 {quote} 的批准价格为 {approved}；"
                "须由销售经理批准差异。")
    if point == "payment_terms_class":
        terms, terms_zh = TERMS.get(str(evidence.get("payment_terms")), ("?", "?"))
        longest, longest_zh = TERMS.get(str(evidence.get("longest")), ("?", "?"))
        grade, grade_zh = CUSTOMER_CLASSES.get(str(evidence.get("customer_class")), ("?", "?"))
        return (f"{who}: {terms} is longer than a customer of class {grade} may get (at most {longest.lower()}); a "
                "credit manager decides whether to allow it.",
                f"{who_zh}：{terms_zh}超出{grade_zh}可享有的付款条件（最长{longest_zh}）；由信用经理决定是否特批。")
    if point == "forecast_deviation":
        period, deviation = evidence.get("period", "?"), _percent(evidence.get("deviation"))
        forecast, actual = money(evidence.get("forecast_amount")), money(evidence.get("actual"))
        threshold = _percent(evidence.get("threshold"))
        return (f"Forecast for {period}: {forecast} forecast, {actual} won — {deviation} off, more than the "
                f"{threshold} allowed; give the reason, a sales manager decides whether it is accepted.",
                f"{period} 预测：预测 {forecast}，实际赢单 {actual}，偏差 {deviation}，超过允许的 {threshold}；"
                "请说明原因，由销售经理决定是否接受。")
    facts = ", ".join(f"{k}: {v}" for k, v in evidence.items() if k not in ("customer", "customer_id"))
    return f"{who}: {facts}", f"{who_zh}：{facts}"


def _zh(order: str) -> str:
    return order.replace("order ", "订单 ").replace("the order", "该订单")


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f} %" if isinstance(value, int | float) else "?"


def money(value: Any) -> str:
    """An amount as people read it: 100,000.00 ("?" when there is none)."""
    return f"{float(value):,.2f}" if isinstance(value, int | float | Decimal) else "?"


CREDIT_USAGE = ControlPoint(
    "credit_usage", "Credit usage at or above the alert band blocks new orders", "信用额度使用率达到预警线时冻结新订单",
    "(credit used + this order) / credit limit", "block", service="check_credit", check=check_credit,
    parameter="credit_alert_threshold", default_threshold=0.9, limit_input="threshold",
    functions={"credit_usage": uses_call(credit_usage)})
PREPAYMENT = ControlPoint(
    "prepayment", "Prepayment customers: no release before the money arrives", "预付款客户：款项到账前不得下单出货",
    "payments received for the order / order amount", "block", service="check_prepayment", check=check_prepayment,
    default_threshold=1.0, functions={"prepayment_received": uses_call(prepayment_received)})
PAYMENT_TERMS = ControlPoint(
    "payment_terms_class", "Payment terms no longer than the customer's class may get", "付款条件不得超出客户等级所允许的期限",
    "approved payment terms vs the longest the class may get (decision table)", "block",
    service="check_payment_terms", check=check_payment_terms, limit_input="longest")
QUOTE_PRICE = ControlPoint(
    "approved_quote_price", "Prices only from an approved quote revision", "价格只能来自已审批的报价版本",
    "order amount vs approved revision price", "block", service="check_quote_price", check=check_quote_price)
FORECAST = ControlPoint(
    "forecast_deviation", "A forecast more than 30 % off needs a reason the sales manager accepts",
    "预测偏差超过 30% 须说明原因并经销售经理认可", "|won in the month - forecast| / forecast", "require_approval",
    service="check_forecast", check=check_forecast, parameter="forecast_deviation_threshold", default_threshold=0.3,
    limit_input="threshold")
CONTROL_POINTS = (CREDIT_USAGE, PREPAYMENT, PAYMENT_TERMS, QUOTE_PRICE, FORECAST)
