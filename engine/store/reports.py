"""Process reports read from the history and the task projection, never from live state.

Every figure is a SQL aggregate (GROUP BY in the database), so a report costs about the same
with a thousand cases as with a million; lists are bounded. Each function takes a read session
and returns plain data (lists of dicts) the API serves as JSON and the pages render.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from .tables import HistoryEvent, Instance, TaskRow, Timer

# How a history event departs from the modelled path, by event type.
DEVIATIONS = {
    "task_cancelled": "taken away",       # an interrupting timer (an SLA escalation) or a terminate
    "instance_retried": "reset",          # an administrator fixed the data and ran the step again
    "task_delegated": "reassigned",
    "task_unclaimed": "given back",
    "control_point_overridden": "overridden",
    "instance_migrated": "migrated",
    "instance_terminated": "terminated",
}
PATH_EVENTS = ("task_completed", "element_completed", "timer_fired", "message_received")


def hours_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """SQL: the hours from `start` to `end` (two date-time columns), on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def month_of(session: Session, moment: Any) -> ColumnElement[str]:
    """SQL: YYYY-MM of a date-time column."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(moment, "YYYY-MM")
    return func.strftime("%Y-%m", moment)


def or_text(column: Any, fallback: str) -> ColumnElement[Any]:
    """SQL: the column, or `fallback` (a plain word) where it is NULL; the fallback is a literal, not a
    parameter, so PostgreSQL sees the same expression in SELECT and GROUP BY."""
    assert fallback.replace("-", "").replace("_", "").isalnum() or fallback == "-", fallback
    return func.coalesce(column, literal_column(f"'{fallback}'"))


def step_durations(session: Session, process_key: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """Time spent in each user task: completed count, average and longest hours, still open."""
    done = TaskRow.state == "completed"
    spent = case((done, hours_between(session, TaskRow.created_at, TaskRow.completed_at)))
    query = (select(TaskRow.process_key, TaskRow.element_id, func.min(TaskRow.name), func.min(TaskRow.name_zh),
                    func.sum(case((done, 1), else_=0)), func.sum(case((TaskRow.state == "ready", 1), else_=0)),
                    func.avg(spent), func.max(spent))
             .group_by(TaskRow.process_key, TaskRow.element_id))
    if process_key is not None:
        query = query.where(TaskRow.process_key == process_key)
    query = query.where(*between(TaskRow.created_at, since, until))
    rows = [{"process_key": key, "element_id": element, "name": name, "name_zh": name_zh,
             "completed": int(completed or 0), "open": int(open_ or 0), "avg_hours": _round(avg),
             "max_hours": _round(longest)}
            for key, element, name, name_zh, completed, open_, avg, longest in session.execute(query)]
    return sorted(rows, key=lambda s: (s["process_key"], -(s["avg_hours"] or 0)))


def heat(durations: list[dict[str, Any]]) -> dict[str, float]:
    """Average time per step scaled to 0..1 (the slowest step is 1), for a diagram overlay."""
    averages = {s["element_id"]: s["avg_hours"] for s in durations if s["avg_hours"] is not None}
    slowest = max(averages.values(), default=0)
    return {element: (hours / slowest if slowest else 0.0) for element, hours in averages.items()}


def stalled_steps(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Steps with open tasks past their due time (the SLA of the step): how many, and the longest overdue hours."""
    query = (select(TaskRow.process_key, TaskRow.element_id, func.min(TaskRow.name), func.min(TaskRow.name_zh),
                    func.count(), func.min(TaskRow.due_at))
             .where(TaskRow.state == "ready", TaskRow.due_at < now)
             .group_by(TaskRow.process_key, TaskRow.element_id).order_by(func.count().desc()))
    return [{"process_key": key, "element_id": element, "name": name, "name_zh": name_zh, "overdue": int(n),
             "worst_hours": _hours(now - oldest)}
            for key, element, name, name_zh, n, oldest in session.execute(query)]


def workload(session: Session, now: datetime, group: str | None = None) -> list[dict[str, Any]]:
    """Open tasks per group: open, unclaimed, overdue, and how many people hold them."""
    ready = select(TaskRow.candidate_group.label("grp"), TaskRow.assignee, TaskRow.due_at).where(
        TaskRow.state == "ready")
    if group:
        ready = ready.where(TaskRow.candidate_group == group)
    tasks = ready.subquery()
    grp = or_text(tasks.c.grp, "-")
    query = (select(grp, func.count(), func.sum(case((tasks.c.assignee.is_(None), 1), else_=0)),
                    func.sum(case((tasks.c.due_at < now, 1), else_=0)), func.count(tasks.c.assignee.distinct()))
             .group_by(grp).order_by(grp))
    return [{"group": grp, "open": int(n), "unclaimed": int(unclaimed or 0), "overdue": int(overdue or 0),
             "people": int(people or 0)} for grp, n, unclaimed, overdue, people in session.execute(query)]


