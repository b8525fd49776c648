"""What every resource's request and response models share: the body and query bases, the engine's views as
response models, typed ids, days and moments; and the helpers both the API and the pages use."""
from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, create_model, field_validator

import engine as sentences
from domain.directory import UserView
from engine import (
    DATA_NAME_PATTERN,
    KEY_PATTERN,
    MAX_DATA_KEYS,
    TEXT_PATTERN,
    DeliveryView,
    DraftView,
    EventView,
    FieldError,
    InstanceView,
    TaskView,
    VersionView,
    WebhookView,
)


def company_zone() -> tzinfo:
    """The company's time zone, in which people read times (CRMFLOW_TIMEZONE, an IANA name; default Asia/Shanghai;
    without the system's zone database the default is UTC+8)."""
    name = os.environ.get("CRMFLOW_TIMEZONE", DEFAULT_ZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_ZONE:
            return timezone(timedelta(hours=8), "CST")
        raise RuntimeError(f"CRMFLOW_TIMEZONE={name!r} is no time zone this machine knows (e.g. Asia/Shanghai)") \
            from None


DEFAULT_ZONE = "Asia/Shanghai"


def local_time(moment: datetime | date | str | None) -> str:
    """A moment as people read it: in the company's time zone, to the minute (2026-12-03 17:40); a day as it is."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return str(moment)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(company_zone()).strftime("%Y-%m-%d %H:%M")


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


class Query(BaseModel):
    """Query parameters: text as sent (checked further by the route); unknown parameters are ignored.

    No parameter may hold a NUL character (no database column can, PostgreSQL refuses it).
    """

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(sentences.Text("must not contain NUL characters"))
        return value


def _iso(value: Any) -> Any:
    """A date-time parameter must be written as one (pydantic alone would also read 0.5 as a Unix time)."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError(sentences.Text("must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00"))
    return value


Moment = Annotated[datetime, Field(description="ISO 8601 date-time"), BeforeValidator(_iso)]


def _day(value: Any) -> Any:
    """A day parameter must be written as YYYY-MM-DD (pydantic alone would also read 0 as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(sentences.Text("must be a day, e.g. 2026-12-01"))
    return value


# Days a period can start or end on: a year 1 or 9999 would overflow the date arithmetic of a period.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


Day = Annotated[date, Field(description="a day, YYYY-MM-DD, from 1900-01-01 to 2999-12-31", ge=FIRST_DAY, le=LAST_DAY),
                BeforeValidator(_day)]


def context_of(name: str) -> Any:
    """The request part spectree validated ("json" or "query"), as its model instance."""
    from flask import request

    return getattr(request.context, name)  # type: ignore[attr-defined]


def field_errors_of(error: Any) -> list[FieldError]:
    """A pydantic validation error as field errors, each naming its field and said from pydantic's error type and
    its figures (our own validators' sentences as they wrote them)."""
    return [FieldError(".".join(str(part) for part in e["loc"]) or "body", _said(e)) for e in error.errors()]


def _said(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    raised = context.get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], sentences.Text):
        return raised.args[0]
    found = _PYDANTIC.get(error["type"])
    if found is None:
        return error["msg"]
    sentence, figure = found
    if figure is None:
        return sentences.Text(sentence)
    if figure not in context:
        return error["msg"]
    value = context[figure]
    shown = sentences.listed(value) if isinstance(value, (list, tuple)) else f"{value:,}" if isinstance(
        value, (int, float)) and not isinstance(value, bool) else value
    return sentences.Text(sentence, value=shown)


# pydantic's error types (its codes) as sentences, with the figure of its context each fills in.
_PYDANTIC: dict[str, tuple[str, str | None]] = {
    "missing": (sentences.template("is required"), None),
    "extra_forbidden": (sentences.template("is not a field this request takes"), None),
    "string_type": (sentences.template("must be text"), None),
    "int_type": (sentences.template("must be a whole number"), None),
    "int_parsing": (sentences.template("must be a whole number"), None),
    "int_from_float": (sentences.template("must be a whole number"), None),
    "float_type": (sentences.template("must be a number"), None),
    "float_parsing": (sentences.template("must be a number"), None),
    "bool_type": (sentences.template("must be yes or no"), None),
    "bool_parsing": (sentences.template("must be yes or no"), None),
    "dict_type": (sentences.template("must be a JSON object"), None),
    "model_type": (sentences.template("must be a JSON object"), None),
    "list_type": (sentences.template("must be a list"), None),
    "datetime_parsing": (sentences.template("must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00"), None),
    "datetime_type": (sentences.template("must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+08:00"), None),
    "date_parsing": (sentences.template("must be a day, e.g. 2026-12-01"), None),
    "date_type": (sentences.template("must be a day, e.g. 2026-12-01"), None),
    "string_too_short": (sentences.template("must be at least {value} characters"), "min_length"),
    "string_too_long": (sentences.template("must be at most {value} characters"), "max_length"),
    "too_short": (sentences.template("must list at least {value}"), "min_length"),
    "too_long": (sentences.template("must list at most {value}"), "max_length"),
    "greater_than_equal": (sentences.template("must be at least {value}"), "ge"),
    "greater_than": (sentences.template("must be more than {value}"), "gt"),
    "less_than_equal": (sentences.template("must be at most {value}"), "le"),
    "less_than": (sentences.template("must be less than {value}"), "lt"),
    "literal_error": (sentences.template("must be one of {value}"), "expected"),
    "enum": (sentences.template("must be one of {value}"), "expected"),
    "string_pattern_mismatch": (sentences.template("holds characters that are not allowed here"), None),
}
