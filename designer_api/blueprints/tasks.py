"""Tasks staff work on: /api/tasks."""
from __future__ import annotations

from flask import Blueprint, request

from domain.directory import delegation_problem
from engine import FieldError, InvalidData

from ..auth import require
from ..http import engine, json_body, optional_int, reply, required_text
from ..taskforms import task_filters, task_form, visible_task

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")


@bp.get("")
def my_tasks():
    me = require("staff", "admin")
    return reply(engine().tasks(assignee=me.username, groups=me.groups, **task_filters(request.args, engine().clock())))


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


@bp.get("/<task_id>/why")
def why(task_id: str):
    task = visible_task(engine(), task_id, require("staff", "admin"))
    return reply({"assignee": task.assignee, "candidate_group": task.candidate_group,
                  "reason": task.assignment_reason})


@bp.post("/<task_id>/delegate")
def delegate(task_id: str):
    me = require("staff", "admin")
    to_user = required_text(json_body(), "to")
    task = engine().task(task_id)
    with engine().store.read() as session:
        problem = delegation_problem(session, to_user[:64], task.candidate_group)
    if problem:
        raise InvalidData([FieldError("to", problem)])
    return reply(engine().delegate(task_id, me.username, to_user, admin="admin" in me.roles))


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