def event_counts(session: Session, event_type: str, fields: tuple[str, ...], since: datetime | None = None,
                 until: datetime | None = None) -> list[tuple[Any, ...]]:
    """How many events of a type there are per value of some of their data fields: (values..., count) rows."""
    keys = [HistoryEvent.data[name].as_string() for name in fields]
    query = (select(*keys, func.count()).where(HistoryEvent.type == event_type,
                                               *between(HistoryEvent.at, since, until)).group_by(*keys))
    return [tuple(row) for row in session.execute(query)]


def events_with(session: Session, event_type: str, field: str, value: str, since: datetime | None = None,
                until: datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest events of a type whose data field has a value (the cases behind a count)."""
    query = (select(HistoryEvent).where(HistoryEvent.type == event_type, HistoryEvent.data[field].as_string() == value,
                                        *between(HistoryEvent.at, since, until))
             .order_by(HistoryEvent.id.desc()).limit(limit))
    return [{"business_key": e.business_key, "instance_id": e.instance_id, "actor": e.actor,
             "element_id": e.element_id, "at": e.at} for e in session.scalars(query)]


def open_tasks(session: Session, group: str | None = None, step: tuple[str, str] | None = None,
               due_before: datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Open tasks of a group ("-": of none) or at a step (process key, element), most urgent first."""
    query = select(TaskRow).where(TaskRow.state == "ready")
    if group is not None:
        query = query.where(TaskRow.candidate_group == group if group != "-" else TaskRow.candidate_group.is_(None))
    if step is not None:
        query = query.where(TaskRow.process_key == step[0], TaskRow.element_id == step[1])
    if due_before is not None:
        query = query.where(TaskRow.due_at < due_before)
    return [{"business_key": t.business_key, "instance_id": t.instance_id, "task": t.name, "assignee": t.assignee,
             "group": t.candidate_group, "due_at": t.due_at}
            for t in session.scalars(query.order_by(TaskRow.due_at, TaskRow.created_at).limit(limit))]


def conformance(session: Session, process_key: str, steps: Mapping[str, str], since: datetime | None = None,
                until: datetime | None = None, limit: int = 50,
                recorded: Sequence[dict[str, Any]] = (), attached: Mapping[str, str] | None = None) -> dict[str, Any]:
    """How work actually flowed through a process, against its model.

    `steps` are the model's elements (id -> name). Returns the path variants of the cases
    (elements in the order they were passed; counts, share, average hours of ended cases), the
    steps never taken, and the departures from the standard path, each with the person and case;
    `recorded` adds the departures only the pack's records show (Pack.departures). A step counts as taken when a
    case passed it, waits at it now (its task or timer), or left it by one of its boundary events (`attached`:
    boundary event id -> the step it is on): a case that waited there and went on by its timer took it.
    """
    window = _cases(process_key, since, until)
    total = session.scalar(select(func.count()).select_from(Instance).where(*window)) or 0
    passed = (select(HistoryEvent.instance_id, HistoryEvent.element_id)
              .join(Instance, Instance.id == HistoryEvent.instance_id)
              .where(*window, *between(HistoryEvent.at, since, None), HistoryEvent.type.in_(PATH_EVENTS),
                     HistoryEvent.element_id.is_not(None))
              .order_by(HistoryEvent.instance_id, HistoryEvent.id).subquery())
    paths = (select(passed.c.instance_id, func.aggregate_strings(passed.c.element_id, ">").label("path"))
             .group_by(passed.c.instance_id).subquery())
    ended = Instance.ended_at.is_not(None)
    variants_query = (select(paths.c.path, func.count(), func.avg(case((ended, hours_between(
                                 session, Instance.started_at, Instance.ended_at)))),
                             func.sum(case((Instance.status == "completed", 1), else_=0)), func.min(Instance.id))
                      .join(Instance, Instance.id == paths.c.instance_id)
                      .group_by(paths.c.path).order_by(func.count().desc(), paths.c.path))
    variants: list[dict[str, Any]] = []  # the most frequent variants
    seen: set[str] = set()  # the steps of every variant
    for rank, (path, n, avg_hours, completed, example) in enumerate(session.execute(variants_query), start=1):
        elements = path.split(">") if path else []
        seen.update(elements)
        if rank <= limit:
            variants.append({"variant": rank, "cases": int(n), "share": round(int(n) / total, 3) if total else 0.0,
                             "completed": int(completed or 0), "avg_hours": _round(avg_hours),
                             "path": [steps.get(e, e) for e in elements], "elements": elements, "example": example})
    waiting_tasks = select(TaskRow.element_id).join(Instance, Instance.id == TaskRow.instance_id).where(
        *window, TaskRow.state == "ready").distinct()
    waiting_timers = select(Timer.element_id).join(Instance, Instance.id == Timer.instance_id).where(*window).distinct()
    seen.update(session.scalars(waiting_tasks))
    seen.update(session.scalars(waiting_timers))
    seen.update(step for event, step in (attached or {}).items() if event in seen)
    never = [{"element_id": e, "name": name} for e, name in steps.items() if e not in seen]
    return {"process_key": process_key, "cases": total, "variants": variants, "never_taken": never,
            "decisions": decisions_by_rule(session, window, since, steps),
            "departures": sorted([*departures(session, process_key, since, until, limit), *recorded],
                                 key=lambda d: d["at"],
                                 reverse=True)[:limit]}


def decisions_by_rule(session: Session, window: list[ColumnElement[bool]], since: datetime | None,
                      steps: Mapping[str, str]) -> list[dict[str, Any]]:
    """How often each rule of each decision table decided, per business rule task, in the cases of the window."""
    decision, rules = HistoryEvent.data["decision"].as_string(), HistoryEvent.data["rules"].as_string()
    query = (select(HistoryEvent.element_id, decision, rules, func.count())
             .join(Instance, Instance.id == HistoryEvent.instance_id)
             .where(*window, *between(HistoryEvent.at, since, None), HistoryEvent.type == "decision_evaluated")
             .group_by(HistoryEvent.element_id, decision, rules).order_by(HistoryEvent.element_id, decision, rules))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for element_id, decided_by, matched, count in session.execute(query):
        entry = found.setdefault((element_id or "", decided_by or ""), {
            "element_id": element_id, "name": steps.get(element_id or "", element_id), "decision": decided_by,
            "cases": 0, "rules": []})
        entry["cases"] += int(count)
        entry["rules"].append({"rules": _rule_numbers(matched), "cases": int(count)})
    return list(found.values())


def _rule_numbers(text: str | None) -> list[int]:
    """The matched rules' numbers as the event holds them ("[2]", "[1, 3]"; none: the defaults decided)."""
    return [int(part) for part in (text or "").strip("[] ").split(",") if part.strip().isdigit()]


def departures(session: Session, process_key: str, since: datetime | None, until: datetime | None,
               limit: int) -> list[dict[str, Any]]:
    """Overrides, reassignments, terminations, reopen loops and work done by someone other than the assignee, in
    the cases of a process started in the period."""
    window = _cases(process_key, since, until)
    found = [_departure(DEVIATIONS[e.type], e) for e in session.scalars(
        select(HistoryEvent).join(Instance, Instance.id == HistoryEvent.instance_id)
        .where(*window, *between(HistoryEvent.at, since, None), HistoryEvent.type.in_(DEVIATIONS))
        .order_by(HistoryEvent.id.desc()).limit(limit))]
    created, completed = aliased(HistoryEvent), aliased(HistoryEvent)
    assignee = created.data["assignee"].as_string()
    other = (select(completed).join(created, and_(created.instance_id == completed.instance_id,  # its index
                                                  created.task_id == completed.task_id, created.type == "task_created"))
             .join(Instance, Instance.id == completed.instance_id)
             .where(*window, *between(completed.at, since, None), completed.type == "task_completed",
                    assignee.is_not(None), completed.actor != assignee)
             .order_by(completed.id.desc()).limit(limit))
    found += [_departure("done by another", e) for e in session.scalars(other)]
    loops = (select(HistoryEvent.instance_id, HistoryEvent.element_id, func.count(), func.max(HistoryEvent.id))
             .join(Instance, Instance.id == HistoryEvent.instance_id)
             .where(*window, *between(HistoryEvent.at, since, None), HistoryEvent.type == "task_completed")
             .group_by(HistoryEvent.instance_id, HistoryEvent.element_id).having(func.count() > 1).limit(limit))
    last_ids = {row[3]: int(row[2]) for row in session.execute(loops)}
    for event in session.scalars(select(HistoryEvent).where(HistoryEvent.id.in_(last_ids))):
        found.append({**_departure("reopened", event), "times": last_ids[event.id]})
    return sorted(found, key=lambda d: d["at"], reverse=True)[:limit]


def _departure(kind: str, event: HistoryEvent) -> dict[str, Any]:
    return {"kind": kind, "event": event.type, "process_key": event.process_key, "business_key": event.business_key,
            "instance_id": event.instance_id, "element_id": event.element_id, "actor": event.actor,
            "data": event.data, "at": event.at}


def _cases(process_key: str, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """The cases of a process started in a period. Their events come after `since` too, which the queries
    say as well, so the database can read either index (a case's history, or events by type and time)."""
    return [Instance.process_key == process_key, *between(Instance.started_at, since, until)]


def between(column: Any, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """SQL conditions: `column` from `since` (inclusive) to `until` (exclusive); either may be open."""
    return ([column >= since] if since is not None else []) + ([column < until] if until is not None else [])


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)
