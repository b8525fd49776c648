"""Instances: status, history, and administrators' controls: /api/instances."""
from __future__ import annotations

from flask import Blueprint

from ..auth import require
from ..http import engine, json_body, reply
from ..visibility import readable_case

bp = Blueprint("instances", __name__, url_prefix="/api/instances")


@bp.get("/<instance_id>")
def get_instance(instance_id: str):
    return reply(readable_case(engine(), require("staff", "manager", "admin"), instance_id))


@bp.get("/<instance_id>/history")
def history(instance_id: str):
    readable_case(engine(), require("staff", "manager", "admin"), instance_id)
    return reply(engine().history(instance_id))


@bp.post("/<instance_id>/suspend")
def suspend(instance_id: str):
    return reply(engine().suspend(instance_id, require("admin").username))


@bp.post("/<instance_id>/resume")
def resume(instance_id: str):
    return reply(engine().resume(instance_id, require("admin").username))


@bp.post("/<instance_id>/terminate")
def terminate(instance_id: str):
    admin = require("admin")
    return reply(engine().terminate(instance_id, admin.username, json_body(required=False).get("reason")))


@bp.post("/<instance_id>/retry")
def retry(instance_id: str):
    admin = require("admin")
    return reply(engine().retry(instance_id, json_body(required=False).get("data"), admin.username))
