"""The API's request and response bodies as pydantic models: requests are validated against them and the
OpenAPI document (designer_api/openapi.py) is generated from them, so the two cannot drift.

Response models of the engine's views (tasks, instances, versions, drafts, events) are derived from the
views' own dataclasses, so a field added to a view is in the document at once.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, create_model, field_validator

from domain.directory import USERNAME, UserView
from engine import (
    DATA_NAME_PATTERN,
    KEY_PATTERN,
    MAX_DATA_KEYS,
    TEXT_PATTERN,
    DeliveryView,
    DraftView,
    EventView,
    InstanceView,
    PilotView,
    TaskView,
    VersionView,
    WebhookView,
    batch_schema,
)


def _integral(value: Any) -> Any:
    """JSON's 3.0 is the integer 3 (JSON Schema says so); 3.5 and "3" stay what they are and are refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Id32 = Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(_integral)]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
Key = Annotated[str, Field(pattern=KEY_PATTERN, description="a process key, e.g. order_release_vip")]
Data = Annotated[dict[str, Any], Field(
    description="case data: a JSON object of plain names (at most 200; values nested at most 32 deep, 256 KiB in all)",
    json_schema_extra={"propertyNames": {"pattern": DATA_NAME_PATTERN}, "maxProperties": MAX_DATA_KEYS})]


class Body(BaseModel):
    """A request body: only the fields named here; types exactly as declared."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CopyIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {}, {"new_key": "customer_approval_key_accounts", "name": "Key-account approval"}]})

    new_key: Annotated[Key | None, Field(description="leave out to adapt the process into its own next version; "
                                                     "give one to start a new process")] = None
    name: Text | None = None
    version: Id32 | None = None


class StartIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}, "business_key": "SO-1001"}]})

    data: Data | None = None
    business_key: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    version: Id32 | None = None


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


class TerminateIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "entered twice"}]})

    reason: Annotated[str, Field(max_length=1000)] | None = None


class CommentIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Customer called: payment comes Friday"}]})

    text: Annotated[str, Field(min_length=1, max_length=2000)]


class RetryIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": {"limit": 100}}]})

    data: Data | None = None


StepId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]


class MigrationIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"from_version": 1, "to_version": 2},
        {"from_version": 1, "to_version": 2, "mapping": {"Task_PaymentTermsReview": "Task_CreditLimitReview"}}]})

    from_version: Id32
    to_version: Id32
    mapping: Annotated[dict[StepId, StepId], Field(
        max_length=200, description="for cases waiting at a step the new version removed or changed: "
                                    "old step id -> the step of the new version they move to")] = {}


class RebaseIn(Body):
    revision: Id32 | None = None


class OperationsIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"operations": [{"op": "set_parameter", "name": "credit_band", "value": 3000000}]}]})

    # Each operation is checked by the engine against its declaration (OPERATIONS), field by field, before any is
    # applied; the document shows that declaration.
    operations: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=100,
                                                      json_schema_extra={"items": batch_schema()["items"]})]
    revision: Id32 | None = None


class SimulationIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": {"amount": 500}, "answers": {}}]})

    data: Data | None = None
    answers: dict[str, Any] | None = None


MessageName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$",
                                   description="the name of the BPMN message, e.g. payment_received")]


class MessageIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "payment_received", "business_key": "SO-1001", "message_id": "BANK-2026-000123",
         "data": {"payment_amount": 50000, "payment_reference": "BANK-2026-000123"}}]})

    name: MessageName
    message_id: Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN, description=(
        "the sender's unique id of this message: the same id again is a harmless duplicate"))]
    business_key: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    correlation: Annotated[dict[str, Annotated[str | int | float | bool, Field()]], Field(
        max_length=20, description="instead of (or besides) business_key: instance_id, process_key, and case data "
                                   "fields the waiting case must have")] | None = None
    data: Data | None = None


RoleName = Annotated[str, Field(max_length=32)]
GroupKey = Annotated[str, Field(max_length=64)]


class UserPatch(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}, {"groups": ["sales"], "region": "east"}]})

    display_name: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    email: Annotated[str, Field(max_length=256, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=10)] | None = None
    groups: Annotated[list[GroupKey], Field(max_length=50)] | None = None
    active: bool | None = None


class UserIn(UserPatch):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "dora", "display_name": "Dora Ma 马朵", "roles": ["staff"], "groups": ["sales"],
         "region": "north", "email": "dora@example.com"}]})

    username: Annotated[str, Field(pattern=USERNAME.pattern)]


class WebhookIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://erp.example.com/crmflow/events", "events": ["instance_completed", "control_point_triggered"],
         "secret": "a-long-random-shared-secret"}]})

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    events: Annotated[list[Annotated[str, Field(max_length=48)]], Field(min_length=1, max_length=50)]
    secret: Annotated[str, Field(min_length=16, max_length=256)]


class WebhookPatch(Body):
    active: bool


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]]


class ErrorOut(BaseModel):
    """Every error: {"error": {"code", "message", "details"}}."""

    error: ErrorDetail


def _model_of(view: type) -> type[BaseModel]:
    """A response model with the fields (and types) of one of the engine's view dataclasses."""
    hints = typing.get_type_hints(view)
    fields: dict[str, Any] = {f.name: (hints[f.name], ...) for f in dataclasses.fields(view)}
    return create_model(view.__name__.removesuffix("View") + "Out", __doc__=view.__doc__, **fields)


