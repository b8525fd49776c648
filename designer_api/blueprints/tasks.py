"""Tasks staff work on: /api/tasks."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth import require
from ..http import engine, json_body, optional_int, reply
from ..taskforms import task_form, visible_task

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")


@bp.get("")
def my_tasks():
    me = require("staff", "admin")
    limit = min(int(request.args.get("limit", 100)), 500) if request.args.get("limit", "100").isdigit() else 100
    tasks = engine().tasks(assignee=me.username, groups=me.groups, process_key=request.args.get("process_key"),
                           limit=limit, offset=int(request.args.get("offset", 0) or 0))
    return reply(tasks)


@bp.get("/<task_id>")
def get_task(task_id: str):
    return reply(visible_task(engine(), task_id, require("staff", "admin")))


@bp.get("/<task_id>/form")
def form(task_id: str):
    return reply(task_form(engine(), visible_task(engine(), task_id, require("staff", "admin"))))


@bp.post("/<task_id>/claim")
def claim(task_id: str):
    me = require("staff")
    return reply(engine().claim(task_id, me.username, me.groups))


@bp.post("/<task_id>/unclaim")
def unclaim(task_id: str):
    return reply(engine().unclaim(task_id, require("staff").username))


@bp.post("/<task_id>/complete")
def complete(task_id: str):
    me = require("staff")
    body = json_body(required=False)
    instance = engine().complete(task_id, me.username, body.get("data"), me.groups,
                                 optional_int(body.get("revision"), "revision"))
    return reply(instance)

