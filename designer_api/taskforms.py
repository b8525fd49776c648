"""What staff may see of a task, and its form: schema, labels and the current values."""
from __future__ import annotations

from typing import Any

from engine import Engine, Forbidden
from engine.queries import TaskView

from .auth import Principal


def visible_task(engine: Engine, task_id: str, principal: Principal) -> TaskView:
    """A task the caller may see: theirs, their groups' unclaimed ones, or any for admins. :raises Forbidden:"""
    task = engine.task(task_id)
    if "admin" in principal.roles or task.assignee == principal.username:
        return task
    if task.assignee is None and task.candidate_group in principal.groups:
        return task
    raise Forbidden(f"task '{task_id}' is not assigned to {principal.username} or their groups")


def task_form(engine: Engine, task: TaskView) -> dict[str, Any]:
    """The form of a task: its JSON Schema (English and Chinese labels) and the values it starts with."""
    schema = getattr(engine.pack, "forms", {}).get(task.form_key) if task.form_key else None
    values: dict[str, Any] = {}
    if schema and task.state == "ready":
        data = engine.task_data(task.id)
        values = {name: data[name] for name in schema["properties"] if name in data}
    return {"task": task, "form_key": task.form_key, "schema": schema, "values": values}
