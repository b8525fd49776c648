"""The transaction path every command takes.

`UnitOfWork` opens one write transaction; `InstanceRun` loads an instance under a row
lock, lets the command drive SpiffWorkflow, and on `save()` writes, in that same
transaction: the state (without spec), the task projection, history events and outbox
messages. Nothing commits unless the command finished; any exception rolls back all of it.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import timers
from ..errors import Conflict, NotFound
from ..store.tables import HistoryEvent, Instance, OutboxMessage, ProcessVersion, TaskRow
from ..pack import HumanTask, ServiceCall
from ..intake.scripting import SandboxScriptEngine
from ..store.versions import Specs
from ..intake.durations import parse_duration

if TYPE_CHECKING:
    from ..facade import Engine

OPEN = ("ready", "suspended")
FINAL_STATUSES = ("completed", "terminated")


class UnitOfWork:
    """One command's transaction. Rolls back unless `commit()` is called; exceptions always propagate."""

    def __init__(self, engine: "Engine", actor: str | None = None):
        self.engine = engine
        self.actor = actor
        self.now = engine.clock()
        self.session: Session = engine.store.write()
        self._committed = False

    def __enter__(self) -> "UnitOfWork":
        self.session.begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Make everything this command wrote durable, at once."""
        self.session.commit()
        self._committed = True

    def lock_instance(self, instance_id: str, expected_revision: int | None = None) -> "InstanceRun":
        """Load an instance under a row lock (FOR UPDATE; the write lock on SQLite). :raises NotFound, Conflict:"""
        row = self.session.scalars(
            select(Instance).where(Instance.id == instance_id).options(undefer(Instance.state))
            .with_for_update()).one_or_none()
        if row is None:
            raise NotFound(f"instance '{instance_id}' does not exist")
        _check_revision(row, expected_revision)
        return InstanceRun(self, row)

    def lock_task(self, task_id: str, expected_revision: int | None = None) -> tuple["InstanceRun", TaskRow]:
        """Lock a task's row and its instance's row in one statement. :raises NotFound, Conflict:"""
        # FOR UPDATE re-reads both rows once the lock is granted, so a task completed by a
        # concurrent command is seen as completed here, never as ready.
        found = self.session.execute(
            select(TaskRow, Instance).join(Instance, Instance.id == TaskRow.instance_id)
            .where(TaskRow.id == task_id).options(undefer(Instance.state))
            .with_for_update().execution_options(populate_existing=True)).one_or_none()
        if found is None:
            raise NotFound(f"task '{task_id}' does not exist")
        task, row = found
        _check_revision(row, expected_revision)
        return InstanceRun(self, row), task

    def create_instance(self, version: ProcessVersion, business_key: str | None) -> "InstanceRun":
        """A new instance row and a fresh workflow on the version's cached spec."""
        row = Instance(id=str(uuid.uuid4()), version_id=version.id, version=version.version,
                       process_key=version.process_key, business_key=business_key, status="running",
                       state=b"", started_by=self.actor, started_at=self.now, updated_at=self.now)
        self.session.add(row)
        run = InstanceRun(self, row)
        run._workflow = BpmnWorkflow(run.specs.spec, run.specs.subprocess_specs, script_engine=run.script_engine())
        return run


