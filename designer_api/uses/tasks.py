"""Tasks: their request and response models, and what the API and the pages do with them alike (forms, hand-overs,
claims of several)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from domain import directory, lookup
from engine import (
    Engine,
    EngineError,
    FieldError,
    Forbidden,
    InvalidData,
    TaskView,
    Text,
)

from ..auth import Principal
from .common import Body, Data, Id32, Moment, Open, Query, TaskOut


class CompleteIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"data": {"override_approved": True, "override_reason": "strategic customer"}}]})

    data: Data | None = None
    revision: Id32 | None = None


class ClaimIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"task_ids": ["0b9c…", "5e21…"]}]})

    task_ids: Annotated[list[Annotated[str, Field(pattern=r"^[0-9a-f-]{1,36}$")]],
                        Field(min_length=1, max_length=100)]


class ClaimResult(BaseModel):
    task_id: str
    claimed: bool
    name: str | None
    reason: str | None  # why it was not claimed (taken meanwhile, not the caller's group ...)


ClaimResults = RootModel[list[ClaimResult]]


class DelegateIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "fiona"}]})

    to: Annotated[str, Field(min_length=1, max_length=64)]


class TaskForm(Open):
    task: TaskOut  # type: ignore[valid-type]
    form_key: str | None
    schema_: dict[str, Any] | None = Field(alias="schema")
    context: list[dict[str, Any]]
    values: dict[str, Any]


class Why(Open):
    assignee: str | None
    candidate_group: str | None
    reason: str | None


class TasksQuery(Query):
    q: Annotated[str, Field(max_length=128, description="task or process name contains it, business key starts "
                                                         "with it, or the case's customer is named like it")] | None = None
    process_key: Annotated[str, Field(max_length=128)] | None = None
    business_key: Annotated[str, Field(max_length=128)] | None = None
    due_before: Moment | None = None
    created_since: Moment | None = None
    overdue: bool = False
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0


TASK_ID = re.compile(r"[0-9a-f-]{1,36}")


def task_filters(args: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Task-list filters from query parameters. :raises InvalidData: naming the bad parameter"""
    filters: dict[str, Any] = {"process_key": args.get("process_key", "").strip() or None,  # an empty box: any
                               "business_key": args.get("business_key", "").strip() or None}
    errors = []
    for name in ("due_before", "created_since"):
        if args.get(name):
            try:
                filters[name] = aware(datetime.fromisoformat(args[name]))
            except ValueError:
                errors.append(FieldError(name, Text("must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00")))
    if args.get("overdue") in ("1", "true", "yes"):
        filters["due_before"] = now
    for name, default, most in (("limit", 100, 500), ("offset", 0, 10_000_000)):
        value = args.get(name, str(default))
        if not value.isdigit() or len(value) > 9 or int(value) > most:
            errors.append(FieldError(name, Text("must be a whole number from 0 to {most:,}", most=most)))
        filters[name] = int(value) if value.isdigit() and len(value) <= 9 and int(value) <= most else default
    if errors:
        raise InvalidData(errors)
    return filters


def text_search(engine: Engine, text: str | None) -> dict[str, Any]:
    """Task-list filters for a search text: task, process, business key, or the customer's name."""
    text = (text or "").strip()[:128]
    if not text:
        return {}
    with engine.store.read() as session:
        return {"text": text, "text_in_data": ("customer_id", lookup.customers_named(session, text))}


def claim_all(engine: Engine, task_ids: list[str], principal: Principal) -> list[dict[str, Any]]:
    """Claim each task in its own transaction: what one refuses (taken meanwhile, not the caller's group)
    is reported with its reason and leaves the others claimed."""
    results: list[dict[str, Any]] = []
    for task_id in dict.fromkeys(task_ids):  # each once, in the order given
        if not TASK_ID.fullmatch(task_id):
            results.append({"task_id": task_id[:64], "claimed": False, "name": None, "reason": "is not a task id"})
            continue
        try:
            task = engine.claim(task_id, principal.username, principal.queues)
        except EngineError as refused:
            results.append({"task_id": task_id, "claimed": False, "name": None, "reason": refused.message})
        else:
            results.append({"task_id": task_id, "claimed": True, "name": task.name, "reason": None})
    return results