TaskOut = _model_of(TaskView)
WebhookOut = _model_of(WebhookView)
DeliveryOut = _model_of(DeliveryView)
Webhooks = RootModel[list[WebhookOut]]  # type: ignore[valid-type]
UserOut = _model_of(UserView)
Users = RootModel[list[UserOut]]  # type: ignore[valid-type]
Deliveries = RootModel[list[DeliveryOut]]  # type: ignore[valid-type]
InstanceOut = _model_of(InstanceView)
VersionOut = _model_of(VersionView)
DraftOut = _model_of(DraftView)
EventOut = _model_of(EventView)
Tasks = RootModel[list[TaskOut]]  # type: ignore[valid-type]
Versions = RootModel[list[VersionOut]]  # type: ignore[valid-type]
Drafts = RootModel[list[DraftOut]]  # type: ignore[valid-type]
Events = RootModel[list[EventOut]]  # type: ignore[valid-type]


class Open(BaseModel):
    """An object whose main fields are named here; more may follow."""

    model_config = ConfigDict(extra="allow")


class MessageOut(Open):
    message_id: str
    name: str
    instance_id: str
    process_key: str
    business_key: str | None
    element_id: str
    status: str
    duplicate: bool


class InstancePage(Open):
    items: list[InstanceOut]  # type: ignore[valid-type]
    total: int
    page: int
    per_page: int


class CatalogEntry(Open):
    process_key: str
    name: str
    active_version: int | None
    versions: list[VersionOut]  # type: ignore[valid-type]


Catalog = RootModel[list[CatalogEntry]]


class Outline(Open):
    process_key: str
    name: str | None
    parameters: dict[str, Any]
    steps: dict[str, dict[str, Any]]
    flows: dict[str, dict[str, Any]]
    lanes: list[str]


class Validation(Open):
    valid: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class Diff(Open):
    summary: dict[str, int]


class ThreeWay(Open):
    base: str
    theirs: str
    ours: str
    their_changes: Diff
    our_changes: Diff
    both_changed: list[dict[str, Any]]


class Rebased(ThreeWay):
    draft: DraftOut  # type: ignore[valid-type]


class Simulation(Open):
    status: str
    path: list[dict[str, Any]]
    tasks: list[dict[str, Any]]


class Migration(Open):
    instances: list[dict[str, Any]]


class TaskForm(Open):
    task: TaskOut  # type: ignore[valid-type]
    form_key: str | None
    schema_: dict[str, Any] | None = Field(alias="schema")
    context: list[dict[str, Any]]
    values: dict[str, Any]


class StartForm(Open):
    process_key: str
    form_key: str | None
    schema_: dict[str, Any] | None = Field(alias="schema")


class Why(Open):
    assignee: str | None
    candidate_group: str | None
    reason: str | None


class Notification(Open):
    id: int
    kind: str
    title: str
    created_at: datetime


Notifications = RootModel[list[Notification]]


class Read(Open):
    id: int
    read: bool


class Me(Open):
    username: str
    roles: list[str]
    groups: list[str]


class ReportInfo(Open):
    key: str
    title: str
    title_zh: str


Reports = RootModel[list[ReportInfo]]


class Report(Open):
    key: str
    title: str
    title_zh: str
    columns: list[dict[str, Any]]
    chart: list[str]
    filters: list[str]
    rows: list[dict[str, Any]]
    drill: str | None = None
    since: date | None = Field(None, description="the first day read (a periodic report without `since`: 90 days "
                                                "back)")
    until: date | None = Field(None, description="the last day read (none: up to now)")


class Health(Open):
    status: str


class Query(BaseModel):
    """Query parameters: text as sent (checked further by the route); unknown parameters are ignored.

    No parameter may hold a NUL character (no database column can, PostgreSQL refuses it).
    """

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class DeployQuery(Query):
    process_key: Annotated[str, Field(max_length=128)] | None = None


