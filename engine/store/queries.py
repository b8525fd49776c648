"""Read-only views: task lists from the projection, instances, versions, history.

Nothing here deserializes an instance's state.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Self

from sqlalchemy import Boolean, ColumnElement, Connection, Select, String, bindparam, cast, false, func, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound, Text
from .tables import INSTANCE, TASK, HistoryEvent, Instance, OutboxMessage, Process, ProcessVersion, TaskRow, Timer

MAX_PAGE = 500


class RowView:
    """A frozen dataclass copied from the same-named attributes of a database row (fields it lacks keep defaults)."""

    @classmethod
    def of(cls, row: Any) -> Self:
        """The view of `row`."""
        names = cls.__dataclass_fields__  # type: ignore[attr-defined]
        return cls(**{name: getattr(row, name) for name in names if hasattr(row, name)})  # the rest: defaults


@dataclass(frozen=True)
class TaskView(RowView):
    """One human task as staff see it in a list."""

    id: str
    instance_id: str
    process_key: str
    business_key: str | None
    element_id: str
    name: str
    name_zh: str | None
    lane: str | None
    form_key: str | None
    state: str
    assignee: str | None
    candidate_group: str | None
    assignment_reason: str | None
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    excluded: list[str] | None  # four eyes: who may not work it
    case: dict[str, Any] | None = None  # in lists: the case's plain data summary (customer_id, amount ...)

    def __post_init__(self) -> None:  # the reason was kept as a sentence that can be said in the reader's language
        object.__setattr__(self, "assignment_reason", Text.restored(self.assignment_reason))


@dataclass(frozen=True)
class InstanceView(RowView):
    """An instance's status, without its state."""

    id: str
    process_key: str
    version: int
    business_key: str | None
    status: str
    revision: int
    incident: dict[str, Any] | None
    started_by: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    summary: dict[str, Any] | None = None  # plain top-level case data fields (customer_id, amount ...)
    version_reason: str | None = None  # in a start's answer: why the case runs on this version (current, a pilot)


@dataclass(frozen=True)
class InstanceSearch:
    """Filters of the cockpit's case search; every one given must hold."""

    process_key: str | None = None
    version: int | None = None
    status: str | None = None
    business_key: str | None = None  # a prefix
    started_from: datetime | None = None
    started_to: datetime | None = None
    step: str | None = None  # waiting at this element (an open task or a timer)
    incident: bool | None = None
    fields: tuple[tuple[str, Any], ...] = ()  # case data field == value


@dataclass(frozen=True)
class VersionView(RowView):
    """A deployed version and its lineage."""

    process_key: str
    version: int
    name: str
    content_hash: str
    active: bool
    copied_from: str | None
    author: str | None
    deployed_at: datetime
    warnings: list[dict[str, Any]]
    name_zh: str | None = None


@dataclass(frozen=True)
class EventView(RowView):
    """One history event."""

    id: int
    instance_id: str
    type: str
    element_id: str | None
    task_id: str | None
    actor: str | None
    data: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class WebhookView(RowView):
    """A webhook as administrators see it (never its secret)."""

    id: int
    url: str
    events: list[str]
    active: bool
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class DeliveryView:
    """One webhook delivery: pending (maybe after failures), delivered, or dead (given up; redeliver it)."""

    delivery_id: str
    webhook_id: int
    event: str
    instance_id: str | None
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    dispatched_at: datetime | None

    @classmethod
    def of(cls, row: OutboxMessage, max_attempts: int) -> DeliveryView:
        state = ("delivered" if row.dispatched_at is not None else "dead" if row.attempts >= max_attempts
                 else "pending")
        return cls(row.idempotency_key, row.payload.get("webhook_id", 0), row.payload.get("event", ""),
                   row.instance_id, state, row.attempts, row.last_error, row.next_attempt_at, row.created_at,
                   row.dispatched_at)


def deliveries(session: Session, topic: str, max_attempts: int, state: str | None = None, limit: int = 100,
               offset: int = 0) -> list[DeliveryView]:
    """Webhook deliveries, newest first; `state` pending, delivered or dead."""
    query = select(OutboxMessage).where(OutboxMessage.topic == topic)
    if state == "delivered":
        query = query.where(OutboxMessage.dispatched_at.is_not(None))
    elif state == "dead":
        query = query.where(OutboxMessage.dispatched_at.is_(None), OutboxMessage.attempts >= max_attempts)
    elif state == "pending":
        query = query.where(OutboxMessage.dispatched_at.is_(None), OutboxMessage.attempts < max_attempts)
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).limit(min(limit, MAX_PAGE)).offset(offset))
    return [DeliveryView.of(row, max_attempts) for row in rows]


def instance_view(session: Session, instance_id: str) -> InstanceView:
    """:raises NotFound:"""
    row = session.get(Instance, instance_id)
    if row is None:
        raise NotFound(Text("case '{case}' does not exist", case=instance_id))
    return InstanceView.of(row)


