"""Staff pages: the task list (overdue first), a task with its form, claim, give back, complete."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import InvalidData, TaskView

from ..auth import require
from ..diagram import instance_svg
from ..http import engine
from ..taskforms import form_schema, task_filters, task_form, visible_task
from .formfields import fields, submitted

bp = Blueprint("task_pages", __name__)


@bp.get("/")
def home():
    return redirect(url_for("task_pages.task_list"))


@bp.get("/tasks")
def task_list():
    me = require("staff", "admin")
    filters = task_filters(request.args, engine().clock())
    mine = engine().tasks(assignee=me.username, **filters)
    claimable = engine().tasks(groups=me.groups, **filters) if me.groups else []
    return render_template("tasks.html", mine=mine, claimable=claimable, now=engine().clock(), args=request.args)


@bp.get("/tasks/<task_id>")
def task_page(task_id: str):
    return _render_task(visible_task(engine(), task_id, require("staff", "admin")))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    me = require("staff")
    engine().claim(task_id, me.username, me.groups)
    flash("Task claimed")
    return redirect(url_for("task_pages.task_page", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    engine().unclaim(task_id, require("staff").username)
    flash("Task given back to its group")
    return redirect(url_for("task_pages.task_list"))


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str):
    me = require("staff")
    task = visible_task(engine(), task_id, me)
    data, unreadable = submitted(form_schema(engine(), task), request.form)
    try:
        if unreadable:  # nothing runs; the form's own check names the other fields too
            raise InvalidData(engine().validate_form(task.form_key, data))
        engine().complete(task_id, me.username, data, me.groups)
    except InvalidData as refused:
        errors = {f.field: f.message for f in refused.fields} | unreadable
        return _render_task(task, values={**request.form, **data}, errors=errors), 422
    flash("Task completed")
    return redirect(url_for("task_pages.task_list"))


def _render_task(task: TaskView, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None):
    form = task_form(engine(), task, values)
    return render_template("task.html", task=task, form=form, errors=errors or {},
                           fields=fields(form["schema"], form["values"], errors or {}),
                           diagram=instance_svg(engine(), engine().instance(task.instance_id)),
                           history=engine().history(task.instance_id))
