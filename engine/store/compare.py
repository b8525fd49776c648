"""Two versions of a process side by side, over the cases each started in the same period."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import quantiles
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .reports import PATH_EVENTS, between
from .tables import HistoryEvent, Instance, TaskRow

MAX_CASES = 20_000  # cases read per version: a comparison is a sample, not an export
SMALL = 20  # fewer cases than this: too few to judge
_EVENTS = (*PATH_EVENTS, "control_point_triggered", "control_point_overridden")
# What is compared, in the order shown: (key, English, Chinese)
MEASURES = (
    ("started", "Cases started", "发起案件数"), ("completed", "Completed", "已完成"),
    ("cycle_p50_hours", "Cycle time p50 (hours)", "周期中位数（小时）"),
    ("cycle_p90_hours", "Cycle time p90 (hours)", "周期 P90（小时）"),
    ("steps_per_case", "Steps per case", "每案步骤数"), ("overrides", "Overrides", "特批次数"),
    ("sla_breaches", "SLA breaches", "超时任务"), ("deviations", "Cases off the standard path", "偏离标准路径的案件"),
    ("reopened", "Cases with a step done again", "有步骤重做的案件"),
)


def compare(session: Session, process_key: str, a: int, b: int, since: datetime | None, until: datetime | None,
            now: datetime) -> dict[str, Any]:
    """Each measure for versions `a` and `b` over the cases they started in the period, with the difference."""
    figures = {version: _figures(session, process_key, version, since, until, now) for version in (a, b)}
    rows = [{"measure": key, "en": en, "zh": zh, "a": figures[a][key], "b": figures[b][key],
             "difference": _difference(figures[a][key], figures[b][key])} for key, en, zh in MEASURES]
    points = sorted(set(figures[a]["control_points"]) | set(figures[b]["control_points"]))
    rows += [{"measure": f"control_point:{point}", "en": f"Control point {point} fired",
              "zh": f"控制点 {point} 触发次数", "a": figures[a]["control_points"].get(point, 0),
              "b": figures[b]["control_points"].get(point, 0),
              "difference": figures[b]["control_points"].get(point, 0) - figures[a]["control_points"].get(point, 0)}
             for point in points]
    notes = [f"version {v} started only {figures[v]['started']} case{'' if figures[v]['started'] == 1 else 's'} in "
             f"the period: too few to judge (fewer than {SMALL})" for v in (a, b) if figures[v]["started"] < SMALL]
    return {"process_key": process_key, "a": a, "b": b, "since": since, "until": until, "rows": rows, "notes": notes}


def _figures(session: Session, process_key: str, version: int, since: datetime | None, until: datetime | None,
             now: datetime) -> dict[str, Any]:
    cases = session.execute(select(Instance.id, Instance.status, Instance.started_at, Instance.ended_at).where(
        Instance.process_key == process_key, Instance.version == version, *between(Instance.started_at, since, until))
        .order_by(Instance.started_at).limit(MAX_CASES)).all()
    ids = [case.id for case in cases]
    paths: dict[str, list[str]] = {case_id: [] for case_id in ids}
    points: Counter[str] = Counter()
    overrides = 0
    for chunk in _chunks(ids):
        for event in session.execute(select(HistoryEvent.instance_id, HistoryEvent.type, HistoryEvent.element_id,
                                            HistoryEvent.data).where(HistoryEvent.instance_id.in_(chunk),
                                                                     HistoryEvent.type.in_(_EVENTS))
                                     .order_by(HistoryEvent.id)):
            if event.type == "control_point_triggered":
                points[str((event.data or {}).get("control_point"))] += 1
            elif event.type == "control_point_overridden":
                overrides += 1
            elif event.element_id:
                paths[event.instance_id].append(event.element_id)
    breaches = sum(_breaches(session, chunk, now) for chunk in _chunks(ids))
    hours = sorted((c.ended_at - c.started_at).total_seconds() / 3600 for c in cases
                   if c.status == "completed" and c.ended_at is not None)
    variants = Counter(">".join(path) for path in paths.values())
    standard = variants.most_common(1)[0][1] if variants else 0
    return {"started": len(cases), "completed": sum(1 for c in cases if c.status == "completed"),
            "cycle_p50_hours": _quantile(hours, 0), "cycle_p90_hours": _quantile(hours, 1),
            "steps_per_case": round(sum(map(len, paths.values())) / len(ids), 1) if ids else None,
            "overrides": overrides, "sla_breaches": breaches, "deviations": len(ids) - standard,
            "reopened": sum(1 for path in paths.values() if len(set(path)) < len(path)),
            "control_points": dict(points)}


def _breaches(session: Session, ids: list[str], now: datetime) -> int:
    """Tasks of these cases done after their due time, or still open past it."""
    late = 0
    for due, done in session.execute(select(TaskRow.due_at, TaskRow.completed_at).where(
            TaskRow.instance_id.in_(ids), TaskRow.due_at.is_not(None))):
        late += (done or now) > due
    return late


def _quantile(values: list[float], which: int) -> float | None:
    """p50 (which=0) or p90 (which=1) of a sorted list, in hours with one decimal."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    cuts = quantiles(values, n=10, method="inclusive")
    return round(cuts[4] if which == 0 else cuts[8], 1)


def _difference(a: Any, b: Any) -> Any:
    return round(b - a, 1) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]
