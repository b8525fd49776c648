"""The statements of the command path, built once and run as Core statements.

Every command reads and writes its instance, its task projection and its timers with these
statements on the unit of work's connection: no ORM objects are tracked or flushed on the hot
path, each statement is compiled once per dialect (SQLAlchemy's compiled cache, keyed by these
very objects), and rows of one kind go in one executemany. The rows a command holds are plain
mapped objects the session never sees; the statements here are the only way they reach the
database.

The instance row keeps its optimistic lock: `UPDATE ... WHERE id = :id AND revision = :seen`
must change exactly one row, or another command got there first.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from .tables import INSTANCE, TABLES, TASK, TIMER, HistoryEvent, Instance, OutboxMessage, TaskRow

_INSERT_EVENTS = insert(TABLES[HistoryEvent.__tablename__])
_INSERT_OUTBOX = insert(TABLES[OutboxMessage.__tablename__])
# What a command may change on its instance (the rest is fixed when it starts).
_INSTANCE_CHANGES = ("version_id", "version", "status", "incident", "updated_at", "ended_at", "summary")
_TASK_COLUMNS = tuple(column.key for column in TASK.columns)
_INSTANCE_COLUMNS = tuple(column.key for column in INSTANCE.columns)

_LOCK_INSTANCE = select(INSTANCE).where(INSTANCE.c.id == bindparam("id")).with_for_update()
_LOCK_INSTANCE_OR_SKIP = select(INSTANCE).where(INSTANCE.c.id == bindparam("id")).with_for_update(skip_locked=True)
# FOR UPDATE locks both rows; the task's columns come first, the instance's after them.
_LOCK_TASK = (select(*TASK.columns, *INSTANCE.columns).join_from(TASK, INSTANCE, TASK.c.instance_id == INSTANCE.c.id)
              .where(TASK.c.id == bindparam("id")).with_for_update())
_INSERT_INSTANCE = insert(INSTANCE)
_UPDATE_INSTANCE = (update(INSTANCE).where(INSTANCE.c.id == bindparam("b_id"),
                                           INSTANCE.c.revision == bindparam("b_revision"))
                    .values({name: bindparam(name) for name in (*_INSTANCE_CHANGES, "revision")}))
_UPDATE_INSTANCE_STATE = _UPDATE_INSTANCE.values(state=bindparam("state"))
_INSERT_TASKS = insert(TASK)
_CLOSE_TASKS = (update(TASK).where(TASK.c.id == bindparam("b_id"))
                .values(state=bindparam("state"), completed_at=bindparam("completed_at"),
                        completed_by=bindparam("completed_by")))
_TIMERS = select(TIMER.c.id, TIMER.c.due_at).where(TIMER.c.instance_id == bindparam("instance_id"))
_INSERT_TIMERS = insert(TIMER)
_MOVE_TIMERS = update(TIMER).where(TIMER.c.id == bindparam("b_id")).values(due_at=bindparam("due_at"), attempts=0)
_DELETE_TIMERS = delete(TIMER).where(TIMER.c.id == bindparam("b_id"))


def lock_instance(connection: Connection, instance_id: str, skip_locked: bool = False) -> Instance | None:
    """An instance's row under a row lock (the write lock on SQLite); None when there is none, or when
    `skip_locked` and another transaction holds it."""
    found = connection.execute(_LOCK_INSTANCE_OR_SKIP if skip_locked else _LOCK_INSTANCE,
                               {"id": instance_id}).first()
    return Instance(**found._mapping) if found is not None else None


def lock_task(connection: Connection, task_id: str) -> tuple[TaskRow, Instance] | None:
    """A task's row and its instance's, both under a row lock, read once the lock is granted."""
    found = connection.execute(_LOCK_TASK, {"id": task_id}).first()
    if found is None:
        return None
    width = len(_TASK_COLUMNS)
    return (TaskRow(**dict(zip(_TASK_COLUMNS, found[:width], strict=True))),
            Instance(**dict(zip(_INSTANCE_COLUMNS, found[width:], strict=True))))


def insert_instance(connection: Connection, row: Instance) -> None:
    """Write a new instance (the unique business-key and start-key indexes may refuse it: IntegrityError)."""
    connection.execute(_INSERT_INSTANCE, {name: getattr(row, name) for name in _INSTANCE_COLUMNS})


def update_instance(connection: Connection, row: Instance, state: bytes | None) -> bool:
    """Write what a command changed on its instance and bump the revision; False when the row is not at the
    revision the command read (another command changed it). `state` None keeps the stored state."""
    values = {name: getattr(row, name) for name in _INSTANCE_CHANGES}
    values.update(b_id=row.id, b_revision=row.revision, revision=row.revision + 1)
    if state is not None:
        values["state"] = state
    changed = connection.execute(_UPDATE_INSTANCE if state is None else _UPDATE_INSTANCE_STATE, values).rowcount
    if changed != 1:
        return False
    row.revision += 1
    if state is not None:
        row.state = state
    return True


def insert_tasks(connection: Connection, rows: Sequence[TaskRow]) -> None:
    if rows:
        connection.execute(_INSERT_TASKS, [{name: getattr(row, name) for name in _TASK_COLUMNS} for row in rows])


def close_tasks(connection: Connection, closed: Iterable[Mapping[str, Any]]) -> None:
    """Mark open tasks completed or cancelled: each of `closed` has id, state, completed_at, completed_by."""
    rows = [{"b_id": c["id"], "state": c["state"], "completed_at": c["completed_at"],
             "completed_by": c["completed_by"]} for c in closed]
    if rows:
        connection.execute(_CLOSE_TASKS, rows)


def update_task(connection: Connection, task: TaskRow, **values: Any) -> None:
    """Change a task's assignment (claim, unclaim, delegate) on the row and in the database."""
    for name, value in values.items():
        setattr(task, name, value)
    connection.execute(update(TASK).where(TASK.c.id == task.id).values(**values))


def timers_of(connection: Connection, instance_id: str) -> dict[str, Any]:
    """timer id -> due time of an instance's timer rows."""
    return dict(connection.execute(_TIMERS, {"instance_id": instance_id}).tuples().all())


def write_timers(connection: Connection, added: Sequence[Mapping[str, Any]], moved: Mapping[str, Any],
                 removed: Iterable[str]) -> None:
    """New timer rows, new due times (a cycle moved on; attempts start again), timers no longer waited on."""
    gone = [{"b_id": timer_id} for timer_id in removed]
    if gone:
        connection.execute(_DELETE_TIMERS, gone)
    if moved:
        connection.execute(_MOVE_TIMERS, [{"b_id": timer_id, "due_at": due} for timer_id, due in moved.items()])
    if added:
        connection.execute(_INSERT_TIMERS, list(added))


def append_history(connection: Connection, events: Sequence[Mapping[str, Any]]) -> None:
    """History events, in one executemany."""
    if events:
        connection.execute(_INSERT_EVENTS, list(events))


def queue_outbox(connection: Connection, messages: Sequence[Mapping[str, Any]]) -> None:
    """Outbox messages to deliver after commit, in one executemany."""
    if messages:
        connection.execute(_INSERT_OUTBOX, list(messages))
