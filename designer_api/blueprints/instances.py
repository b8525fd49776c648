"""Instances: status, history, and administrators' controls: /api/instances."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from engine import FieldError, InstanceSearch, InvalidData

from ..auth import ADMINS, CASE_READERS, COCKPIT, current
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
WHO_READS = ("staff who started the case, worked on it or may claim one of its tasks; managers of groups "
           "with work in it")
TAGS = ("instances",)


@bp.get("")
@operation("Search cases (the cockpit): filters, newest first, a page at a time", COCKPIT,
           query=InstancesQuery, ok=InstancePage, tags=TAGS, who='managers read only')
def search():
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
@operation("A case's status", CASE_READERS, ok=InstanceOut, tags=TAGS, who=WHO_READS)
def get_instance(instance_id: str):
    return reply(readable_case(engine(), current(), instance_id))


@bp.get("/<instance_id>/history")
@operation("A case's timeline", CASE_READERS, ok=Events, tags=TAGS, who=WHO_READS)
def history(instance_id: str):
    readable_case(engine(), current(), instance_id)
    return reply(engine().history(instance_id))


@bp.post("/<instance_id>/comments")
@operation("Comment on a case (append-only; shown in its history)", CASE_READERS, json=CommentIn, ok=EventOut, status=201,
           tags=TAGS, who=WHO_READS)
def add_comment(instance_id: str):
    me = current()
    readable_case(engine(), me, instance_id)
    return reply(engine().comment(instance_id, context_of("json").text, me.username), 201)


@bp.post("/<instance_id>/suspend")
@operation("Suspend: its tasks leave the task lists", ADMINS, ok=InstanceOut, tags=TAGS)
def suspend(instance_id: str):
    return reply(engine().suspend(instance_id, current().username))


@bp.post("/<instance_id>/resume")
@operation("Resume a suspended case", ADMINS, ok=InstanceOut, tags=TAGS)
def resume(instance_id: str):
    return reply(engine().resume(instance_id, current().username))


@bp.post("/<instance_id>/terminate")
@operation("Terminate, with a reason", ADMINS, json=TerminateIn, ok=InstanceOut, tags=TAGS)
def terminate(instance_id: str):
    admin = current()
    return reply(engine().terminate(instance_id, admin.username, context_of("json").reason))


@bp.post("/<instance_id>/retry")
@operation("Retry after an incident, with corrected data", ADMINS, json=RetryIn, ok=InstanceOut, tags=TAGS)
def retry(instance_id: str):
    admin = current()
    return reply(engine().retry(instance_id, context_of("json").data, admin.username))
