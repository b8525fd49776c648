"""The one small interface through which a domain pack plugs into the engine.

A pack is plain Python: name -> function tables for expressions and service tasks, forms
(one JSON Schema per form key), control points, and assignment rules. The engine ships
`Pack` itself as the empty pack; the CRM pack (domain/) fills it in. The engine never
imports a pack's module; the web layer reads a pack only through this interface.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import FieldError, Text


@dataclass(frozen=True)
class HumanTask:
    """What assignment rules and forms see of a user task that has just become ready."""

    process_key: str
    instance_id: str
    business_key: str | None
    element_id: str
    name: str
    lane: str | None
    form_key: str | None
    properties: Mapping[str, str]


@dataclass(frozen=True)
class Assignment:
    """Who a task goes to and why (shown to staff as "why is this mine")."""

    assignee: str | None
    candidate_group: str | None
    reason: str


@dataclass
class ServiceCall:
    """Handed to a service operator: the open unit of work and where the call comes from.

    Anything the operator writes through `session` commits or rolls back with the command.
    """

    session: Any
    instance_id: str
    process_key: str
    business_key: str | None
    element_id: str
    actor: str | None
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def record(self, type: str, **data: Any) -> None:
        """Add a history event (e.g. a control point that fired) to this command's events."""
        self.events.append({"type": type, "element_id": self.element_id, "task_id": None, "data": data,
                            "actor": self.actor})

    def send(self, topic: str, key: str, **payload: Any) -> None:
        """Queue an outbox message, delivered after commit once per `key`."""
        self.messages.append({"topic": topic, "key": key, "payload": payload})


@dataclass(frozen=True)
class ControlPoint:
    """A declared business check, run by a service task: what it measures, its threshold and its action.

    Declaring one is all a pack does to add a check: its `service` operator (called by
    models as `service`) and any expression `functions` it offers are derived from it.
    """

    key: str
    title_en: str
    title_zh: str
    metric: str
    action: str  # alert, block, require_approval
    service: str
    check: Callable[..., Any]
    parameter: str | None = None  # the process parameter holding the threshold
    default_threshold: float | None = None
    limit_input: str | None = None  # the service's argument a model hands the threshold in (a table may decide it)
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Its description (no callables), for the catalog and the process outline."""
        return {"key": self.key, "title_en": self.title_en, "title_zh": self.title_zh, "metric": self.metric,
                "action": self.action, "service": self.service, "parameter": self.parameter,
                "default_threshold": self.default_threshold}


def uses_call(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an expression function that needs the command's `ServiceCall` (e.g. to read records)."""
    function.uses_call = True  # type: ignore[attr-defined]
    return function


