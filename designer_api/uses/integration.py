"""Messages from the systems around crmflow, and webhooks: request and response models."""
from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from engine import (
    TEXT_PATTERN,
)

from .common import Body, Data, Open, Query

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


class WebhookIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://erp.example.com/crmflow/events", "events": ["instance_completed", "control_point_triggered"],
         "secret": "a-long-random-shared-secret"}]})

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    events: Annotated[list[Annotated[str, Field(max_length=48)]], Field(min_length=1, max_length=50)]
    secret: Annotated[str, Field(min_length=16, max_length=256)]


class WebhookPatch(Body):
    active: bool


class MessageOut(Open):
    message_id: str
    name: str
    instance_id: str
    process_key: str
    business_key: str | None
    element_id: str
    status: str
    duplicate: bool


class DeliveriesQuery(Query):
    state: Annotated[str, Field(pattern=r"^(pending|delivered|dead)$")] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
