"""Timers: rows with a due time, kept in step with the workflow, fired by workers exactly once.

When an instance starts waiting on a timer event, `sync` computes the due time with the
engine's clock, writes a `timer` row, and parks SpiffWorkflow's own due time in the far
future (SpiffWorkflow reads the wall clock, which tests and replays cannot control).
`commands.fire_timer` runs as a command: it locks the instance with SKIP LOCKED (a busy instance is left
for the next round, never waited on), re-reads the row, marks the event fired and advances.
Firing and deleting the row commit together, so a crash before commit leaves it due.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..intake.timers import cycle_parts
from ..store import writes
from ..store.tables import Timer

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from sqlalchemy import Connection

    from ..store.statements import Batch

PARKED = "9999-12-31T00:00:00+00:00"
EXPIRED = "1970-01-01T00:00:00+00:00"
DUE_KEY = "crmflow_due"
MAX_ATTEMPTS = 5


def _timer_definition(task: Any) -> Any:
    definition = getattr(task.task_spec, "event_definition", None)
    kinds = (DurationTimerEventDefinition, TimeDateEventDefinition, CycleTimerEventDefinition)
    return definition if isinstance(definition, kinds) else None


def sync(workflow: BpmnWorkflow, instance_id: str, now: datetime, connection: Connection, batch: Batch) -> None:
    """Make an instance's timer rows match the timers its workflow waits on (the writes join `batch`)."""
    timers = waiting(workflow, now)
    rows = writes.timers_of(connection, instance_id)
    added, moved = [], {}
    for timer_id, (task, due) in timers.items():
        if timer_id not in rows:
            added.append({"id": timer_id, "instance_id": instance_id, "element_id": task.task_spec.bpmn_id,
                          "due_at": due, "attempts": 0, "last_error": None})
        elif rows[timer_id] != due:  # a cycle timer moved on to its next firing
            moved[timer_id] = due
    writes.write_timers(batch, added, moved, rows.keys() - timers.keys())


def waiting(workflow: BpmnWorkflow, now: datetime, tasks: list[Any] | None = None) -> dict[str, tuple[Any, datetime]]:
    """Timer id -> (task, due time) of each timer the workflow waits on (among `tasks`, its waiting tasks, when the
    caller has them); one it has just started waiting on is scheduled on the engine's clock (`now`).
    :raises WorkflowTaskException: a timer value that is no valid time"""
    found = {}
    for task in workflow.get_tasks(state=TaskState.WAITING) if tasks is None else tasks:
        if task.state == TaskState.WAITING and _timer_definition(task):
            due_text = task._get_internal_data(DUE_KEY)
            found[str(task.id)] = (task, datetime.fromisoformat(due_text) if due_text else _schedule(workflow, task, now))
    return found


def hold_date(task: Any, value: Any, now: datetime) -> Any:
    """What SpiffWorkflow is given for a timer date as a case reaches it: it would compare the date with the wall
    clock, so a date the engine's clock (`now`) has not reached is kept as the timer's due time and SpiffWorkflow
    sees it parked; a date already passed reaches it as expired (it fires at once). A value that is no date goes
    through as it is (the timer's incident names it)."""
    try:
        due = TimerEventDefinition.get_datetime(str(value))
    except (TypeError, ValueError):
        return value
    if due <= now:
        return EXPIRED
    task._set_internal_data(**{DUE_KEY: due.isoformat()})
    return PARKED


def deadline(task: Any) -> datetime | None:
    """When the earliest interrupting timer on a task's boundary fires (its SLA), if it has one.

    Runs after `sync`, which gave every waiting timer its due time.
    """
    dues = [datetime.fromisoformat(sibling._get_internal_data(DUE_KEY)) for sibling in task.parent.children
            if sibling is not task and sibling.state == TaskState.WAITING and _timer_definition(sibling)
            and getattr(sibling.task_spec, "cancel_activity", False) and sibling._get_internal_data(DUE_KEY)]
    return min(dues, default=None)


def _schedule(workflow: BpmnWorkflow, task: Any, now: datetime) -> datetime:
    """The first due time of a timer the workflow has just started waiting on, on the engine's clock.

    SpiffWorkflow's own due time is parked far in the future (it reads the wall clock).
    :raises WorkflowTaskException: naming the element when the value is not a valid time
    """
    definition = _timer_definition(task)
    value = workflow.script_engine.evaluate(task, definition.expression)
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            count, start, seconds = cycle_parts(str(value))
            due = start or now + timedelta(seconds=seconds)
            parked: Any = {"cycles": count, "next": PARKED, "duration": seconds}
        elif isinstance(definition, TimeDateEventDefinition):  # (hold_date may have kept it already)
            held = task._get_internal_data(DUE_KEY) if value == PARKED else now.isoformat() if value == EXPIRED else None
            due, parked = TimerEventDefinition.get_datetime(held or value), PARKED
        else:
            parsed = TimerEventDefinition.parse_iso_duration(value)
            due, parked = now + TimerEventDefinition.get_timedelta_from_start(parsed, start=now), PARKED
    except Exception:  # noqa: BLE001 - whatever the value was, the model must say a valid time
        raise WorkflowTaskException(f"timer value {str(value)[:60]!r} is not a valid ISO 8601 "
                                    f"{'cycle' if isinstance(definition, CycleTimerEventDefinition) else 'time'}",
                                    task=task) from None
    task._set_internal_data(**{DUE_KEY: due.isoformat(), "event_value": parked})
    return due


def fire(task: Any, due_at: datetime) -> None:
    """Let SpiffWorkflow see the timer as expired; a cycle fires once and is parked again until its next due time."""
    if not isinstance(_timer_definition(task), CycleTimerEventDefinition):
        task._set_internal_data(event_fired=True)
        return
    cycle = dict(task._get_internal_data("event_value"))
    task._set_internal_data(event_value={**cycle, "next": EXPIRED})
    task.workflow.refresh_timers()  # SpiffWorkflow sends the case down the timer's path once
    remaining = cycle["cycles"] - 1 if cycle["cycles"] > 0 else -1  # -1: without end, until its step ends
    if remaining != 0:
        following = due_at + timedelta(seconds=cycle["duration"])
        task._set_internal_data(**{DUE_KEY: following.isoformat(),
                                   "event_value": {**cycle, "cycles": remaining, "next": PARKED}})
    else:
        task._set_internal_data(event_value={**cycle, "cycles": 0})


def fire_start(workflow: BpmnWorkflow) -> None:
    """A new case of a process that starts on a schedule (runtime/schedules.py): its timer start event has fired,
    once, and the case goes on from it (a cycle's own start event would otherwise wait inside the case for its next
    firing). Also for a simulation or a replay of such a case."""
    for task in workflow.get_tasks():
        if isinstance(task.task_spec, StartEvent) and _timer_definition(task) is not None and \
                task.workflow is workflow:
            _fired_start(task)


def _fired_start(task: Any) -> None:
    task._set_internal_data(event_fired=True)
    if not task.children:  # SpiffWorkflow does not predict what follows a cycle: it adds it at each firing
        for output in task.task_spec.outputs:
            child = task._add_child(output, TaskState.FUTURE)
            child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)


def due(session: Session, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(timer id, instance id) of timers due at `now`, oldest first; no locks taken."""
    rows = session.execute(select(Timer.id, Timer.instance_id).where(Timer.due_at <= now)
                           .order_by(Timer.due_at).limit(limit))
    return [(timer_id, instance_id) for timer_id, instance_id in rows]