class Pack:
    """The empty pack: no functions, no services, no forms; tasks go to the group named by their lane."""

    name = "none"
    # History event types the pack's services record (ServiceCall.record): webhooks may subscribe to them.
    event_types: frozenset[str] = frozenset()
    # Services that act outside crmflow's transaction (a payment, a call to another system): a replay cannot run
    # them dry against today's records, so a case that would need one is said to be not replayable.
    no_dry_run: frozenset[str] = frozenset()

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None,
                 services: Mapping[str, Callable[..., Any]] | None = None,
                 forms: Mapping[str, Mapping[str, Any]] | None = None,
                 control_points: Iterable[ControlPoint] = ()):
        points = list(control_points)
        self.control_points: Mapping[str, ControlPoint] = {point.key: point for point in points}
        self.functions: Mapping[str, Callable[..., Any]] = {
            **(functions or {}), **{name: f for point in points for name, f in point.functions.items()}}
        self.services: Mapping[str, Callable[..., Any]] = {
            **(services or {}), **{point.service: point.check for point in points}}
        self.forms: Mapping[str, Mapping[str, Any]] = dict(forms or {})

    def knows_form(self, form_key: str) -> bool:
        """True when `form_key` names a form this pack can validate."""
        return form_key in self.forms

    def service_parameters(self, service: str) -> dict[str, bool]:
        """A service's parameters (after the engine's ServiceCall), each with whether it is required."""
        parameters = list(inspect.signature(self.services[service]).parameters.values())[1:]
        return {p.name: p.default is inspect.Parameter.empty for p in parameters}

    def control_point_run_by(self, service: str | None) -> ControlPoint | None:
        """The control point a service task runs, if its operator is one."""
        return next((point for point in self.control_points.values() if point.service == service), None)

    def validate_form(self, form_key: str | None, data: Mapping[str, Any], session: Any = None) -> list[FieldError]:
        """Field errors in data submitted with a form; without forms, only an empty submission passes.

        `session` (the command's, when there is one) lets a pack check what the data refers to.
        """
        return [FieldError(name, Text("this task has no form, so it takes no data")) for name in data]

    def task_context(self, form_key: str | None, data: Mapping[str, Any], session: Any) -> list[dict[str, Any]]:
        """The read-only case facts shown beside a form ({"key", "label", "label_zh", "value"} each)."""
        return []

    def assign(self, task: HumanTask, data: Mapping[str, Any], session: Any) -> Assignment:
        """Pick the assignee or candidate group of a ready user task (inside the command's transaction)."""
        return default_assignment(task, data)

    def case_number_prefix(self, process_key: str) -> str:
        """What a process's case numbers start with (SO for SO-00042): by default the initials of its key's words
        (order_release_vip: ORV)."""
        return "".join(word[0] for word in process_key.split("_") if word).upper()[:8] or "CASE"

    def departures(self, session: Any, process_key: str, limit: int) -> list[dict[str, Any]]:
        """Departures from a process that only the pack's records show: a record the process should have
        changed, changed outside any case. Each is shaped like the engine's (kind, actor, instance_id, at ...)."""
        return []

    def migration_locations(self) -> list[str]:
        """Folders of Alembic revisions for the pack's own tables."""
        return []

    def case_scope(self, data: Mapping[str, Any], starter: str | None, session: Any) -> CaseScope:
        """Where a case belongs, for pilots: its customer's region, or without a customer its starter's region
        and groups."""
        return CaseScope(None, (), "")

    def scope_problems(self, regions: list[str], groups: list[str], session: Any) -> list[FieldError]:
        """What is wrong with a pilot's scope (regions or groups the pack does not know), each naming its field."""
        return []

    def members(self, group: str, session: Any) -> list[str]:
        """The user names of the people in a group who can work (a schedule with `startFor` starts a case for
        each): the empty pack knows no people."""
        return []


@dataclass(frozen=True)
class CaseScope:
    """Where a case belongs: a region, the starter's groups, and the words saying why (for the start's answer)."""

    region: str | None
    groups: tuple[str, ...]
    because: str


def default_assignment(task: HumanTask, data: Mapping[str, Any] | None = None) -> Assignment:
    """The person in the case data field `assigneeFrom` names, else explicit `assignee`/`candidateGroup`
    properties on the task; else the lane is the group."""
    field = task.properties.get("assigneeFrom")
    person = (data or {}).get(field) if field else None
    if isinstance(person, str) and person.strip() and len(person) <= 128:
        return Assignment(person.strip(), None, Text("assigned to {user}, named by '{field}' in the case data",
                                                     user=person.strip(), field=field))
    if task.properties.get("assignee"):
        return Assignment(task.properties["assignee"], None, Text("named as assignee in the model"))
    if task.properties.get("candidateGroup"):
        group = task.properties["candidateGroup"]
        return Assignment(None, group, Text("candidate group '{group}' named in the model", group=group))
    if task.lane:
        return Assignment(None, task.lane, Text("lane '{lane}' is worked by group '{lane}'", lane=task.lane))
    return Assignment(None, None, Text("no lane or assignment rule: visible to administrators only"))
