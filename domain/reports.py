"""The reports managers read every morning (the seeds quote Salesforce's standard list), from the CRM
records and the process history.

Each report is one table: columns labelled in English and Chinese, rows computed by SQL
aggregates (never a Python loop over every record), a chart of its figures, the filters it
honours, and a drill-down (`detail`) to the records and cases behind any row. The API, the
CSV export and the pages all serve this one table.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from engine import reports as process

from .forms import SEVERITIES, SOURCES
from .records import REGIONS, Complaint, Contact, Customer, Forecast, Lead, Opportunity, WeeklyReport

OPEN_STAGES = ("qualification", "needs_analysis", "proposal", "negotiation")
STAGES = {"qualification": ("Qualification", "资格确认"), "needs_analysis": ("Needs analysis", "需求分析"),
          "proposal": ("Proposal", "方案报价"), "negotiation": ("Negotiation", "谈判"), "won": ("Won", "赢单"),
          "lost": ("Lost", "输单")}
ROLES = {"decision_maker": ("Decision maker", "决策人"), "influencer": ("Influencer", "影响者"),
         "buyer": ("Buyer", "采购"), "user": ("User", "使用者")}
LEAD_STATUSES = ("new", "qualified", "converted", "disqualified", "merged")
STALLED_AFTER = timedelta(days=14)
# What a report of records over time reads when no `since` is given: the records of the last 90 days (a
# quarter), so the morning report costs the same however many years of records lie behind it.
PERIOD = timedelta(days=90)
DETAIL_ROWS = 200


@dataclass(frozen=True)
class Filters:
    """What a manager narrows a report to; each report honours the ones in its `filters`."""

    since: datetime | None = None
    until: datetime | None = None
    owner: str | None = None
    region: str | None = None
    source: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Column:
    """A report column: key, English and Chinese label, and kind (text, count, money, percent, hours, date)."""

    key: str
    en: str
    zh: str
    kind: str = "count"


@dataclass(frozen=True)
class Report:
    """A report: titles, columns (the first names the row), the series it charts, its filters and drill-down."""

    key: str
    title_en: str
    title_zh: str
    columns: tuple[Column, ...]
    chart: tuple[str, ...]
    filters: tuple[str, ...]
    build: Callable[[Session, datetime, Filters], list[dict[str, Any]]]
    detail: Callable[[Session, datetime, Filters, str], list[dict[str, Any]]]
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # coded row names: value -> (en, zh)
    periodic: bool = False  # reads records of a period: without `since`, the last PERIOD

    def in_period(self, filters: Filters, now: datetime) -> Filters:
        """The filters this report reads with: a periodic report without `since` starts PERIOD before
        `until` (or now), at midnight."""
        if filters.since is not None or not self.periodic:
            return filters
        return replace(filters, since=period_start(filters.until, now))


def period_start(until: datetime | None, now: datetime) -> datetime:
    """Where the default period begins: PERIOD before `until` (or now), at midnight."""
    return ((until or now) - PERIOD).replace(hour=0, minute=0, second=0, microsecond=0)


def _money(value: Any) -> float:
    return float(value or 0)


def _customer_scope(query: Select[Any], filters: Filters, owner_column: Any = Customer.owner) -> Select[Any]:
    if filters.region:
        query = query.where(Customer.region == filters.region)
    if filters.owner:
        query = query.where(owner_column == filters.owner)
    return query


def _between(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    return process.between(column, filters.since, filters.until)


# -- customers ---------------------------------------------------------------------------------
def active_customers(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Active customers per region: how many, their credit limits and how much of it is used."""
    query = _customer_scope(select(process.or_text(Customer.region, "-"), func.count(), func.sum(Customer.credit_limit),
                                   func.sum(Customer.credit_used), func.sum(case(
                                       (Customer.credit_used >= Customer.credit_limit * Decimal("0.9"), 1), else_=0)))
                            .where(Customer.status == "active", *_between(Customer.created_at, filters))
                            .group_by(process.or_text(Customer.region, "-")), filters)
    return [{"region": region, "customers": int(n), "credit_limit": _money(limit), "credit_used": _money(used),
             "usage": round(_money(used) / _money(limit), 3) if limit else None, "at_or_above_90": int(blocked or 0)}
            for region, n, limit, used, blocked in session.execute(query.order_by(func.count().desc()))]