def list_instances(session: Session, process_key: str | None = None, status: str | None = None,
                   limit: int = 50) -> list[InstanceView]:
    """The most recently updated instances, optionally of one process key and status."""
    query = select(Instance).order_by(Instance.updated_at.desc(), Instance.id).limit(min(max(limit, 1), MAX_PAGE))
    if process_key is not None:
        query = query.where(Instance.process_key == process_key)
    if status is not None:
        query = query.where(Instance.status == status)
    return [InstanceView.of(row) for row in session.scalars(query)]


def search_instances(session: Session, search: InstanceSearch, page: int = 1,
                     per_page: int = 50) -> tuple[list[InstanceView], int]:
    """One page of the cases matching `search`, newest first, and how many match in all."""
    query = select(Instance)
    if search.process_key is not None:
        query = query.where(Instance.process_key == search.process_key)
    if search.version is not None:
        query = query.where(Instance.version == search.version)
    if search.status is not None:
        query = query.where(Instance.status == search.status)
    if search.business_key:
        escaped = search.business_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Instance.business_key.like(f"{escaped}%", escape="\\"))
    if search.started_from is not None:
        query = query.where(Instance.started_at >= search.started_from)
    if search.started_to is not None:
        query = query.where(Instance.started_at < search.started_to)
    if search.incident is not None:
        message = Instance.incident["message"].as_string()  # a cleared incident is JSON null, not SQL NULL
        query = query.where(message.is_not(None) if search.incident else message.is_(None))
    if search.step:
        query = query.where(or_(
            select(TaskRow.id).where(TaskRow.instance_id == Instance.id, TaskRow.element_id == search.step,
                                     TaskRow.state == "ready").exists(),
            select(Timer.id).where(Timer.instance_id == Instance.id, Timer.element_id == search.step).exists()))
    for name, value in search.fields:
        query = query.where(data_field_in(session.get_bind().dialect.name, name, [value]))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    per_page = min(max(per_page, 1), MAX_PAGE)
    rows = session.scalars(query.order_by(Instance.started_at.desc(), Instance.id)
                           .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [InstanceView.of(row) for row in rows], total


def data_field_in(dialect: str, name: str, values: Collection[Any]) -> ColumnElement[bool]:
    """A case's summary field equals one of `values` (all of one kind: flags, numbers or text).

    On PostgreSQL ->> gives text, so text is compared, never cast (a field holding text where
    others hold numbers must not fail the query); SQLite's json_extract keeps the JSON type.
    """
    field, textual = Instance.summary[name], dialect == "postgresql"
    if not values:
        return false()
    if all(isinstance(value, bool) for value in values):
        return (field.as_string().in_(["true" if v else "false" for v in values]) if textual
                else field.as_boolean().in_(list(values)))
    if all(isinstance(value, int | float) for value in values):
        if not textual:
            return field.as_float().in_([float(v) for v in values])
        texts = {repr(float(v)) for v in values} | {str(int(v)) for v in values if float(v).is_integer()}
        return field.as_string().in_(texts)
    return field.as_string().in_([str(v) for v in values])


PASSED = ("task_completed", "element_completed", "gateway_decided", "timer_fired")


def instance_path(session: Session, instance_id: str) -> dict[str, set[str]]:
    """Where an instance is (open tasks, waiting timers, an incident) and the elements it has passed."""
    row = session.get(Instance, instance_id)
    if row is None:
        raise NotFound(Text("case '{case}' does not exist", case=instance_id))
    current: set[str] = set(session.scalars(select(TaskRow.element_id).where(TaskRow.instance_id == instance_id,
                                                                   TaskRow.state == "ready")))
    current |= set(session.scalars(select(Timer.element_id).where(Timer.instance_id == instance_id)))
    if row.incident and row.incident.get("element_id"):
        current.add(row.incident["element_id"])
    done = {element_id for element_id in session.scalars(select(HistoryEvent.element_id).where(
        HistoryEvent.instance_id == instance_id, HistoryEvent.type.in_(PASSED))) if element_id is not None}
    return {"current": current, "done": done - current}


_TASKS_WITH_CASE = select(TASK, INSTANCE.c.summary.label("case")).join_from(
    TASK, INSTANCE, INSTANCE.c.id == TASK.c.instance_id)
_OVERDUE_FIRST = (TASK.c.due_at.is_(None), TASK.c.due_at, TASK.c.created_at, TASK.c.id)
# The queue of user tasks nobody is named for (no assignee, no candidate group): administrators work it. Given among
# the `groups` of a task list or of a claim/completion, it stands for that queue.
UNASSIGNED = "~unassigned"
# The task list's filters, each with its value as a bound parameter of the same name.
_TASK_FILTERS: dict[str, ColumnElement[bool]] = {
    "business_key": TASK.c.business_key == bindparam("business_key"),
    "due_before": TASK.c.due_at < bindparam("due_before"),
    "created_since": TASK.c.created_at >= bindparam("created_since"),
    "state": TASK.c.state == bindparam("state"),
    "assignee": TASK.c.assignee == bindparam("assignee"),
    "groups": TASK.c.assignee.is_(None) & or_(TASK.c.candidate_group.in_(bindparam("groups", expanding=True)),
                                              TASK.c.candidate_group.is_(None) & bindparam("unassigned", type_=Boolean)),
    "instance_id": TASK.c.instance_id == bindparam("instance_id"),
    "process_key": TASK.c.process_key == bindparam("process_key"),
    # the four-eyes rule keeps this user from the task (its requester, or whoever did the step it checks):
    # not offered to them for claiming. `excluded` is a JSON list of user names, matched as its text.
    "not_excluded": TASK.c.excluded.is_(None) | ~cast(TASK.c.excluded, String).contains(
        bindparam("not_excluded"), escape="\\"),
}


@cache  # one statement per combination of filters (at most 2^8): compiled once each
def _task_list(filters: tuple[str, ...]) -> Select[Any]:
    conditions = [_TASK_FILTERS[name] for name in filters if name not in ("assignee", "groups", "not_excluded")]
    claimable = _TASK_FILTERS["groups"] & _TASK_FILTERS["not_excluded"] if "not_excluded" in filters \
        else _TASK_FILTERS["groups"]
    if "assignee" in filters and "groups" in filters:  # mine, or unclaimed in my groups
        conditions.append(or_(_TASK_FILTERS["assignee"], claimable))
    elif "groups" in filters:
        conditions.append(claimable)
    elif "assignee" in filters:
        conditions.append(_TASK_FILTERS["assignee"])
    return (_TASKS_WITH_CASE.where(*conditions).order_by(*_OVERDUE_FIRST)
            .limit(bindparam("limit")).offset(bindparam("offset")))


def list_tasks(connection: Connection, *, assignee: str | None = None, groups: Collection[str] | None = None,
               instance_id: str | None = None, process_key: str | None = None, state: str | None = "ready",
               business_key: str | None = None, due_before: datetime | None = None,
               created_since: datetime | None = None, text: str | None = None,
               text_in_data: tuple[str, Collection[Any]] | None = None, limit: int = 100,
               offset: int = 0, claimable_by: str | None = None) -> list[TaskView]:
    """Tasks by assignee, by candidate groups (unclaimed only; with `claimable_by`, none the four-eyes rule keeps
    that user from), by instance and more; index-backed.

    `text` matches a task whose name or process contains it or whose business key starts with it,
    or, with `text_in_data` (field, values), whose case has one of the values there (e.g. the ids
    of the customers named like the text). Ordered overdue-first: by due time (tasks without one
    last), then by age. Each task carries its case's data summary.
    """
    values: dict[str, Any] = {
        "business_key": business_key, "due_before": due_before, "created_since": created_since,
        "state": state or None, "assignee": assignee, "groups": list(groups) if groups is not None else None,
        "instance_id": instance_id, "process_key": process_key,
        "not_excluded": _like_literal(f'"{claimable_by}"') if claimable_by and groups is not None else None}
    values = {name: value for name, value in values.items() if value is not None}
    query = _task_list(tuple(values))
    if groups is not None:
        values["unassigned"] = UNASSIGNED in groups
    if text:
        lowered = text.lower()
        matches = [func.lower(TASK.c.name).contains(lowered, autoescape=True),
                   func.lower(TASK.c.process_key).contains(lowered, autoescape=True),
                   TASK.c.business_key.startswith(text, autoescape=True)]
        if text_in_data is not None and text_in_data[1]:
            matches.append(data_field_in(connection.dialect.name, *text_in_data))
        query = query.where(or_(*matches))
    values.update(limit=min(max(limit, 1), MAX_PAGE), offset=max(offset, 0))
    return [TaskView(**row) for row in connection.execute(query, values).mappings()]  # no ORM objects


def task_view(session: Session, task_id: str) -> TaskView:
    """:raises NotFound:"""
    row = session.get(TaskRow, task_id)
    if row is None:
        raise NotFound(Text("task '{task}' does not exist", task=task_id))
    return TaskView.of(row)


def history(session: Session, instance_id: str | None = None, business_key: str | None = None) -> list[EventView]:
    """The timeline of an instance (or of every instance with a business key), oldest first."""
    query = select(HistoryEvent).order_by(HistoryEvent.id)
    if instance_id is not None:
        query = query.where(HistoryEvent.instance_id == instance_id)
    if business_key is not None:
        query = query.where(HistoryEvent.business_key == business_key)
    return [EventView(e.id, e.instance_id, e.type, e.element_id, e.task_id, e.actor, e.data, e.at)
            for e in session.scalars(query)]


def versions(session: Session, process_key: str | None = None) -> list[VersionView]:
    """Deployed versions, newest first per key."""
    query = select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    if process_key is not None:
        if session.get(Process, process_key) is None:
            raise NotFound(Text("process '{process}' is not deployed", process=process_key))
        query = query.where(ProcessVersion.process_key == process_key)
    return [VersionView.of(v) for v in session.scalars(query)]


def _like_literal(text: str) -> str:
    """`text` as a LIKE pattern matching itself only (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
