"""Tasks staff work on: /api/tasks."""
from __future__ import annotations

from flask import Blueprint

from ..auth import STAFF, WORKERS, current
from ..http import engine, reply
from ..openapi import operation
from ..uses.common import InstanceOut, TaskOut, Tasks, context_of
from ..uses.tasks import (
    ClaimIn,
    ClaimResults,
    CompleteIn,
    DelegateIn,
    TaskForm,
    TasksQuery,
    Why,
    aware,
    claim_all,
    hand_over,
    task_form,
    text_search,
    visible_task,
)

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")
TAGS = ("tasks",)


@bp.get("")
@operation("My tasks and my groups' unclaimed tasks, overdue first", WORKERS, query=TasksQuery, ok=Tasks,
           tags=TAGS)
def my_tasks():
    me = current()
    query: TasksQuery = context_of("query")
    filters = query.model_dump(exclude={"overdue", "q"}) | text_search(engine(), query.q)
    for moment in ("due_before", "created_since"):
        filters[moment] = aware(filters[moment])
    if query.overdue:
        filters["due_before"] = engine().clock()
    return reply(engine().tasks(assignee=me.username, groups=me.queues, claimable_by=me.username, **filters))


@bp.get("/<task_id>")
@operation("A task", WORKERS, ok=TaskOut, tags=TAGS)
def get_task(task_id: str):
    return reply(visible_task(engine(), task_id, current()))


@bp.get("/<task_id>/form")
@operation("A task's form: schema, labels, the read-only case context, and an empty set of values", WORKERS,
           ok=TaskForm, tags=TAGS)
def form(task_id: str):
    return reply(task_form(engine(), visible_task(engine(), task_id, current())))


@bp.post("/<task_id>/claim")
@operation("Claim a group task (claiming one's own again changes nothing)", STAFF, ok=TaskOut, tags=TAGS)
def claim(task_id: str):
    me = current()
    return reply(engine().claim(task_id, me.username, me.queues))


@bp.get("/<task_id>/why")
@operation("Why is this task mine: the assignment rule and reason", WORKERS, ok=Why, tags=TAGS)
def why(task_id: str):
    task = visible_task(engine(), task_id, current())
    return reply({"assignee": task.assignee, "candidate_group": task.candidate_group,
                  "reason": task.assignment_reason})


@bp.post("/<task_id>/delegate")
@operation("Hand a task to an active member of its group (audited)", WORKERS, json=DelegateIn,
           ok=TaskOut, tags=TAGS, who='the assignee, or an administrator')
def delegate(task_id: str):
    return reply(hand_over(engine(), task_id, current(), context_of("json").to))


@bp.post("/<task_id>/unclaim")
@operation("Give a task back to its group", STAFF, ok=TaskOut, tags=TAGS)
def unclaim(task_id: str):
    return reply(engine().unclaim(task_id, current().username))


@bp.post("/<task_id>/complete")
@operation("Complete with form data", STAFF, json=CompleteIn, ok=InstanceOut, tags=TAGS)
def complete(task_id: str):
    me = current()
    body: CompleteIn = context_of("json")
    return reply(engine().complete(task_id, me.username, body.data, me.queues, body.revision))


claims = Blueprint("task_claims", __name__, url_prefix="/api/task-claims")


@claims.post("")
@operation("Claim several group tasks, each in its own transaction; a task taken meanwhile is reported with the "
           "reason and the others are claimed", STAFF, json=ClaimIn, ok=ClaimResults, tags=TAGS)
def claim_many():
    return reply(claim_all(engine(), context_of("json").task_ids, current()))