class DraftsQuery(Query):
    process_key: Annotated[str, Field(max_length=128)] | None = None


class DiffQuery(Query):
    against: Annotated[str, Field(max_length=200, description="'source' (default) or key@version")] | None = None


def _iso(value: Any) -> Any:
    """A date-time parameter must be written as one (pydantic alone would also read 0.5 as a Unix time)."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00")
    return value


Moment = Annotated[datetime, Field(description="ISO 8601 date-time"), BeforeValidator(_iso)]


def _day(value: Any) -> Any:
    """A day parameter must be written as YYYY-MM-DD (pydantic alone would also read 0 as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a day, e.g. 2026-12-01")
    return value


# Days a period can start or end on: a year 1 or 9999 would overflow the date arithmetic of a period.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
Day = Annotated[date, Field(description="a day, YYYY-MM-DD, from 1900-01-01 to 2999-12-31", ge=FIRST_DAY, le=LAST_DAY),
                BeforeValidator(_day)]


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


class UnreadQuery(Query):
    unread: Annotated[str, Field(max_length=5)] | None = None


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


class DeliveriesQuery(Query):
    state: Annotated[str, Field(pattern=r"^(pending|delivered|dead)$")] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0


class HistoryQuery(Query):
    business_key: Annotated[str, Field(max_length=128)] | None = None


def context_of(name: str) -> Any:
    """The request part spectree validated ("json" or "query"), as its model instance."""
    from flask import request

    return getattr(request.context, name)  # type: ignore[attr-defined]


class ReportQuery(Query):
    since: Annotated[Day, Field(description="from this day (inclusive), YYYY-MM-DD")] | None = None
    until: Annotated[Day, Field(description="to this day (inclusive), YYYY-MM-DD")] | None = None
    owner: Annotated[str, Field(max_length=64)] | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    source: Annotated[str, Field(max_length=32)] | None = None
    group: Annotated[str, Field(max_length=64)] | None = None
    drill: Annotated[str, Field(max_length=200, description="a row's first value: the records and cases behind "
                                                            "it")] | None = None
    format: Annotated[str, Field(pattern="^(json|csv)$", description="csv: UTF-8 with BOM (Excel)")] = "json"
    lang: Annotated[str, Field(pattern="^(en|zh)$", description="CSV column titles")] = "en"


class ConformanceQuery(Query):
    process_key: Annotated[str, Field(min_length=1, max_length=128)]
    since: Annotated[Day, Field(description="cases started from this day, YYYY-MM-DD (default: 90 days back)")] | None = None
    until: Annotated[Day, Field(description="cases started to this day (inclusive), YYYY-MM-DD")] | None = None


class Conformance(Open):
    process_key: str
    cases: int
    variants: list[dict[str, Any]]
    never_taken: list[dict[str, Any]]
    departures: list[dict[str, Any]]
    names_zh: dict[str, str] = Field(default_factory=dict, description="element id -> its Chinese name (nameZh)")
    since: date | None = Field(None, description="cases started from this day (without `since`: 90 days back)")
    until: date | None = Field(None, description="cases started to this day (none: up to now)")


# -- pilots and comparisons -------------------------------------------------------------------------------------
ScopeName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class PilotIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"regions": ["east"], "until": "2027-03-31"}]})

    regions: Annotated[list[ScopeName], Field(max_length=50)] = []
    groups: Annotated[list[ScopeName], Field(max_length=50)] = []
    until: Annotated[str, Field(max_length=32, description="the last day of the pilot, YYYY-MM-DD")] | None = None


class DeployIn(Body):
    pilot: PilotIn | None = Field(None, description="deploy as a pilot for these regions or groups only; the "
                                                    "current version stays current for everyone else")


class FinishPilotIn(Body):
    version: Id32 | None = None


PilotOut = _model_of(PilotView)
Pilots = RootModel[list[PilotOut]]  # type: ignore[valid-type]


class PilotFinished(Open):
    pilot: PilotOut  # type: ignore[valid-type]
    current_version: int | None
    previous_version: int | None


class CompareQuery(Query):
    a: Id32
    b: Id32
    since: Annotated[Day, Field(description="cases started from this day, YYYY-MM-DD")] | None = None
    until: Annotated[Day, Field(description="cases started to this day (inclusive), YYYY-MM-DD")] | None = None
    format: Annotated[str, Field(pattern="^(json|csv)$")] = "json"
    lang: Annotated[str, Field(pattern="^(en|zh)$")] = "en"


class Comparison(Open):
    process_key: str
    a: int
    b: int
    rows: list[dict[str, Any]]
    notes: list[str]
