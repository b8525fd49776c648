"""The reports managers read, from the history and the CRM records (see ../shared/seeds).

`REPORTS` maps a report key to its titles (English, Chinese) and the function that builds
it from a read session and the current time; the API and the pages serve this table.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import reports as process_reports

from .records import Complaint, Customer, Lead, Opportunity

LEAD_STEPS = ("captured", "qualified", "converted")
OPEN_STAGES = ("qualification", "needs_analysis", "proposal", "negotiation")


def lead_funnel(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Leads per source: captured, qualified, converted, disqualified, merged, still open (or nurtured)."""
    funnel: dict[str, Counter] = defaultdict(Counter)
    for source, status in session.execute(select(Lead.source, Lead.status)):
        row = funnel[source]
        row["captured"] += 1
        row["qualified"] += status in ("qualified", "converted")
        row[status] += status in ("converted", "disqualified", "merged")
        row["open"] += status == "new"
    return [{"source": source, **{k: row[k] for k in (*LEAD_STEPS, "disqualified", "merged", "open")},
             "conversion_rate": round(row["converted"] / row["captured"], 3)}
            for source, row in sorted(funnel.items())]


def lead_lifecycle(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Time leads spend in each step of lead_to_opportunity (hours, from the task history)."""
    return process_reports.step_durations(session, "lead_to_opportunity")


def pipeline(session: Session, now: datetime) -> dict[str, Any]:
    """Opportunities by stage (count, amount, weighted) and the weighted forecast per quarter."""
    stages: dict[str, dict[str, Any]] = {}
    quarters: dict[str, Decimal] = defaultdict(Decimal)
    for opportunity in session.scalars(select(Opportunity)):
        weighted = opportunity.amount * opportunity.probability / 100
        stage = stages.setdefault(opportunity.stage, {"stage": opportunity.stage, "count": 0,
                                                      "amount": Decimal(0), "weighted": Decimal(0)})
        stage["count"] += 1
        stage["amount"] += opportunity.amount
        stage["weighted"] += weighted
        if opportunity.stage in OPEN_STAGES and opportunity.expected_close:
            quarters[_quarter(date.fromisoformat(opportunity.expected_close))] += weighted
    order = {stage: n for n, stage in enumerate((*OPEN_STAGES, "won", "lost"))}
    return {"stages": [{**s, "amount": float(s["amount"]), "weighted": float(s["weighted"])}
                       for s in sorted(stages.values(), key=lambda s: order.get(s["stage"], 99))],
            "forecast": [{"quarter": q, "weighted": float(v)} for q, v in sorted(quarters.items())]}


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def complaint_sla_breaches(session: Session, now: datetime) -> dict[str, Any]:
    """Complaints open past their SLA, and the SLA escalations the timers fired."""
    query = (select(Complaint, Customer.name).outerjoin(Customer, Customer.id == Complaint.customer_id)
             .where(Complaint.status == "open", Complaint.sla_due_at < now).order_by(Complaint.sla_due_at))
    open_breaches = [{"complaint_id": c.id, "customer": name, "product": c.product, "severity": c.severity,
                      "sla_due_at": c.sla_due_at, "overdue_hours": round((now - c.sla_due_at).total_seconds() / 3600, 1)}
                     for c, name in session.execute(query)]
    escalations = [{"business_key": e.business_key, "instance_id": e.instance_id, "element_id": e.element_id,
                    "at": e.at} for e in process_reports.events_of_type(session, "timer_fired")
                   if e.process_key.startswith("complaint")]
    return {"open_past_sla": open_breaches, "escalations": escalations}


def control_points_fired(session: Session, now: datetime) -> dict[str, Any]:
    """Control points triggered (per point and action) and overridden, with the latest evidence."""
    fired = process_reports.events_of_type(session, "control_point_triggered", limit=1000)
    overridden = process_reports.events_of_type(session, "control_point_overridden", limit=1000)
    counts = Counter(((e.data or {}).get("control_point"), (e.data or {}).get("action")) for e in fired)
    overrides = Counter((e.data or {}).get("control_point") for e in overridden)
    return {"counts": [{"control_point": point, "action": action, "count": n, "overridden": overrides[point]}
                       for (point, action), n in sorted(counts.items())],
            "recent": [{"control_point": (e.data or {}).get("control_point"), "business_key": e.business_key,
                        "instance_id": e.instance_id, "evidence": e.data, "at": e.at} for e in fired[:50]]}


@dataclass(frozen=True)
class Report:
    """A report: its titles and how it is built."""

    key: str
    title_en: str
    title_zh: str
    build: Callable[[Session, datetime], Any]


REPORTS: dict[str, Report] = {r.key: r for r in (
    Report("lead_funnel", "Lead funnel by source", "线索漏斗（按来源）", lead_funnel),
    Report("lead_lifecycle", "Lead lifecycle: time in each step", "线索生命周期：各步骤耗时", lead_lifecycle),
    Report("pipeline", "Opportunity pipeline and quarterly forecast", "商机管道与季度预测", pipeline),
    Report("stalled", "Stalled work: past the SLA of the current step", "停滞工作：超出当前步骤时限",
           lambda session, now: process_reports.stalled(session, now)),
    Report("complaint_sla", "Complaint SLA breaches", "投诉超时", complaint_sla_breaches),
    Report("workload", "Workload per group", "各组工作量", lambda session, now: process_reports.workload(session, now)),
    Report("control_points", "Control points fired", "控制点触发", control_points_fired),
    Report("deviations", "Deviations from the standard path", "偏离标准流程",
           lambda session, now: process_reports.deviations(session)),
)}
