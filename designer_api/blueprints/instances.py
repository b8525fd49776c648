"""Instances: status, history, and administrators' controls: /api/instances."""
from __future__ import annotations

from flask import Blueprint

from ..auth import ADMINS, CASE_READERS, COCKPIT, current
from ..http import engine, reply
from ..openapi import operation
from ..uses.cases import CommentIn, InstancePage, InstancesQuery, RetryIn, TerminateIn, instance_search, readable_case
from ..uses.common import EventOut, Events, InstanceOut, context_of

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