def _customers(session: Session, now: datetime, filters: Filters, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    query = _customer_scope(select(Customer).where(where, *_between(Customer.created_at, filters)), filters)
    return [{"customer": c.name, "number": f"C-{c.id:05d}", "region": c.region, "owner": c.owner, "status": c.status,
             "credit_limit": _money(c.credit_limit), "credit_used": _money(c.credit_used)}
            for c in session.scalars(query.order_by(Customer.name).limit(DETAIL_ROWS))]


def customer_owners(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Customers per owner (account manager): active, pending approval, credit used."""
    query = _customer_scope(select(process.or_text(Customer.owner, "-"), func.count(),
                                   func.sum(case((Customer.status == "active", 1), else_=0)),
                                   func.sum(case((Customer.status == "pending", 1), else_=0)),
                                   func.sum(Customer.credit_used))
                            .where(*_between(Customer.created_at, filters))
                            .group_by(process.or_text(Customer.owner, "-")), filters)
    return [{"owner": owner, "customers": int(n), "active": int(active or 0), "pending": int(pending or 0),
             "credit_used": _money(used)} for owner, n, active, pending, used in session.execute(
                 query.order_by(func.count().desc()))]


# -- leads -------------------------------------------------------------------------------------
def _lead_scope(query: Select[Any], filters: Filters) -> Select[Any]:
    query = query.where(*_between(Lead.created_at, filters))
    if filters.source:
        query = query.where(Lead.source == filters.source)
    if filters.region:
        query = query.where(Lead.region == filters.region)
    if filters.owner:
        query = query.where(Lead.owner == filters.owner)
    return query


def lead_lifecycle(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Leads by where they are in their life: new, qualified, converted, disqualified, merged; average age."""
    age = process.hours_between(session, Lead.created_at, now) / 24.0
    query = _lead_scope(select(Lead.status, func.count(), func.avg(age)).group_by(Lead.status), filters)
    found = {status: (int(n), avg) for status, n, avg in session.execute(query)}
    total = sum(n for n, _ in found.values())
    return [{"status": status, "leads": found.get(status, (0, None))[0],
             "share": round(found.get(status, (0, None))[0] / total, 3) if total else 0.0,
             "avg_age_days": None if found.get(status, (0, None))[1] is None else round(float(found[status][1]), 1)}
            for status in LEAD_STATUSES]


def lead_sources(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Lead source effectiveness: captured, qualified, converted, conversion rate, pipeline won from it."""
    # The deal of each lead of the period by its key (a subquery per lead), never a join over every deal.
    amount = select(Opportunity.amount).where(Opportunity.id == Lead.opportunity_id).scalar_subquery()
    query = _lead_scope(select(
        Lead.source, func.count(), func.sum(case((Lead.status.in_(("qualified", "converted")), 1), else_=0)),
        func.sum(case((Lead.status == "converted", 1), else_=0)),
        func.sum(case((Lead.status == "disqualified", 1), else_=0)), func.sum(amount))
        .group_by(Lead.source), filters)
    return [{"source": source, "captured": int(n), "qualified": int(qualified or 0), "converted": int(converted or 0),
             "disqualified": int(lost or 0), "conversion_rate": round(int(converted or 0) / int(n), 3),
             "pipeline": _money(amount)}
            for source, n, qualified, converted, lost, amount in session.execute(query.order_by(Lead.source))]


def _leads(session: Session, filters: Filters, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    query = _lead_scope(select(Lead).where(where), filters).order_by(Lead.created_at.desc()).limit(DETAIL_ROWS)
    return [{"lead": lead.company, "source": lead.source, "status": lead.status, "owner": lead.owner,
             "region": lead.region, "score": lead.score, "created_at": lead.created_at}
            for lead in session.scalars(query)]


# -- opportunities -----------------------------------------------------------------------------
def _opportunity_scope(query: Select[Any], filters: Filters, when: Any = Opportunity.created_at) -> Select[Any]:
    query = query.join(Customer, Customer.id == Opportunity.customer_id).where(*_between(when, filters))
    return _customer_scope(query, filters, Opportunity.owner)


def pipeline(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Opportunities by stage: count, amount and amount weighted by probability."""
    query = _opportunity_scope(select(Opportunity.stage, func.count(), func.sum(Opportunity.amount),
                                      func.sum(Opportunity.amount * Opportunity.probability / 100))
                               .group_by(Opportunity.stage), filters)
    found = {stage: (int(n), amount, weighted) for stage, n, amount, weighted in session.execute(query)}
    return [{"stage": stage, "opportunities": found[stage][0], "amount": _money(found[stage][1]),
             "weighted": _money(found[stage][2])} for stage in STAGES if stage in found]


def stalled_opportunities(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Open opportunities that have not moved stage for two weeks, per owner."""
    stale = now - STALLED_AFTER
    query = _opportunity_scope(select(process.or_text(Opportunity.owner, "-"), func.count(), func.sum(Opportunity.amount),
                                      func.min(Opportunity.stage_changed_at))
                               .where(Opportunity.stage.in_(OPEN_STAGES), Opportunity.stage_changed_at < stale)
                               .group_by(process.or_text(Opportunity.owner, "-")), filters)
    return [{"owner": owner, "opportunities": int(n), "amount": _money(amount),
             "longest_days": round((now - oldest).total_seconds() / 86400, 1) if isinstance(oldest, datetime) else None}
            for owner, n, amount, oldest in session.execute(query.order_by(func.count().desc()))]


def closed_opportunities(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Opportunities won and lost per month of closing: counts, amounts, win rate."""
    month = process.month_of(session, Opportunity.closed_at)
    won = Opportunity.stage == "won"
    query = _opportunity_scope(select(month, func.sum(case((won, 1), else_=0)), func.sum(case((won, 0), else_=1)),
                                      func.sum(case((won, Opportunity.amount), else_=0)),
                                      func.sum(case((won, 0), else_=Opportunity.amount)))
                               .where(Opportunity.stage.in_(("won", "lost")), Opportunity.closed_at.is_not(None))
                               .group_by(month), filters, Opportunity.closed_at)
    return [{"month": m, "won": int(w or 0), "lost": int(lost or 0), "won_amount": _money(wa),
             "lost_amount": _money(la), "win_rate": round(int(w or 0) / (int(w or 0) + int(lost or 0)), 3)}
            for m, w, lost, wa, la in session.execute(query.order_by(month))]


def forecast(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Open opportunities per quarter of expected close: commit (probability 70 % or more), best case (40 %
    or more) and the whole pipeline, however long ago they were opened."""
    year, month = func.substr(Opportunity.expected_close, 1, 4), func.substr(Opportunity.expected_close, 6, 2)
    quarter = year + "-Q" + cast((cast(month, Integer) + 2) // 3, String)
    amount = Opportunity.amount
    query = _opportunity_scope(select(quarter, func.count(),
                                      func.sum(case((Opportunity.probability >= 70, amount), else_=0)),
                                      func.sum(case((Opportunity.probability >= 40, amount), else_=0)),
                                      func.sum(amount), func.sum(amount * Opportunity.probability / 100))
                               .where(Opportunity.stage.in_(OPEN_STAGES), Opportunity.expected_close.is_not(None))
                               .group_by(quarter), filters)
    return [{"quarter": q, "opportunities": int(n), "commit": _money(c), "best_case": _money(b),
             "pipeline": _money(p), "weighted": _money(w)} for q, n, c, b, p, w in session.execute(query.order_by(quarter))]


def _opportunities(session: Session, filters: Filters, where: ColumnElement[bool],
                   when: Any = Opportunity.created_at) -> list[dict[str, Any]]:
    query = _opportunity_scope(select(Opportunity, Customer.name).where(where), filters, when)
    return [{"opportunity": o.name, "customer": name, "stage": o.stage, "amount": _money(o.amount),
             "probability": o.probability, "expected_close": o.expected_close, "owner": o.owner,
             "stage_changed_at": o.stage_changed_at}
            for o, name in session.execute(query.order_by(Opportunity.amount.desc()).limit(DETAIL_ROWS))]


def contact_roles(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Contacts by the role they play in buying, and how many customers have one."""
    role = process.or_text(Contact.role, "unknown")
    query = _customer_scope(select(role, func.count(), func.count(Contact.customer_id.distinct()))
                            .join(Customer, Customer.id == Contact.customer_id).group_by(role), filters)
    return [{"role": r, "contacts": int(n), "customers": int(customers)}
            for r, n, customers in session.execute(query.order_by(func.count().desc()))]


# -- service, work and control -----------------------------------------------------------------
_complaint_severity = process.or_text(Complaint.severity, "unclassified")


def complaint_sla(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Complaints per severity: received, still open, past their SLA (open and late, or closed late)."""
    open_late, closed_late = _past_sla(now)
    query = (select(_complaint_severity, func.count(), func.sum(case((Complaint.status == "open", 1), else_=0)),
                    func.sum(case((open_late, 1), else_=0)), func.sum(case((closed_late, 1), else_=0)))
             .outerjoin(Customer, Customer.id == Complaint.customer_id)
             .where(*_between(Complaint.created_at, filters)).group_by(_complaint_severity))
    rows = {sev: (int(n), int(o or 0), int(ol or 0), int(cl or 0)) for sev, n, o, ol, cl in
            session.execute(_customer_scope(query, filters))}
    order = [*SEVERITIES, "unclassified"]
    return [{"severity": sev, "complaints": n, "open": o, "open_past_sla": ol, "closed_late": cl,
             "breach_rate": round((ol + cl) / n, 3) if n else 0.0}
            for sev in order if sev in rows for n, o, ol, cl in [rows[sev]]]


def workload(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Open tasks per group: open, unclaimed, overdue, and how many people hold them."""
    return process.workload(session, now, filters.group)


def stalled_work(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Open tasks past their due time (the SLA of the step), per process and step."""
    return [{"step": f"{row['process_key']}:{row['element_id']}", "name": row["name"], "name_zh": row["name_zh"],
             "overdue": row["overdue"], "worst_hours": row["worst_hours"]}
            for row in process.stalled_steps(session, now)]


def control_points(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Control points fired, per point and action, and how often people overrode them."""
    fired = process.event_counts(session, "control_point_triggered", ("control_point", "action"),
                                 filters.since, filters.until)
    overridden = dict(process.event_counts(session, "control_point_overridden", ("control_point",), filters.since,
                                           filters.until))
    return [{"control_point": p, "action": a, "fired": int(n), "overridden": int(overridden.get(p, 0))}
            for p, a, n in sorted(fired, key=lambda r: (str(r[0]), str(r[1])))]


# -- the sales month and week (sales_forecast, weekly_report) ----------------------------------------------------------
_CLOSED = ("met", "explain", "explained", "accepted", "rejected")  # a forecast whose month was compared


def _forecast_scope(query: Select[Any], filters: Filters) -> Select[Any]:
    query = query.where(*_between(Forecast.starts_at, filters))
    return query.where(Forecast.owner == filters.owner) if filters.owner else query


def forecast_accuracy(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Per salesperson, the months that closed: what they forecast, what they won, the mean deviation, how many
    were off by more than allowed and what became of the reasons."""
    closed = Forecast.status.in_(_CLOSED)
    query = _forecast_scope(select(
        Forecast.owner, func.count(), func.sum(Forecast.amount), func.sum(Forecast.actual), func.avg(Forecast.deviation),
        func.sum(case((Forecast.deviation > Forecast.threshold, 1), else_=0)),
        func.sum(case((Forecast.status == "accepted", 1), else_=0)),
        func.sum(case((Forecast.status == "rejected", 1), else_=0))).where(closed).group_by(Forecast.owner), filters)
    return [{"salesperson": owner, "months": int(n), "forecast": _money(forecast), "actual": _money(actual),
             "deviation": round(float(mean or 0), 3), "above_threshold": int(above or 0),
             "reasons_accepted": int(accepted or 0), "reasons_rejected": int(rejected or 0)}
            for owner, n, forecast, actual, mean, above, accepted, rejected in session.execute(
                query.order_by(Forecast.owner))]


def _deals_behind(session: Session, now: datetime, filters: Filters, owner: str) -> list[dict[str, Any]]:
    """The deals behind a salesperson's actual: each won in a month they forecast, with that month's figures."""
    query = _forecast_scope(select(Forecast, Opportunity, Customer.name).join(Opportunity, (
        Opportunity.owner == Forecast.owner) & (Opportunity.stage == "won") & (Opportunity.closed_at >= Forecast.starts_at)
        & (Opportunity.closed_at < Forecast.ends_at)).join(Customer, Customer.id == Opportunity.customer_id).where(
        Forecast.owner == owner, Forecast.status.in_(_CLOSED)), filters)
    return [{"month": f.period, "deal": o.name, "customer": name, "amount": _money(o.amount), "closed_at": o.closed_at,
             "month_forecast": _money(f.amount), "month_actual": _money(f.actual)}
            for f, o, name in session.execute(query.order_by(Forecast.period, Opportunity.closed_at).limit(DETAIL_ROWS))]


def forecast_submission(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Per salesperson: forecasts asked for, handed in on time, late, still missing past their due date, and not yet
    due."""
    handed, missing = Forecast.submitted_at.is_not(None), Forecast.submitted_at.is_(None)
    query = (select(Forecast.owner, func.count(), func.sum(case((handed & (Forecast.submitted_at <= Forecast.due_at), 1),
                                                                else_=0)),
                    func.sum(case((handed & (Forecast.submitted_at > Forecast.due_at), 1), else_=0)),
                    func.sum(case((missing & (Forecast.due_at < now), 1), else_=0)),
                    func.sum(case((missing & (Forecast.due_at >= now), 1), else_=0)))
             .where(*_between(Forecast.requested_at, filters)).group_by(Forecast.owner))
    if filters.owner:
        query = query.where(Forecast.owner == filters.owner)
    return [{"salesperson": owner, "requested": int(n), "on_time": int(on_time or 0), "late": int(late or 0),
             "missing": int(gone or 0), "not_yet_due": int(pending or 0),
             "on_time_rate": round(int(on_time or 0) / int(n), 3)}
            for owner, n, on_time, late, gone, pending in session.execute(query.order_by(Forecast.owner))]


def _forecasts_of(session: Session, now: datetime, filters: Filters, owner: str) -> list[dict[str, Any]]:
    query = select(Forecast).where(Forecast.owner == owner, *_between(Forecast.requested_at, filters))
    return [{"month": f.period, "requested_at": f.requested_at, "due_at": f.due_at, "submitted_at": f.submitted_at,
             "forecast": None if f.amount is None else _money(f.amount), "status": f.status}
            for f in session.scalars(query.order_by(Forecast.period.desc()).limit(DETAIL_ROWS))]


def weekly_reports(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Per salesperson: weeks asked for, reports handed in (on time), reviewed, and the week's figures summed."""
    handed = WeeklyReport.submitted_at.is_not(None)
    query = (select(WeeklyReport.owner, func.count(), func.sum(case((handed, 1), else_=0)),
                    func.sum(case((handed & (WeeklyReport.submitted_at <= WeeklyReport.due_at), 1), else_=0)),
                    func.sum(case((WeeklyReport.reviewed_at.is_not(None), 1), else_=0)),
                    func.sum(WeeklyReport.new_customers), func.sum(WeeklyReport.visits),
                    func.sum(WeeklyReport.deals_signed), func.sum(WeeklyReport.signed_amount))
             .where(*_between(WeeklyReport.requested_at, filters)).group_by(WeeklyReport.owner))
    if filters.owner:
        query = query.where(WeeklyReport.owner == filters.owner)
    return [{"salesperson": owner, "weeks": int(n), "handed_in": int(handed_in or 0), "on_time": int(on_time or 0),
             "reviewed": int(reviewed or 0), "new_customers": int(customers or 0), "visits": int(visits or 0),
             "deals_signed": int(deals or 0), "signed_amount": _money(amount)}
            for owner, n, handed_in, on_time, reviewed, customers, visits, deals, amount in session.execute(
                query.order_by(WeeklyReport.owner))]


def _weeks_of(session: Session, now: datetime, filters: Filters, owner: str) -> list[dict[str, Any]]:
    query = select(WeeklyReport).where(WeeklyReport.owner == owner, *_between(WeeklyReport.requested_at, filters))
    return [{"week": r.week, "new_customers": r.new_customers, "visits": r.visits, "deals_signed": r.deals_signed,
             "signed_amount": _money(r.signed_amount), "plan": (r.plan or "")[:200] or None,
             "submitted_at": r.submitted_at, "reviewed_by": r.reviewed_by}
            for r in session.scalars(query.order_by(WeeklyReport.week.desc()).limit(DETAIL_ROWS))]


def service_workload(session: Session, now: datetime, filters: Filters) -> list[dict[str, Any]]:
    """Per month a complaint came in: complaints received, customers served, resolved and still open."""
    month = process.month_of(session, Complaint.created_at)
    query = _customer_scope(select(month, func.count(), func.count(Complaint.customer_id.distinct()),
                                   func.sum(case((Complaint.status == "open", 0), else_=1)),
                                   func.sum(case((Complaint.status == "open", 1), else_=0)))
                            .outerjoin(Customer, Customer.id == Complaint.customer_id)
                            .where(*_between(Complaint.created_at, filters)).group_by(month), filters)
    return [{"month": m, "received": int(n), "customers_served": int(served or 0), "resolved": int(done or 0),
             "open": int(still or 0)} for m, n, served, done, still in session.execute(query.order_by(month))]


def _complaints_of_month(session: Session, now: datetime, filters: Filters, month: str) -> list[dict[str, Any]]:
    query = (select(Complaint, Customer.name).outerjoin(Customer, Customer.id == Complaint.customer_id)
             .where(process.month_of(session, Complaint.created_at) == month, *_between(Complaint.created_at, filters))
             .order_by(Complaint.created_at.desc()).limit(DETAIL_ROWS))
    return [{"complaint": f"CP-{c.id:05d}", "customer": name, "product": c.product, "severity": c.severity,
             "status": c.status, "created_at": c.created_at, "closed_at": c.closed_at}
            for c, name in session.execute(_customer_scope(query, filters))]


def _complaints(session: Session, now: datetime, filters: Filters, severity: str) -> list[dict[str, Any]]:
    query = (select(Complaint, Customer.name, or_(*_past_sla(now)))
             .outerjoin(Customer, Customer.id == Complaint.customer_id)
             .where(_complaint_severity == severity, *_between(Complaint.created_at, filters))
             .order_by(Complaint.created_at.desc()).limit(DETAIL_ROWS))
    return [{"complaint": f"CP-{c.id:05d}", "customer": name, "product": c.product, "status": c.status,
             "sla_due_at": c.sla_due_at, "closed_at": c.closed_at, "past_sla": bool(late)}
            for c, name, late in session.execute(_customer_scope(query, filters))]


def _past_sla(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Open past its SLA; closed after it. Null (neither) without an SLA, and for a complaint closed before closing
    times were kept."""
    is_open = Complaint.status == "open"
    return is_open & (Complaint.sla_due_at < now), ~is_open & (Complaint.closed_at > Complaint.sla_due_at)


def _stalled_detail(session: Session, now: datetime, value: str) -> list[dict[str, Any]]:
    key, _, element = value.partition(":")
    return process.open_tasks(session, step=(key, element), due_before=now, limit=DETAIL_ROWS)


C = Column
# The fields of the rows a drill-down shows (the records and cases behind a figure), labelled once for every report.
FIELDS: dict[str, Column] = {c.key: c for c in (
    C("customer", "Customer", "客户", "text"), C("number", "Number", "编号", "text"), C("region", "Region", "区域", "text"),
    C("owner", "Owner", "负责人", "text"), C("status", "Status", "状态", "text"),
    C("credit_limit", "Credit limit", "信用额度", "money"), C("credit_used", "Credit used", "已用额度", "money"),
    C("lead", "Lead", "线索", "text"), C("source", "Source", "来源", "text"), C("score", "Score", "评分"),
    C("created_at", "Created", "创建时间", "date"), C("opportunity", "Opportunity", "商机", "text"),
    C("stage", "Stage", "阶段", "text"), C("amount", "Amount", "金额", "money"), C("probability", "Probability (%)", "赢率（%）"),
    C("expected_close", "Expected close", "预计成交日", "text"), C("stage_changed_at", "Stage changed", "阶段变更时间", "date"),
    C("contact", "Contact", "联系人", "text"), C("role", "Role", "角色", "text"), C("phone", "Phone", "电话", "text"),
    C("complaint", "Complaint", "投诉", "text"), C("product", "Product", "产品", "text"),
    C("severity", "Severity", "严重程度", "text"), C("sla_due_at", "SLA due", "时限", "date"),
    C("closed_at", "Closed", "关闭时间", "date"), C("past_sla", "Past SLA", "超时", "text"),
    C("business_key", "Case", "案件编号", "text"), C("instance_id", "Case id", "案件标识", "text"),
    C("task", "Task", "任务", "text"), C("name", "Step", "步骤", "text"), C("assignee", "Assignee", "处理人", "text"),
    C("group", "Group", "组", "text"), C("due_at", "Due", "截止时间", "date"), C("actor", "By", "操作人", "text"),
    C("element_id", "Step id", "步骤标识", "text"), C("at", "When", "时间", "date"), C("month", "Month", "月份", "text"),
    C("deal", "Deal", "交易", "text"), C("month_forecast", "Month's forecast", "当月预测", "money"),
    C("month_actual", "Month's won", "当月赢单", "money"), C("requested_at", "Asked for", "发起时间", "date"),
    C("submitted_at", "Handed in", "提交时间", "date"), C("forecast", "Forecast", "预测", "money"),
    C("week", "Week of", "周（起始日）", "text"), C("new_customers", "New customers", "新客户"), C("visits", "Visits", "拜访"),
    C("deals_signed", "Deals won", "签单数"), C("signed_amount", "Amount won", "签单金额", "money"),
    C("plan", "Plan", "计划", "text"), C("reviewed_by", "Reviewed by", "审阅人", "text"),
    # what the CRM's services and control points answer, as the case history shows it
    C("lead_id", "Lead number", "线索编号", "text"), C("found", "Found", "已找到", "text"),
    C("duplicate_of", "Duplicate of", "重复于", "text"), C("merged_into", "Merged into", "合并到", "text"),
    C("customer_id", "Customer number", "客户编号", "text"), C("contact_id", "Contact number", "联系人编号", "text"),
    C("opportunity_id", "Opportunity number", "商机编号", "text"), C("requested_by", "Requested by", "申请人", "text"),
    C("reason", "Reason", "原因", "text"), C("order_id", "Order number", "订单编号", "text"),
    C("overridden", "Overridden", "已特批", "text"), C("approved_price", "Approved price", "批准价格", "money"),
    C("approved_by", "Approved by", "批准人", "text"), C("payment_id", "Payment number", "付款编号", "text"),
    C("notified", "Notified", "已通知", "text"), C("complaint_id", "Complaint number", "投诉编号", "text"),
    C("hours", "Hours", "小时数"), C("duration", "Duration", "时长", "text"),
    C("forecast_id", "Forecast number", "预测编号", "text"), C("period", "Period", "期间", "text"),
    C("pipeline", "Pipeline", "在途商机", "money"), C("pipeline_deals", "Deals in the pipeline", "在途商机数"),
    C("on_time", "On time", "按时", "text"), C("report_id", "Report number", "周报编号", "text"),
    C("usage", "Credit usage", "额度使用率", "percent"), C("threshold", "Threshold", "阈值", "text"),
    C("blocked", "Blocked", "已冻结", "text"), C("required", "Required", "需要", "text"),
    C("received", "Received", "已收到", "text"), C("actual", "Won", "实际赢单", "money"),
    C("won_deals", "Deals won", "赢单数"), C("deviation", "Deviation", "偏差", "percent"),
    C("payment_terms", "Payment terms", "付款条件", "text"), C("longest", "Longest terms allowed", "最长付款条件", "text"),
    C("customer_class", "Customer class", "客户等级", "text"),
    C("requested_credit_limit", "Requested credit limit", "申请信用额度", "money"),
)}


def field_column(key: str, value: Any) -> Column:
    """How a drill-down field is headed and shown: as FIELDS says, else by its name and the kind of its value."""
    known = FIELDS.get(key)
    if known is not None:
        return known
    words = key.replace("_", " ")
    kind = "date" if isinstance(value, datetime) else "count" if isinstance(value, int | float) and not isinstance(
        value, bool) else "text"
    return Column(key, words[:1].upper() + words[1:], words, kind)


REPORTS: dict[str, Report] = {r.key: r for r in (
    Report("active_customers", "Active customers by region", "活跃客户（按区域）",
           (C("region", "Region", "区域", "text"), C("customers", "Customers", "客户数"),
            C("credit_limit", "Credit limit", "信用额度", "money"), C("credit_used", "Credit used", "已用额度", "money"),
            C("usage", "Usage", "使用率", "percent"), C("at_or_above_90", "At or above 90 %", "使用率≥90%")),
           ("customers", "at_or_above_90"), ("since", "until", "owner", "region"), active_customers,
           lambda s, now, f, v: _customers(s, now, f, (Customer.status == "active") & (
               process.or_text(Customer.region, "-") == v)), labels=REGIONS),
    Report("customer_owners", "Customers per owner", "客户负责人", (
        C("owner", "Owner", "负责人", "text"), C("customers", "Customers", "客户数"), C("active", "Active", "活跃"),
        C("pending", "Awaiting approval", "待审批"), C("credit_used", "Credit used", "已用额度", "money")),
           ("active", "pending"), ("since", "until", "owner", "region"), customer_owners,
           lambda s, now, f, v: _customers(s, now, f, process.or_text(Customer.owner, "-") == v)),
    Report("lead_lifecycle", "Lead lifecycle", "线索生命周期", (
        C("status", "Status", "状态", "text"), C("leads", "Leads", "线索数"), C("share", "Share", "占比", "percent"),
        C("avg_age_days", "Average age (days)", "平均时长（天）", "hours")),
           ("leads",), ("since", "until", "owner", "region", "source"), lead_lifecycle,
           lambda s, now, f, v: _leads(s, f, Lead.status == v),
           labels={"new": ("New", "新建"), "qualified": ("Qualified", "已确认"), "converted": ("Converted", "已转化"),
                   "disqualified": ("Disqualified", "已淘汰"), "merged": ("Merged", "已合并")}, periodic=True),
    Report("lead_sources", "Lead source effectiveness", "线索来源效果", (
        C("source", "Source", "来源", "text"), C("captured", "Captured", "获取"), C("qualified", "Qualified", "确认"),
        C("converted", "Converted", "转化"), C("disqualified", "Disqualified", "淘汰"),
        C("conversion_rate", "Conversion rate", "转化率", "percent"), C("pipeline", "Pipeline", "商机金额", "money")),
           ("captured", "converted"), ("since", "until", "owner", "region", "source"), lead_sources,
           lambda s, now, f, v: _leads(s, f, Lead.source == v), labels=SOURCES, periodic=True),
    Report("pipeline", "Opportunity pipeline by stage", "商机管道（按阶段）", (
        C("stage", "Stage", "阶段", "text"), C("opportunities", "Opportunities", "商机数"),
        C("amount", "Amount", "金额", "money"), C("weighted", "Weighted", "加权金额", "money")),
           ("amount", "weighted"), ("since", "until", "owner", "region"), pipeline,
           lambda s, now, f, v: _opportunities(s, f, Opportunity.stage == v), labels=STAGES, periodic=True),
    Report("stalled_opportunities", "Stalled opportunities (no stage change for 14 days)", "停滞商机（14天未推进）", (
        C("owner", "Owner", "负责人", "text"), C("opportunities", "Opportunities", "商机数"),
        C("amount", "Amount", "金额", "money"), C("longest_days", "Longest (days)", "最长（天）", "hours")),
           ("opportunities",), ("owner", "region"), stalled_opportunities,
           lambda s, now, f, v: _opportunities(s, f, (process.or_text(Opportunity.owner, "-") == v)
                                               & Opportunity.stage.in_(OPEN_STAGES)
                                               & (Opportunity.stage_changed_at < now - STALLED_AFTER))),
    Report("closed_opportunities", "Closed opportunities per month", "已关闭商机（按月）", (
        C("month", "Month", "月份", "text"), C("won", "Won", "赢单"), C("lost", "Lost", "输单"),
        C("won_amount", "Won amount", "赢单金额", "money"), C("lost_amount", "Lost amount", "输单金额", "money"),
        C("win_rate", "Win rate", "赢率", "percent")),
           ("won", "lost"), ("since", "until", "owner", "region"), closed_opportunities,
           lambda s, now, f, v: _opportunities(s, f, Opportunity.stage.in_(("won", "lost"))
                                               & (process.month_of(s, Opportunity.closed_at) == v), Opportunity.closed_at),
           periodic=True),
    Report("forecast", "Quarterly forecast: commit, best case, pipeline", "季度预测：承诺、最佳、管道", (
        C("quarter", "Quarter", "季度", "text"), C("opportunities", "Opportunities", "商机数"),
        C("commit", "Commit", "承诺", "money"), C("best_case", "Best case", "最佳情况", "money"),
        C("pipeline", "Pipeline", "管道", "money"), C("weighted", "Weighted", "加权", "money")),
           ("commit", "best_case", "pipeline"), ("owner", "region"), forecast,
           lambda s, now, f, v: _opportunities(s, f, Opportunity.stage.in_(OPEN_STAGES)
                                               & Opportunity.expected_close.startswith(v[:4]))),
    Report("contact_roles", "Contact roles", "联系人角色", (
        C("role", "Role", "角色", "text"), C("contacts", "Contacts", "联系人数"), C("customers", "Customers", "客户数")),
           ("contacts",), ("owner", "region"), contact_roles,
           lambda s, now, f, v: [{"contact": c.name, "customer": name, "role": c.role, "phone": c.phone}
                                 for c, name in s.execute(_customer_scope(select(Contact, Customer.name).join(
                                     Customer, Customer.id == Contact.customer_id).where(
                                     process.or_text(Contact.role, "unknown") == v), f).limit(DETAIL_ROWS))],
           labels={**ROLES, "unknown": ("Not recorded", "未记录")}),
    Report("complaint_sla", "Complaints and SLA breaches by severity", "投诉与超时（按严重程度）", (
        C("severity", "Severity", "严重程度", "text"), C("complaints", "Complaints", "投诉数"), C("open", "Open", "未结"),
        C("open_past_sla", "Open past SLA", "超时未结"), C("closed_late", "Closed late", "超时结案"),
        C("breach_rate", "Past SLA (open or closed late)", "超时比例（未结或超时结案）", "percent")),
           ("complaints", "open_past_sla", "closed_late"), ("since", "until", "region", "owner"), complaint_sla,
           _complaints, labels={**SEVERITIES, "unclassified": ("Unclassified", "未分类")}, periodic=True),
    Report("stalled", "Stalled work: past the SLA of the current step", "停滞工作：超出当前步骤时限", (
        C("step", "Step", "步骤", "text"), C("name", "Name", "名称", "text"), C("overdue", "Overdue tasks", "超期任务"),
        C("worst_hours", "Worst (hours)", "最长超期（小时）", "hours")),
           ("overdue",), (), stalled_work, lambda s, now, f, v: _stalled_detail(s, now, v)),
    Report("workload", "Workload per group", "各组工作量", (
        C("group", "Group", "组", "text"), C("open", "Open", "待办"), C("unclaimed", "Unclaimed", "未认领"),
        C("overdue", "Overdue", "超期"), C("people", "People holding tasks", "处理人数")),
           ("open", "overdue"), ("group",), workload,
           lambda s, now, f, v: process.open_tasks(s, group=v, limit=DETAIL_ROWS)),
    Report("forecast_accuracy", "Forecast accuracy by salesperson", "销售预测准确度（按销售人员）", (
        C("salesperson", "Salesperson", "销售人员", "text"), C("months", "Months closed", "已结束月份"),
        C("forecast", "Forecast", "预测", "money"), C("actual", "Won", "实际赢单", "money"),
        C("deviation", "Mean deviation", "平均偏差", "percent"),
        C("above_threshold", "Months off by more than allowed", "超出允许偏差的月份"),
        C("reasons_accepted", "Reasons accepted", "原因被接受"), C("reasons_rejected", "Reasons rejected", "原因被驳回")),
           ("forecast", "actual"), ("since", "until", "owner"), forecast_accuracy, _deals_behind, periodic=True),
    Report("forecast_submission", "Forecasts handed in on time", "销售预测按时提交", (
        C("salesperson", "Salesperson", "销售人员", "text"), C("requested", "Asked for", "应提交"),
        C("on_time", "On time", "按时"), C("late", "Late", "逾期提交"), C("missing", "Missing past due", "逾期未交"),
        C("not_yet_due", "Not yet due", "未到期"), C("on_time_rate", "On time", "按时率", "percent")),
           ("on_time", "late", "missing"), ("since", "until", "owner"), forecast_submission, _forecasts_of,
           periodic=True),
    Report("weekly_reports", "Weekly reports: handed in, reviewed and their figures", "销售周报：提交、审阅与数据", (
        C("salesperson", "Salesperson", "销售人员", "text"), C("weeks", "Weeks", "周数"),
        C("handed_in", "Handed in", "已提交"), C("on_time", "On time", "按时"), C("reviewed", "Reviewed", "已审阅"),
        C("new_customers", "New customers", "新客户"), C("visits", "Visits", "拜访"),
        C("deals_signed", "Deals won", "签单数"), C("signed_amount", "Amount won", "签单金额", "money")),
           ("handed_in", "visits", "deals_signed"), ("since", "until", "owner"), weekly_reports, _weeks_of,
           periodic=True),
    Report("service_workload", "Service workload per month", "客服工作量（按月）", (
        C("month", "Month", "月份", "text"), C("received", "Complaints received", "收到投诉"),
        C("customers_served", "Customers served", "服务客户数"), C("resolved", "Resolved", "已解决"),
        C("open", "Still open", "未结")),
           ("received", "resolved", "open"), ("since", "until", "region", "owner"), service_workload,
           _complaints_of_month, periodic=True),
    Report("control_points", "Control points fired", "控制点触发", (
        C("control_point", "Control point", "控制点", "text"), C("action", "Action", "动作", "text"),
        C("fired", "Fired", "触发次数"), C("overridden", "Overridden", "被特批次数")),
           ("fired", "overridden"), ("since", "until"), control_points,
           lambda s, now, f, v: process.events_with(s, "control_point_triggered", "control_point", v, f.since,
                                                    f.until, DETAIL_ROWS), periodic=True),
)}
