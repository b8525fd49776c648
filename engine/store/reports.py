"""Process reports read from the history and the task projection, never from live state.

Each function takes a read session and returns plain data (lists of dicts), so the API
serves it as JSON and the pages render it as tables.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import HistoryEvent, TaskRow

# How a history event departs from the modelled path, by event type.
DEVIATIONS = {
    "task_cancelled": "skipped",          # an interrupting timer or a terminate took the task away
    "instance_retried": "reset",          # an administrator fixed the data and ran the step again
    "task_delegated": "reassigned",
    "task_unclaimed": "reassigned",
    "control_point_overridden": "overridden",
    "instance_migrated": "migrated",
    "instance_terminated": "terminated",
}


def step_durations(session: Session, process_key: str | None = None) -> list[dict[str, Any]]:
    """Time spent in each user task: completed count, average and longest hours, still open."""
    query = select(TaskRow.process_key, TaskRow.element_id, TaskRow.name, TaskRow.state,
                   TaskRow.created_at, TaskRow.completed_at)
    if process_key is not None:
        query = query.where(TaskRow.process_key == process_key)
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for key, element_id, name, state, created, completed in session.execute(query):
        step = steps.setdefault((key, element_id), {"process_key": key, "element_id": element_id, "name": name,
                                                    "completed": 0, "open": 0, "hours": []})
        if state == "completed" and completed is not None:
            step["completed"] += 1
            step["hours"].append((completed - created).total_seconds() / 3600)
        elif state == "ready":
            step["open"] += 1
    for step in steps.values():
        hours = step.pop("hours")
        step["avg_hours"] = round(sum(hours) / len(hours), 2) if hours else None
        step["max_hours"] = round(max(hours), 2) if hours else None
    return sorted(steps.values(), key=lambda s: (s["process_key"], -(s["avg_hours"] or 0)))


def heat(durations: list[dict[str, Any]]) -> dict[str, float]:
    """Average time per step scaled to 0..1 (the slowest step is 1), for a diagram overlay."""
    averages = {s["element_id"]: s["avg_hours"] for s in durations if s["avg_hours"] is not None}
    slowest = max(averages.values(), default=0)
    return {element: (hours / slowest if slowest else 0.0) for element, hours in averages.items()}


def stalled(session: Session, now: datetime, limit: int = 200) -> list[dict[str, Any]]:
    """Open tasks past their due time (the SLA of the step an instance waits on), longest overdue first."""
    query = (select(TaskRow).where(TaskRow.state == "ready", TaskRow.due_at < now)
             .order_by(TaskRow.due_at).limit(limit))
    return [{"instance_id": t.instance_id, "process_key": t.process_key, "business_key": t.business_key,
             "task_id": t.id, "element_id": t.element_id, "name": t.name, "assignee": t.assignee,
             "candidate_group": t.candidate_group, "due_at": t.due_at,
             "overdue_hours": _hours(now - t.due_at)} for t in session.scalars(query) if t.due_at is not None]


def workload(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Open tasks per group: unclaimed, claimed or assigned, overdue, and who holds how many."""
    rows = session.execute(select(TaskRow.candidate_group, TaskRow.assignee, TaskRow.due_at)
                           .where(TaskRow.state == "ready"))
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "unclaimed": 0, "overdue": 0,
                                                             "by_user": Counter()})
    for group, assignee, due_at in rows:
        entry = groups[group or "-"]
        entry["open"] += 1
        entry["unclaimed"] += assignee is None
        entry["overdue"] += due_at is not None and due_at < now
        if assignee:
            entry["by_user"][assignee] += 1
    return [{"group": group, **{k: v for k, v in entry.items() if k != "by_user"},
             "by_user": dict(entry["by_user"].most_common())} for group, entry in sorted(groups.items())]


def deviations(session: Session, limit: int = 100) -> dict[str, Any]:
    """Where work left the modelled path: counts per kind and process, and the latest cases."""
    query = select(HistoryEvent).where(HistoryEvent.type.in_(DEVIATIONS)).order_by(HistoryEvent.id.desc())
    counts: Counter[tuple[str, str]] = Counter()
    recent: list[dict[str, Any]] = []
    for event in session.scalars(query):
        kind = DEVIATIONS[event.type]
        counts[(event.process_key, kind)] += 1
        if len(recent) < limit:
            recent.append({"kind": kind, "event": event.type, "process_key": event.process_key,
                           "business_key": event.business_key, "instance_id": event.instance_id,
                           "element_id": event.element_id, "actor": event.actor, "data": event.data,
                           "at": event.at})
    return {"counts": [{"process_key": key, "kind": kind, "count": n} for (key, kind), n in sorted(counts.items())],
            "recent": recent}


def events_of_type(session: Session, event_type: str, limit: int = 200) -> list[HistoryEvent]:
    """The newest history events of one type (for reports a domain pack builds)."""
    query = (select(HistoryEvent).where(HistoryEvent.type == event_type)
             .order_by(HistoryEvent.id.desc()).limit(limit))
    return list(session.scalars(query))


def _hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)