class InstanceRun:
    """An instance being worked on inside a unit of work."""

    def __init__(self, uow: UnitOfWork, row: Instance):
        self.uow = uow
        self.row = row
        self._workflow: BpmnWorkflow | None = None
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.completed_task_ids: set[str] = set()

    # -- state ----------------------------------------------------------------------------------
    @property
    def specs(self) -> Specs:
        """The parsed specs and parameters of the instance's version (cached by content hash)."""
        return self.uow.engine.specs.specs(self.uow.session, self.row.version_id)

    @property
    def workflow(self) -> BpmnWorkflow:
        """The SpiffWorkflow instance, deserialized on first use only (claims never need it)."""
        if self._workflow is None:
            specs = self.specs
            self._workflow = self.uow.engine.serializer.loads(self.row.state, specs.spec, specs.subprocess_specs,
                                                              self.script_engine())
        return self._workflow

    def script_engine(self) -> SandboxScriptEngine:
        return SandboxScriptEngine(self.uow.engine.pack, self._service_call, self.specs.parameters)

    def _service_call(self, task) -> ServiceCall:
        # Events and messages of the call become this command's, written in this transaction.
        return ServiceCall(self.uow.session, self.row.id, self.row.process_key, self.row.business_key,
                           task.task_spec.bpmn_id, self.uow.actor, self.uow.now, self.events, self.messages)

    def spiff_task(self, task_id: str):
        """The workflow task behind a projected task row. :raises NotFound:"""
        task = self.workflow.get_task_from_id(UUID(task_id))
        if task is None:
            raise NotFound(f"task '{task_id}' is not part of instance '{self.row.id}'")
        return task

    def require_status(self, *allowed: str) -> None:
        """Refuse a command the instance's status does not allow. :raises Conflict:"""
        if self.row.status not in allowed:
            raise Conflict(f"instance '{self.row.id}' is {self.row.status}; this needs it to be "
                           f"{' or '.join(allowed)}")

    # -- recording ------------------------------------------------------------------------------
    def event(self, type: str, element_id: str | None = None, task_id: str | None = None,
              data: dict[str, Any] | None = None) -> None:
        """Queue a history event, by the command's actor; it is written by `save()`."""
        self.events.append({"type": type, "element_id": element_id, "task_id": task_id, "data": data,
                            "actor": self.uow.actor})

    def message(self, topic: str, key: str, **payload: Any) -> None:
        """Queue an outbox message; it is written by `save()` and delivered after commit."""
        self.messages.append({"topic": topic, "key": key, "payload": payload})

    # -- running --------------------------------------------------------------------------------
    def advance(self) -> None:
        """Run engine steps until only people or events are awaited; a model failure becomes an incident."""
        try:
            self.workflow.do_engine_steps(did_complete_task=self._record_engine_task)
        except (WorkflowTaskException, SpiffWorkflowException) as exc:
            self._incident(exc)
            return
        self.row.incident = None

    def complete_task(self, task_id: str, data: dict[str, Any]) -> None:
        """Hand a ready user task its data, run it (post-scripts included), record it, then advance."""
        task = self.spiff_task(task_id)
        if task.state != TaskState.READY:
            raise Conflict(f"task '{task_id}' is {TaskState.get_name(task.state).lower()}, not ready")
        task.data.update(data)
        try:
            task.run()
        except (WorkflowTaskException, SpiffWorkflowException) as exc:
            self._incident(exc)
            return
        self.completed_task_ids.add(task_id)
        self.event("task_completed", task.task_spec.bpmn_id, task_id, {"data": data})
        self.advance()

    def reset_failed_task(self, task_id: str, data: dict[str, Any]) -> None:
        """Make the task that raised the incident runnable again, with corrected data merged in."""
        task = self.spiff_task(task_id)
        try:
            self.workflow.reset_from_task_id(task.id, {**task.data, **data})
        except (WorkflowTaskException, SpiffWorkflowException) as exc:
            self._incident(exc)

    def _record_engine_task(self, task) -> None:
        spec = task.task_spec
        if not getattr(spec, "bpmn_id", None):
            return  # SpiffWorkflow's internal specs (Start, End joins) are not model elements
        data = {"type": spec.__class__.__name__}
        if isinstance(spec, (ExclusiveGateway, InclusiveGateway)):
            data["taken"] = [element_of(c) for c in task.children if c.state & TaskState.DEFINITE_MASK
                             or c.state == TaskState.COMPLETED]
            self.event("gateway_decided", spec.bpmn_id, str(task.id), data)
        else:
            self.event("element_completed", spec.bpmn_id, str(task.id), data)

    def _incident(self, exc: Exception) -> None:
        task = getattr(exc, "task", None)
        element_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        self.record_incident(element_id, str(task.id) if task else None, str(exc).split("\n")[0])

    def record_incident(self, element_id: str | None, task_id: str | None, message: str) -> None:
        """Stop the instance at `element_id` with an incident to fix and retry, and say so in the history."""
        self.row.incident = {"element_id": element_id, "task_id": task_id, "message": message}
        self.event("incident", element_id, task_id, {"message": message})

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        """Write state, status, projection, history and outbox; bump the revision. :raises Conflict:"""
        uow, row = self.uow, self.row
        row.updated_at = uow.now
        if self._workflow is not None:
            self._sync_timers()
            row.state = uow.engine.serializer.dumps(self._workflow)
            self._sync_tasks()
            row.status = self._status()
            if row.status in FINAL_STATUSES and row.ended_at is None:
                row.ended_at = uow.now
                if row.status == "completed":
                    self.event("instance_completed")
        else:
            flag_modified(row, "updated_at")  # a claim still bumps the revision
        try:
            uow.session.flush()
        except StaleDataError:
            raise Conflict(f"instance '{row.id}' was changed by another command; try again") from None
        self._write_events()

    def _sync_timers(self) -> None:
        try:
            timers.sync(self)
        except (WorkflowTaskException, SpiffWorkflowException) as exc:
            self._incident(exc)

    def _status(self) -> str:
        if self.row.status in ("suspended", "terminated"):
            return self.row.status
        if self.row.incident:
            return "error"
        if self._workflow.is_completed():
            return "completed"
        return "running" if self._workflow.get_tasks(state=TaskState.READY, manual=True) else "waiting"

    def _sync_tasks(self) -> None:
        session, now = self.uow.session, self.uow.now
        open_rows = {t.id: t for t in session.scalars(select(TaskRow).where(
            TaskRow.instance_id == self.row.id, TaskRow.state.in_(OPEN)))}
        ready = {str(t.id): t for t in self._workflow.get_tasks(state=TaskState.READY, manual=True)}
        for task_id, row in open_rows.items():
            if task_id in ready:
                continue
            if task_id in self.completed_task_ids:
                row.state, row.completed_at, row.completed_by = "completed", now, self.uow.actor
            else:
                row.state = "cancelled"
                self.event("task_cancelled", row.element_id, task_id)
        state = "suspended" if self.row.status == "suspended" else "ready"
        for task_id, task in ready.items():
            if task_id not in open_rows:
                session.add(self._new_task_row(task_id, task, state))

    def _new_task_row(self, task_id: str, task, state: str) -> TaskRow:
        spec, row, now = task.task_spec, self.row, self.uow.now
        properties = dict((spec.extensions or {}).get("properties", {}))
        human = HumanTask(row.process_key, row.id, row.business_key, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                          spec.lane, properties.get("formKey"), properties)
        assignment = self.uow.engine.pack.assign(human, task.data, self.uow.session)
        due = parse_duration(properties["dueIn"]) if properties.get("dueIn") else None
        self.event("task_created", spec.bpmn_id, task_id, {
            "assignee": assignment.assignee, "candidate_group": assignment.candidate_group,
            "reason": assignment.reason})
        if assignment.assignee:
            self.message("task.assigned", f"task:{task_id}:assigned:{assignment.assignee}",
                         task_id=task_id, assignee=assignment.assignee, name=human.name,
                         instance_id=row.id, business_key=row.business_key)
        return TaskRow(id=task_id, instance_id=row.id, process_key=row.process_key, business_key=row.business_key,
                       element_id=spec.bpmn_id, name=human.name, lane=spec.lane, form_key=human.form_key,
                       state=state, assignee=assignment.assignee, candidate_group=assignment.candidate_group,
                       assignment_reason=assignment.reason, created_at=now,
                       due_at=now + due if due else None)

    def _write_events(self) -> None:
        connection, row, now = self.uow.session.connection(), self.row, self.uow.now
        if self.events:
            connection.execute(insert(HistoryEvent.__table__), [
                {"instance_id": row.id, "process_key": row.process_key, "business_key": row.business_key,
                 "at": now, **event} for event in self.events])
        if self.messages:
            connection.execute(insert(OutboxMessage.__table__), [
                {"idempotency_key": m["key"], "instance_id": row.id, "topic": m["topic"], "payload": m["payload"],
                 "created_at": now, "attempts": 0} for m in self.messages])
        self.events, self.messages = [], []


def element_of(task) -> str | None:
    """The model element a task stands for; SpiffWorkflow's internal specs (the split in front of
    a task with boundary events) stand for the first real element below them."""
    queue = [task]
    while queue:
        current = queue.pop(0)
        if getattr(current.task_spec, "bpmn_id", None):
            return current.task_spec.bpmn_id
        queue.extend(current.children)
    return None


def _check_revision(row: Instance, expected: int | None) -> None:
    if expected is not None and row.revision != expected:
        raise Conflict(f"instance '{row.id}' has changed (revision {row.revision}, you have {expected}); "
                       "reload and try again")


def set_suspended(session: Session, instance_id: str, suspended: bool) -> None:
    """Hide (or show again) an instance's open tasks from task lists."""
    old, new = ("ready", "suspended") if suspended else ("suspended", "ready")
    session.execute(update(TaskRow).where(TaskRow.instance_id == instance_id, TaskRow.state == old)
                    .values(state=new))


def utcnow() -> datetime:
    """The default clock: aware UTC now."""
    return datetime.now(timezone.utc)

