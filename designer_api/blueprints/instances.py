"""Instances: status, history, and administrators' controls: /api/instances."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from engine import FieldError, InstanceSearch, InvalidData

from ..auth import require
from ..http import engine, reply
from ..i18n import parse_number
from ..openapi import operation
from ..schemas import (
    CommentIn,
    EventOut,
    Events,
    InstanceOut,
    InstancePage,
    InstancesQuery,
    RetryIn,
    TerminateIn,
    context_of,
)
from ..visibility import readable_case

bp = Blueprint("instances", __name__, url_prefix="/api/instances")
READERS = ("admin; staff who started the case, worked on it or may claim one of its tasks; managers of groups "
           "with work in it")
TAGS = ("instances",)


@bp.get("")
@operation("Search cases (the cockpit): filters, newest first, a page at a time", "admin, manager (read-only)",
           query=InstancesQuery, ok=InstancePage, tags=TAGS)
def search():
    require("admin", "manager")
    query = context_of("query")
    found, total = engine().search_instances(instance_search(query), query.page, query.per_page)
    return reply({"items": found, "total": total, "page": query.page, "per_page": query.per_page})


def instance_search(query: Any) -> InstanceSearch:
    """The engine's search from the cockpit's query parameters (API and page share it). :raises InvalidData:"""
    if (query.field is None) != (query.value is None):
        raise InvalidData([FieldError("field" if query.field is None else "value", "give field and value together")])
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


@bp.get("/<instance_id>")
@operation("A case's status", READERS, ok=InstanceOut, tags=TAGS)
def get_instance(instance_id: str):
    return reply(readable_case(engine(), require("staff", "manager", "admin"), instance_id))


@bp.get("/<instance_id>/history")
@operation("A case's timeline", READERS, ok=Events, tags=TAGS)
def history(instance_id: str):
    readable_case(engine(), require("staff", "manager", "admin"), instance_id)
    return reply(engine().history(instance_id))


@bp.post("/<instance_id>/comments")
@operation("Comment on a case (append-only; shown in its history)", READERS, json=CommentIn, ok=EventOut, status=201,
           tags=TAGS)
def add_comment(instance_id: str):
    me = require("staff", "manager", "admin")
    readable_case(engine(), me, instance_id)
    return reply(engine().comment(instance_id, context_of("json").text, me.username), 201)


@bp.post("/<instance_id>/suspend")
@operation("Suspend: its tasks leave the task lists", "admin", ok=InstanceOut, tags=TAGS)
def suspend(instance_id: str):
    return reply(engine().suspend(instance_id, require("admin").username))


@bp.post("/<instance_id>/resume")
@operation("Resume a suspended case", "admin", ok=InstanceOut, tags=TAGS)
def resume(instance_id: str):
    return reply(engine().resume(instance_id, require("admin").username))


@bp.post("/<instance_id>/terminate")
@operation("Terminate, with a reason", "admin", json=TerminateIn, ok=InstanceOut, tags=TAGS)
def terminate(instance_id: str):
    admin = require("admin")
    return reply(engine().terminate(instance_id, admin.username, context_of("json").reason))


@bp.post("/<instance_id>/retry")
@operation("Retry after an incident, with corrected data", "admin", json=RetryIn, ok=InstanceOut, tags=TAGS)
def retry(instance_id: str):
    admin = require("admin")
    return reply(engine().retry(instance_id, context_of("json").data, admin.username))
