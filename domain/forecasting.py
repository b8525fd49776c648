"""The sales month and week the seeds ask managers to run: each salesperson's forecast for the next month, compared
with the deals they won in it once it closed, and each week's report.

The processes `sales_forecast` and `weekly_report` start on their schedules, one case per salesperson (`startFor`),
and call these services; the deviation control point itself is declared with the others (control_points.py).
Periods are counted in the time zone of the schedule's firing (the company's: +08:00 in the shipped models).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import func, select

from engine import ServiceCall

from .notifications import notify
from .records import Activity, Customer, Forecast, Opportunity, WeeklyReport, record_of
from .reports import OPEN_STAGES

FORECAST_DUE = timedelta(days=5)
REPORT_DUE = timedelta(days=3)


def month_after(moment: datetime) -> datetime:
    """Midnight on the first day of the month after `moment`'s, in its time zone."""
    year, month = divmod(moment.month, 12)
    return moment.replace(year=moment.year + year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def won_in(session: Any, owner: str, since: datetime, until: datetime) -> tuple[Decimal, int]:
    """(amount, number) of the deals `owner` won in [since, until)."""
    amount, count = session.execute(select(func.coalesce(func.sum(Opportunity.amount), 0), func.count()).where(
        Opportunity.owner == owner, Opportunity.stage == "won", Opportunity.closed_at >= since,
        Opportunity.closed_at < until)).one()
    return Decimal(str(amount or 0)), int(count or 0)


class ForecastRequest(TypedDict):
    """What the forecast case holds about its request (conditions and the form's suggestion read it)."""

    forecast_id: int
    period: str
    pipeline: float
    pipeline_deals: int
    closes_at: str
    due_at: str


def request_forecast(call: ServiceCall, member: str, scheduled_for: str) -> ForecastRequest:
    """Service: open `member`'s forecast for the month after the firing, with their open pipeline closing in it
    (weighted by each deal's probability) as the suggestion; asking again returns the same forecast."""
    fired = datetime.fromisoformat(scheduled_for)
    starts = month_after(fired)
    ends = month_after(starts)
    period = starts.strftime("%Y-%m")
    forecast = call.session.scalar(select(Forecast).where(Forecast.owner == member, Forecast.period == period))
    if forecast is None:
        weighted, deals = call.session.execute(select(
            func.coalesce(func.sum(Opportunity.amount * Opportunity.probability / 100), 0), func.count()).where(
            Opportunity.owner == member, Opportunity.stage.in_(OPEN_STAGES),
            Opportunity.expected_close.startswith(period))).one()
        forecast = Forecast(owner=member, period=period, starts_at=starts, ends_at=ends, instance_id=call.instance_id,
                            requested_at=call.now, due_at=call.now + FORECAST_DUE,
                            pipeline=Decimal(str(round(float(weighted or 0), -2))), pipeline_deals=int(deals or 0))
        call.session.add(forecast)
        call.session.flush()
    return {"forecast_id": forecast.id, "period": period, "pipeline": float(forecast.pipeline),
            "pipeline_deals": forecast.pipeline_deals, "closes_at": forecast.ends_at.isoformat(),
            "due_at": forecast.due_at.isoformat()}


def record_forecast(call: ServiceCall, forecast_id: int, amount: float, deals: int) -> dict[str, Any]:
    """Service: the salesperson's forecast as they submitted it."""
    forecast = _forecast(call, forecast_id)
    forecast.amount, forecast.deals = Decimal(str(amount)), int(deals)
    forecast.submitted_at, forecast.status = call.now, "submitted"
    return {"status": "submitted", "on_time": call.now <= forecast.due_at}


def record_forecast_reason(call: ServiceCall, forecast_id: int, reason: str) -> dict[str, Any]:
    """Service: why the month came out other than forecast, in the salesperson's words."""
    forecast = _forecast(call, forecast_id)
    forecast.reason, forecast.status = reason, "explained"
    return {"status": "explained"}


def record_forecast_review(call: ServiceCall, forecast_id: int, accepted: bool,
                           comment: str | None = None) -> dict[str, Any]:
    """Service: the sales manager's decision on the reason (four eyes: never the salesperson's own), as evidence.

    An accepted reason excuses the deviation (recorded as the control point overridden, with the reason); a
    rejected one stays on the salesperson's record and they are told."""
    forecast = _forecast(call, forecast_id)
    forecast.status = "accepted" if accepted else "rejected"
    forecast.reviewed_by, forecast.reviewed_at, forecast.review_comment = call.actor, call.now, comment
    evidence = {"control_point": "forecast_deviation", "forecast_id": forecast.id, "salesperson": forecast.owner,
                "period": forecast.period, "reason": forecast.reason, "by": call.actor, "comment": comment}
    if accepted:
        call.record("control_point_overridden", **evidence)
    else:
        call.record("forecast_reason_rejected", **evidence)
        notify(call, forecast.owner, f"Forecast {forecast.period}: reason not accepted / 预测偏差原因未被接受",
               f"{call.actor} did not accept your reason for the forecast deviation of {forecast.period}"
               f"{': ' + comment if comment else ''}. / {call.actor} 未接受您对 {forecast.period} 预测偏差的解释。",
               kind="alert", data={"forecast_id": forecast.id})
    return {"status": forecast.status}


def _forecast(call: ServiceCall, forecast_id: int) -> Forecast:
    return record_of(call.session, Forecast, forecast_id, lock=True)


# -- the weekly report ------------------------------------------------------------------------------------------------
class WeekFigures(TypedDict):
    """What the CRM says of a salesperson's week (shown beside the report, never typed)."""

    report_id: int
    week: str
    new_customers: int
    visits: int
    deals_signed: int
    signed_amount: float


def week_figures(call: ServiceCall, member: str, scheduled_for: str) -> WeekFigures:
    """Service: open `member`'s report on the week of the firing (Monday 00:00 up to the firing), with the CRM's
    figures: customers they took on, visits they logged, deals they won and their amount."""
    fired = datetime.fromisoformat(scheduled_for)
    monday = (fired - timedelta(days=fired.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    week = monday.date().isoformat()
    report = call.session.scalar(select(WeeklyReport).where(WeeklyReport.owner == member, WeeklyReport.week == week))
    if report is None:
        customers = call.session.scalar(select(func.count()).select_from(Customer).where(
            Customer.owner == member, Customer.created_at >= monday, Customer.created_at < fired)) or 0
        visits = call.session.scalar(select(func.count()).select_from(Activity).where(
            Activity.owner == member, Activity.kind == "visit", Activity.at >= monday, Activity.at < fired)) or 0
        amount, deals = won_in(call.session, member, monday, fired)
        report = WeeklyReport(owner=member, week=week, instance_id=call.instance_id, requested_at=call.now,
                              due_at=call.now + REPORT_DUE, new_customers=int(customers), visits=int(visits),
                              deals_signed=deals, signed_amount=amount)
        call.session.add(report)
        call.session.flush()
    return {"report_id": report.id, "week": week, "new_customers": report.new_customers, "visits": report.visits,
            "deals_signed": report.deals_signed, "signed_amount": float(report.signed_amount)}


def record_weekly_report(call: ServiceCall, report_id: int, plan: str) -> dict[str, Any]:
    """Service: the salesperson's plan for next week, with the report handed in."""
    report = _report(call, report_id)
    report.plan, report.submitted_at = plan, call.now
    return {"on_time": call.now <= report.due_at}


def record_weekly_review(call: ServiceCall, report_id: int, comment: str | None = None) -> dict[str, Any]:
    """Service: the sales manager has read the report."""
    report = _report(call, report_id)
    report.reviewed_by, report.reviewed_at, report.review_comment = call.actor, call.now, comment
    return {"reviewed_by": call.actor}


def _report(call: ServiceCall, report_id: int) -> WeeklyReport:
    return record_of(call.session, WeeklyReport, report_id, lock=True)


SERVICES = {f.__name__: f for f in (request_forecast, record_forecast, record_forecast_reason, record_forecast_review,
                                    week_figures, record_weekly_report, record_weekly_review)}
