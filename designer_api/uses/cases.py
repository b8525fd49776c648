"""Cases (instances): their request and response models, the cockpit's search, and who may read a case."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from domain.control_points import alert_words
from engine import (
    DATA_NAME_PATTERN,
    Engine,
    EventView,
    FieldError,
    Forbidden,
    InstanceSearch,
    InstanceView,
    InvalidData,
    Pack,
    TaskView,
    Text,
)

from ..auth import Principal
from ..i18n import parse_number
from .common import Body, Data, InstanceOut, Moment, Open, Query


class TerminateIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "entered twice"}]})

    reason: Annotated[str, Field(max_length=1000)] | None = None


class CommentIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Customer called: payment comes Friday"}]})

    text: Annotated[str, Field(min_length=1, max_length=2000)]


class RetryIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": {"limit": 100}}]})

    data: Data | None = None


class InstancePage(Open):
    items: list[InstanceOut]  # type: ignore[valid-type]
    total: int
    page: int
    per_page: int


class InstancesQuery(Query):
    process_key: Annotated[str, Field(max_length=128)] | None = None
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    status: Annotated[str, Field(pattern=r"^(running|waiting|suspended|completed|terminated|error)$")] | None = None
    business_key: Annotated[str, Field(max_length=128, description="a prefix: SO-10 finds SO-1001, SO-1002 ...")
                            ] | None = None
    customer_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    started_from: Moment | None = None
    started_to: Moment | None = None
    step: Annotated[str, Field(max_length=128, description="waiting at this element id")] | None = None
    incident: bool | None = None
    field: Annotated[str, Field(pattern=DATA_NAME_PATTERN, description="a case data field that must equal value")
                     ] | None = None
    value: Annotated[str, Field(max_length=200, description="read as a number or true/false when it is one")
                     ] | None = None
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 50


class HistoryQuery(Query):
    business_key: Annotated[str, Field(max_length=128)] | None = None


def may_read(principal: Principal, instance: InstanceView, tasks: list[TaskView]) -> bool:
    """True when the rule above lets `principal` read the case."""
    if "admin" in principal.roles:
        return True
    me, groups = principal.username, set(principal.groups)
    if "staff" in principal.roles and (instance.started_by == me or any(
            me in (t.assignee, t.completed_by) or (t.state == "ready" and t.assignee is None
                                                   and t.candidate_group in groups) for t in tasks)):
        return True
    return "manager" in principal.roles and any(t.candidate_group in groups for t in tasks)


def readable_cases(engine: Engine, principal: Principal, instance_ids: list[str]) -> set[str]:
    """Which of these cases the caller may read (an administrator all; someone who reads no cases none)."""
    if "admin" in principal.roles:
        return set(instance_ids)
    if not principal.roles & {"staff", "manager"}:
        return set()
    return {i for i in instance_ids
            if may_read(principal, engine.instance(i), engine.tasks(instance_id=i, state=None, limit=500))}


def readable_case(engine: Engine, principal: Principal, instance_id: str) -> InstanceView:
    """The case, if the caller may read it. :raises NotFound, Forbidden: (a refusal is recorded)"""
    instance = engine.instance(instance_id)
    if not may_read(principal, instance, engine.tasks(instance_id=instance_id, state=None, limit=500)):
        reason = Text("{user} has no part in case {case}", user=principal.username, case=instance.business_key or instance_id)
        engine.record_case_denial(instance_id, principal.username, "read", reason)
        raise Forbidden(reason)
    return instance


def readable_history(engine: Engine, principal: Principal, business_key: str) -> list[EventView]:
    """The history of every case with a business key that the caller may read."""
    events = engine.history(business_key=business_key)
    readable = {i for i in {e.instance_id for e in events}
                if may_read(principal, engine.instance(i), engine.tasks(instance_id=i, state=None, limit=500))}
    return [e for e in events if e.instance_id in readable]


def instance_search(query: Any) -> InstanceSearch:
    """The engine's search from the cockpit's query parameters (API and page share it). :raises InvalidData:"""
    if (query.field is None) != (query.value is None):
        raise InvalidData([FieldError("field" if query.field is None else "value", Text("give field and value together"))])
    fields: list[tuple[str, Any]] = []
    if query.customer_id is not None:
        fields.append(("customer_id", query.customer_id))
    if query.field is not None:
        fields.append((query.field, _typed(query.value)))
    return InstanceSearch(query.process_key, query.version, query.status, query.business_key,
                          _aware(query.started_from), _aware(query.started_to), query.step, query.incident,
                          tuple(fields))


def _aware(moment: datetime | None) -> datetime | None:
    """A date-time without a zone is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _typed(text: str) -> Any:
    """true/false, a number as the pages read one ("30,000"), else the text itself."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return parse_number(text)
    except ValueError:
        return text


def control_points_fired(pack: Pack, history: list[EventView]) -> list[dict[str, str]]:
    """The control points a case's history says fired, each as its title and what it meant, in English and
    Chinese (the case page shows them at the top: why an order waits)."""
    fired = []
    for event in history:
        point = pack.control_points.get((event.data or {}).get("control_point", "")) \
            if event.type == "control_point_triggered" else None
        if point is not None:
            en, zh = alert_words(point.key, event.data or {})
            fired.append({"title_en": point.title_en, "title_zh": point.title_zh, "en": en, "zh": zh,
                          "action": point.action})
    return fired
