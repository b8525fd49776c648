"""The statements of the command path.

A command reads its instance (and task) with one locking SELECT, compiled once and run on the driver's
cursor (`Read`); a save then
writes what changed through a `Batch` (statements.py): the instance's new state and revision, the task
rows it closes and opens, timers, history and outbox, all sent at once. No ORM objects are tracked or
flushed on the hot path; the rows a command holds are plain mapped objects the session never sees.

The instance row keeps its optimistic lock: `UPDATE ... WHERE id = :id AND revision = :seen`
must change exactly one row, or another command got there first.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from .statements import Batch, Read, Statement
from .tables import INSTANCE, TABLES, TASK, TIMER, HistoryEvent, Instance, OutboxMessage, TaskRow

_INSERT_EVENTS = Statement(insert(TABLES[HistoryEvent.__tablename__]).inline())
_INSERT_OUTBOX = Statement(insert(TABLES[OutboxMessage.__tablename__]).inline())
# What a command may change on its instance (the rest is fixed when it starts).
_INSTANCE_CHANGES = ("version_id", "version", "status", "incident", "updated_at", "ended_at", "summary")
_TASK_COLUMNS = tuple(column.key for column in TASK.columns)
_INSTANCE_COLUMNS = tuple(column.key for column in INSTANCE.columns)

_LOCK_INSTANCE = Read(select(INSTANCE).where(INSTANCE.c.id == bindparam("id")).with_for_update())
_LOCK_INSTANCE_OR_SKIP = Read(select(INSTANCE).where(INSTANCE.c.id == bindparam("id"))
                              .with_for_update(skip_locked=True))
# FOR UPDATE locks both rows; the task's columns come first, the instance's after them.
_LOCK_TASK = Read(select(*TASK.columns, *INSTANCE.columns)
                  .join_from(TASK, INSTANCE, TASK.c.instance_id == INSTANCE.c.id)
                  .where(TASK.c.id == bindparam("id")).with_for_update())
_INSERT_INSTANCE = insert(INSTANCE)
_UPDATE_INSTANCE = Statement(update(INSTANCE).where(INSTANCE.c.id == bindparam("b_id"),
                                                    INSTANCE.c.revision == bindparam("b_revision")))
_INSERT_TASKS = Statement(insert(TASK).inline())
_UPDATE_TASKS = Statement(update(TASK).where(TASK.c.id == bindparam("b_id")))
_MOVE_TASKS = Statement(update(TASK).where(TASK.c.instance_id == bindparam("b_instance_id"),
                                           TASK.c.state == bindparam("b_state")))
_TIMERS = select(TIMER.c.id, TIMER.c.due_at).where(TIMER.c.instance_id == bindparam("instance_id"))
_INSERT_TIMERS = Statement(insert(TIMER).inline())
_UPDATE_TIMERS = Statement(update(TIMER).where(TIMER.c.id == bindparam("b_id")))
_DELETE_TIMERS = Statement(delete(TIMER).where(TIMER.c.id == bindparam("b_id")))


def lock_instance(connection: Connection, instance_id: str, skip_locked: bool = False) -> Instance | None:
    """An instance's row under a row lock (the write lock on SQLite); None when there is none, or when
    `skip_locked` and another transaction holds it."""
    found = (_LOCK_INSTANCE_OR_SKIP if skip_locked else _LOCK_INSTANCE).first(connection, {"id": instance_id})
    return Instance(**dict(zip(_INSTANCE_COLUMNS, found, strict=True))) if found is not None else None


def lock_task(connection: Connection, task_id: str) -> tuple[TaskRow, Instance] | None:
    """A task's row and its instance's, both under a row lock, read once the lock is granted."""
    found = _LOCK_TASK.first(connection, {"id": task_id})
    if found is None:
        return None
    width = len(_TASK_COLUMNS)
    return (TaskRow(**dict(zip(_TASK_COLUMNS, found[:width], strict=True))),
            Instance(**dict(zip(_INSTANCE_COLUMNS, found[width:], strict=True))))


def insert_instance(connection: Connection, row: Instance) -> None:
    """Write a new instance (the unique business-key and start-key indexes may refuse it: IntegrityError)."""
    connection.execute(_INSERT_INSTANCE, {name: getattr(row, name) for name in _INSTANCE_COLUMNS})


def update_instance(batch: Batch, row: Instance, state: bytes | None) -> int:
    """Queue what a command changed on its instance, and the revision bumped; `state` None keeps the stored state.

    Returns the place of the statement's row count in what `batch.send` returns: 0 there means the row was not at
    the revision the command read (another command changed it), and `saved` must not be called.
    """
    values = {name: getattr(row, name) for name in _INSTANCE_CHANGES}
    values.update(b_id=row.id, b_revision=row.revision, revision=row.revision + 1)
    if state is not None:
        values["state"] = state
    return batch.add(_UPDATE_INSTANCE, [values])


def saved(row: Instance, state: bytes | None) -> None:
    """Bring the row the command holds in step with what `update_instance` wrote."""
    row.revision += 1
    if state is not None:
        row.state = state


def insert_tasks(batch: Batch, rows: Sequence[TaskRow]) -> None:
    """New rows of the task projection."""
    batch.add(_INSERT_TASKS, [{name: getattr(row, name) for name in _TASK_COLUMNS} for row in rows])


def close_tasks(batch: Batch, closed: Iterable[Mapping[str, Any]]) -> None:
    """Mark open tasks completed or cancelled: each of `closed` has id, state, completed_at, completed_by."""
    batch.add(_UPDATE_TASKS, [{"b_id": c["id"], "state": c["state"], "completed_at": c["completed_at"],
                               "completed_by": c["completed_by"]} for c in closed])


def update_task(batch: Batch, task: TaskRow, **values: Any) -> None:
    """Change a task's assignment (claim, unclaim, delegate) on the row and in the database."""
    for name, value in values.items():
        setattr(task, name, value)
    batch.add(_UPDATE_TASKS, [{"b_id": task.id, **values}])


def move_tasks(batch: Batch, instance_id: str, old: str, new: str) -> None:
    """Move an instance's tasks in state `old` to state `new` (suspended and back)."""
    batch.add(_MOVE_TASKS, [{"b_instance_id": instance_id, "b_state": old, "state": new}])


def timers_of(connection: Connection, instance_id: str) -> dict[str, Any]:
    """timer id -> due time of an instance's timer rows."""
    return dict(connection.execute(_TIMERS, {"instance_id": instance_id}).tuples().all())


def write_timers(batch: Batch, added: Sequence[Mapping[str, Any]], moved: Mapping[str, Any],
                 removed: Iterable[str]) -> None:
    """New timer rows, new due times (a cycle moved on; attempts start again), timers no longer waited on."""
    batch.add(_DELETE_TIMERS, [{"b_id": timer_id} for timer_id in removed])
    batch.add(_UPDATE_TIMERS, [{"b_id": timer_id, "due_at": due, "attempts": 0} for timer_id, due in moved.items()])
    batch.add(_INSERT_TIMERS, added)


def append_history(batch: Batch, events: Sequence[Mapping[str, Any]]) -> None:
    """History events."""
    batch.add(_INSERT_EVENTS, events)


def queue_outbox(batch: Batch, messages: Sequence[Mapping[str, Any]]) -> None:
    """Outbox messages to deliver after commit."""
    batch.add(_INSERT_OUTBOX, messages)
