"""What staff may see of a task, and its form: schema, labels and the current values."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine import Engine, FieldError, Forbidden, InvalidData, TaskView

from .auth import Principal


def task_filters(args: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Task-list filters from query parameters. :raises InvalidData: naming the bad parameter"""
    filters: dict[str, Any] = {"process_key": args.get("process_key"), "business_key": args.get("business_key")}
    errors = []
    for name in ("due_before", "created_since"):
        if args.get(name):
            try:
                filters[name] = aware(datetime.fromisoformat(args[name]))
            except ValueError:
                errors.append(FieldError(name, "must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00"))
    if args.get("overdue") in ("1", "true", "yes"):
        filters["due_before"] = now
    for name, default, most in (("limit", 100, 500), ("offset", 0, 10_000_000)):
        value = args.get(name, str(default))
        if not value.isdigit() or len(value) > 9 or int(value) > most:
            errors.append(FieldError(name, f"must be a whole number from 0 to {most}"))
        filters[name] = int(value) if value.isdigit() and len(value) <= 9 and int(value) <= most else default
    if errors:
        raise InvalidData(errors)
    return filters


def aware(moment: datetime | None) -> datetime | None:
    """A date-time with a time zone (UTC when none was given)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def visible_task(engine: Engine, task_id: str, principal: Principal) -> TaskView:
    """A task the caller may see: theirs, their groups' unclaimed ones, or any for admins. :raises Forbidden:"""
    task = engine.task(task_id)
    if "admin" in principal.roles or task.assignee == principal.username:
        return task
    if task.assignee is None and task.candidate_group in principal.groups:
        return task
    raise Forbidden(f"task '{task_id}' is not assigned to {principal.username} or their groups")


def form_schema(engine: Engine, task: TaskView) -> Mapping[str, Any] | None:
    """The JSON Schema of a task's form (English and Chinese labels), if it has one."""
    return engine.form_schema(task.form_key)


def task_form(engine: Engine, task: TaskView, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form of a task: its schema, the read-only case context beside it, and the values it shows.

    A form is never prefilled from the case: what the fields hold is what this person types (`values`
    is only given back when their own submission is shown again), so the history credits each
    person with exactly their own words. What they need to judge is the context.
    """
    context = engine.task_context(task.id) if task.state == "ready" else []
    return {"task": task, "form_key": task.form_key, "schema": form_schema(engine, task), "context": context,
            "values": values or {}}
