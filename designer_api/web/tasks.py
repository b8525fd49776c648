"""Staff pages: the task list (overdue first), a task with its form, claim, give back, complete."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import InvalidData, TaskView

from ..auth import STAFF, WORKERS, allowed, current
from ..diagram import instance_svg
from ..http import engine
from ..i18n import translate
from ..uses.history import history_lines
from ..uses.tasks import (
    case_columns,
    claim_all,
    colleagues,
    form_schema,
    hand_over,
    task_filters,
    task_form,
    text_search,
    visible_task,
)
from .context import language, local_path
from .formfields import fields, submitted

bp = Blueprint("task_pages", __name__)


@bp.get("/")
def home():
    return redirect(url_for("task_pages.task_list"))


PER_PAGE = 25


@bp.get("/tasks")
@allowed(WORKERS)
def task_list():
    """My tasks and my groups' tasks to claim: overdue first, searchable, a page of each at a time."""
    me = current()
    filters = task_filters(request.args, engine().clock()) | text_search(engine(), request.args.get("q"))
    pages = {name: _page_number(request.args.get(name)) for name in ("page", "group_page")}
    del filters["limit"], filters["offset"]
    mine = engine().tasks(assignee=me.username, limit=PER_PAGE + 1, offset=(pages["page"] - 1) * PER_PAGE,
                          **filters)
    claimable = engine().tasks(groups=me.queues, claimable_by=me.username, limit=PER_PAGE + 1,
                                offset=(pages["group_page"] - 1) * PER_PAGE,
                               **filters) if me.queues else []
    lists = {"mine": mine[:PER_PAGE], "claimable": claimable[:PER_PAGE]}
    more = {"page": len(mine) > PER_PAGE, "group_page": len(claimable) > PER_PAGE}
    return render_template("tasks.html", **lists, columns=case_columns(engine(), lists["mine"] + lists["claimable"]),
                           now=engine().clock(), args=request.args, pages=pages, more=more)


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1


@bp.post("/tasks/claim")
@allowed(STAFF)
def claim_selected():
    """Claim every ticked group task; each one taken meanwhile by someone else is named, the rest are claimed."""
    me = current()
    results = claim_all(engine(), request.form.getlist("task")[:PER_PAGE * 4], me)
    claimed = [r for r in results if r["claimed"]]
    flash(f"Tasks claimed|{len(claimed)}")
    for refused in (r for r in results if not r["claimed"]):
        flash(f"Not claimed|{translate(refused['reason'], language())}")
    return redirect(url_for("task_pages.task_list"))


@bp.get("/tasks/<task_id>")
@allowed(WORKERS)
def task_page(task_id: str):
    return _render_task(visible_task(engine(), task_id, current()))


@bp.post("/tasks/<task_id>/claim")
@allowed(STAFF)
def claim(task_id: str):
    me = current()
    engine().claim(task_id, me.username, me.queues)
    flash("Task claimed")
    return redirect(url_for("task_pages.task_page", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@allowed(STAFF)
def unclaim(task_id: str):
    engine().unclaim(task_id, current().username)
    flash("Task given back to its group")
    return redirect(url_for("task_pages.task_list"))


@bp.post("/tasks/<task_id>/delegate")
@allowed(WORKERS)
def delegate(task_id: str):
    """Hand a task to a colleague in its group (its assignee), or reassign it (an administrator); audited."""
    me = current()
    task = hand_over(engine(), task_id, me, request.form.get("to", ""))
    flash(f"Task handed to|{task.assignee}")
    back = local_path(request.form.get("next"))
    if back == url_for("task_pages.task_page", task_id=task_id) and "admin" not in me.roles:
        back = None  # the task is someone else's now: its page is no longer theirs to see
    return redirect(back or url_for("task_pages.task_list"))


@bp.post("/tasks/<task_id>/complete")
@allowed(STAFF)
def complete(task_id: str):
    me = current()
    task = visible_task(engine(), task_id, me)
    data, unreadable = submitted(form_schema(engine(), task), request.form)
    try:
        if unreadable:  # nothing runs; the form's own check names the other fields too
            raise InvalidData(engine().validate_form(task.form_key, data))
        engine().complete(task_id, me.username, data, me.queues)
    except InvalidData as refused:
        errors = {f.field: f.message for f in refused.fields} | unreadable
        return _render_task(task, values={**data, **request.form}, errors=errors), 422
    flash("Task completed")
    return redirect(url_for("task_pages.task_list"))


def _render_task(task: TaskView, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None):
    form = task_form(engine(), task, values)
    history = engine().history(task.instance_id)
    return render_template("task.html", task=task, form=form, errors=errors or {},
                           fields=fields(form["schema"], form["values"], errors or {}),
                           diagram=instance_svg(engine(), engine().instance(task.instance_id), language()),
                           colleagues=colleagues(engine(), task),
                           history=history, lines=history_lines(engine(), engine().instance(task.instance_id),
                                                                history, language()))
