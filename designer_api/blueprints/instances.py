"""Instances: status, history, and administrators' controls: /api/instances."""
from __future__ import annotations

from flask import Blueprint

from ..auth import require
from ..http import engine, reply
from ..openapi import operation
from ..schemas import CommentIn, EventOut, Events, InstanceOut, RetryIn, TerminateIn, context_of
from ..visibility import readable_case

bp = Blueprint("instances", __name__, url_prefix="/api/instances")
READERS = ("admin; staff who started the case, worked on it or may claim one of its tasks; managers of groups "
           "with work in it")
TAGS = ("instances",)


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