def hand_over(engine: Engine, task_id: str, principal: Principal, to_user: str) -> TaskView:
    """Hand a task to an active member of its group: by its assignee, or by an administrator (reassign).

    :raises InvalidData: naming `to` when that person may not take it; NotFound, Conflict, Forbidden
    """
    task = engine.task(task_id)
    with engine.store.read() as session:
        problem = directory.delegation_problem(session, to_user, task.candidate_group)
    if problem:
        raise InvalidData([FieldError("to", problem)])
    return engine.delegate(task_id, principal.username, to_user, admin="admin" in principal.roles)


def colleagues(engine: Engine, task: TaskView) -> list[str]:
    """Who a task may be handed to: the active members of its group other than its assignee."""
    if task.candidate_group is None:
        return []
    with engine.store.read() as session:
        return [name for name in directory.members_of(session, task.candidate_group)
                if name != task.assignee and directory.delegation_problem(session, name, task.candidate_group) is None]


def case_columns(engine: Engine, tasks: list[TaskView]) -> dict[str, dict[str, Any]]:
    """Per task id, the customer's name and the amount from its case (for task lists)."""
    ids = {t.case["customer_id"] for t in tasks if t.case and type(t.case.get("customer_id")) is int}
    with engine.store.read() as session:
        names = lookup.customer_names(session, ids)
    columns = {}
    for task in tasks:
        case = task.case or {}
        amount = case.get("amount")
        columns[task.id] = {"customer": names.get(case.get("customer_id")),  # type: ignore[arg-type]
                            "amount": amount if type(amount) in (int, float) else None}
    return columns


def aware(moment: datetime | None) -> datetime | None:
    """A date-time with a time zone (UTC when none was given)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def visible_task(engine: Engine, task_id: str, principal: Principal) -> TaskView:
    """A task the caller may see: theirs, their groups' unclaimed ones, or any for admins. :raises Forbidden:"""
    task = engine.task(task_id)
    if "admin" in principal.roles or task.assignee == principal.username:
        return task
    if task.assignee is None and task.candidate_group in principal.groups:  # the unassigned queue: admins, above
        return task
    raise Forbidden(Text("“{step}” is not assigned to {user} or their groups", step=task.name,
                         user=principal.username))


def form_schema(engine: Engine, task: TaskView) -> Mapping[str, Any] | None:
    """The JSON Schema of a task's form (English and Chinese labels), if it has one."""
    return engine.form_schema(task.form_key)


def task_form(engine: Engine, task: TaskView, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form of a task: its schema, the read-only case context beside it, and the values it shows.

    A form is prefilled from the case only where its schema says so (`x-suggested-from`: the CRM's suggestion,
    such as the open pipeline for a forecast, for the person to confirm or change); otherwise what the fields hold
    is what this person types (`values` is given back when their own submission is shown again), so the history
    credits each person with exactly their own words. What they need to judge is the context.
    """
    schema = form_schema(engine, task)
    context = engine.task_context(task.id) if task.state == "ready" else []
    if values is None and task.state == "ready" and schema is not None:
        values = suggestions(schema, engine.task_data(task.id))
    return {"task": task, "form_key": task.form_key, "schema": schema, "context": context, "values": values or {}}


def suggestions(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The values a form starts with: for each field that names a case field (a dotted path) as its suggestion,
    that field's value, when the case holds one."""
    found = {}
    for name, spec in schema.get("properties", {}).items():
        path = spec.get("x-suggested-from") if isinstance(spec, Mapping) else None
        value: Any = data
        for part in (path or "").split(".") if path else ():
            value = value.get(part) if isinstance(value, Mapping) else None
        if path and value is not None:
            found[name] = value
    return found
