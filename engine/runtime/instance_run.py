"""An instance being worked on inside a unit of work.

`lock_instance`, `lock_task` and `create_instance` load a case into a unit of work; the
`InstanceRun` they return lets a command drive SpiffWorkflow and on `save()` writes, in the command's
transaction: the state (without spec), the task projection, history events and outbox
messages. `restore` is the one way a saved state becomes a workflow again.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, undefer

from ..errors import BusinessKeyTaken, Conflict, EngineError, NotFound, Text, kept, new_reference
from ..intake.durations import parse_duration
from ..intake.properties import DUE_IN, NAME_ZH, SEPARATE_FROM
from ..pack import Assignment, ServiceCall
from ..scripting.script_engine import SandboxScriptEngine
from ..store import writes
from ..store.statements import Batch
from ..store.tables import Instance, ProcessVersion, TaskRow
from ..store.versions import Specs
from . import timers, webhooks
from .elements import element_of, gateway_taken, human_task, is_model_element, task_properties
from .pruning import prune
from .stepping import NoWaitState, reached_end, run_engine_steps
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("crmflow.incidents")
FINAL_STATUSES = ("completed", "terminated")


def restore(context: Context, session: Session, row: Instance, script_engine: Any = None) -> BpmnWorkflow:
    """The workflow saved in an instance row, on its version's cached specs. :raises StateFormatError:"""
    specs = context.specs.specs(session, row.version_id)
    return context.serializer.loads(row.state, specs, script_engine or SandboxScriptEngine(
        context.pack, parameters=specs.parameters, data_limits=context.limits.data))


def task_data(context: Context, session: Session, task_id: str) -> dict[str, Any]:
    """The data one task currently sees, read from its instance's state. :raises NotFound:"""
    row = session.scalars(select(Instance).join(TaskRow, TaskRow.instance_id == Instance.id)
                          .where(TaskRow.id == task_id).options(undefer(Instance.state))).one_or_none()
    if row is None:
        raise NotFound(Text("task '{task}' does not exist", task=task_id))
    task = restore(context, session, row).get_task_from_id(UUID(task_id))
    return dict(task.data) if task is not None else {}


SUMMARY_FIELDS, SUMMARY_TEXT = 60, 200


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The plain top-level fields of case data: what instance search can filter on."""
    plain = {name: value for name, value in data.items() if isinstance(value, str | int | float | bool)
             and not name.startswith("_") and not (isinstance(value, str) and len(value) > SUMMARY_TEXT)}
    return dict(list(plain.items())[:SUMMARY_FIELDS])


class InstanceRun:
    """An instance being worked on inside a unit of work."""

    def __init__(self, uow: UnitOfWork, row: Instance):
        self.uow = uow
        self.row = row
        self._workflow: BpmnWorkflow | None = None
        # task id -> element id of the ready tasks when the workflow was loaded: the rows of the task
        # projection that are open (every save leaves the projection equal to them)
        self._open_tasks: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.completed_task_ids: set[str] = set()
        self.batch = Batch()  # what save() writes: the statements of update_task and suspend_tasks join it
        # Whether the next command may take this workflow from memory (runtime/workflows.py) once this one commits;
        # a migration, which rebuilds it on other specs, says no.
        self.keep_workflow = True
        self.version_reason: str | None = None  # a start says which version it took and why

    # -- state ----------------------------------------------------------------------------------
    @property
    def specs(self) -> Specs:
        """The parsed specs and parameters of the instance's version (cached by content hash)."""
        return self.uow.context.specs.specs(self.uow.session, self.row.version_id)

    @property
    def workflow(self) -> BpmnWorkflow:
        """The SpiffWorkflow instance, on first use only (claims never need it): the one the last command on this
        revision saved, or else deserialized from the stored state."""
        if self._workflow is None:
            self._workflow = self.uow.context.workflows.take(self.row.id, self.row.revision)
            if self._workflow is not None:
                self._workflow.script_engine = self.script_engine()
            else:
                self._workflow = restore(self.uow.context, self.uow.session, self.row, self.script_engine())
            self._open_tasks = {str(task.id): task.task_spec.bpmn_id
                                for task in self._workflow.get_tasks(state=TaskState.READY, manual=True)}
        return self._workflow

    def begin(self, workflow: BpmnWorkflow) -> None:
        """Run a new instance's workflow (it has no tasks in the projection yet)."""
        self._workflow, self._open_tasks = workflow, {}

    def script_engine(self) -> SandboxScriptEngine:
        context = self.uow.context
        engine = SandboxScriptEngine(context.pack, self._service_call, self.specs.parameters, context.limits.data)
        engine.timer_date = lambda task, value: timers.hold_date(task, value, self.uow.now)
        return engine

    def _service_call(self, task: Any) -> ServiceCall:
        # Events and messages of the call become this command's, written in this transaction.
        return ServiceCall(self.uow.session, self.row.id, self.row.process_key, self.row.business_key,
                           task.task_spec.bpmn_id, self.uow.actor, self.uow.now, self.events, self.messages)

    def spiff_task(self, task_id: str) -> Any:
        """The workflow task behind a projected task row. :raises NotFound:"""
        task = self.workflow.get_task_from_id(UUID(task_id))
        if task is None:
            raise NotFound(Text("task '{task}' is not part of case '{case}'", task=task_id, case=self.row.id))
        return task

    def require_status(self, *allowed: str) -> None:
        """Refuse a command the instance's status does not allow. :raises Conflict:"""
        if self.row.status not in allowed:
            raise Conflict(Text("the case is {status}; this needs it to be {allowed}", status=Text(self.row.status),
                                allowed=" / ".join(allowed)))

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
        """Run engine steps until only people or events are awaited, within the step budget.

        A model failure, a loop that reaches no wait state, anything the model makes go wrong
        becomes an incident on the instance; only database errors abort the command.
        """
        limits = self.uow.context.limits.steps
        if self._run_model(lambda: run_engine_steps(self.workflow, self._record_engine_task, limits)):
            self.row.incident = None

    def complete_task(self, task_id: str, data: dict[str, Any], form_key: str | None = None) -> None:
        """Hand a ready user task its data, run it (post-scripts included), record it, then advance.

        The history event keeps what the person submitted, what it replaced, and the case context
        the pack showed beside the form: who decided, on what, having seen what.
        """
        task = self.spiff_task(task_id)
        if task.state != TaskState.READY:
            raise Conflict(Text("“{step}” is {state}, not ready", step=task.task_spec.bpmn_name or task.task_spec.name,
                                    state=Text(TaskState.get_name(task.state).lower())))
        seen = self.uow.context.pack.task_context(form_key, task.data, self.uow.session)
        # The history holds exactly what this person submitted, and what their values replaced.
        changed = {name: {"from": task.data[name], "to": value} for name, value in data.items()
                   if name in task.data and task.data[name] != value}
        # The case also gets the form's defaults for what was left out (Forms.filled); the history does not.
        task.data.update(self.uow.context.forms.filled(self.uow.session, form_key, data, task.data))
        if not self._run_model(task.run):
            return
        self.completed_task_ids.add(task_id)
        self.event("task_completed", task.task_spec.bpmn_id, task_id,
                   {"data": data, **({"changed": changed} if changed else {}), **({"context": seen} if seen else {})})
        self.advance()

    def reset_failed_task(self, task_id: str, data: dict[str, Any]) -> None:
        """Make the task that raised the incident runnable again, with corrected data merged in."""
        task = self.spiff_task(task_id)
        self._run_model(lambda: self.workflow.reset_from_task_id(task.id, {**task.data, **data}))

    def _run_model(self, step: Callable[[], Any]) -> bool:
        """Run part of the model; False (and an incident) when the model fails, database errors propagate."""
        try:
            step()
        except (SQLAlchemyError, EngineError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a model makes go wrong is an incident, never a 500
            self._incident(exc)
            return False
        return True

    def _record_engine_task(self, task: Any) -> None:
        if not is_model_element(task):
            return
        data: dict[str, Any] = {"type": task.task_spec.__class__.__name__}
        decision = self.workflow.script_engine.decision_made(task)
        if decision is not None:  # which rule of which table (and version of it) decided, on what inputs
            self.event("decision_evaluated", task.task_spec.bpmn_id, str(task.id), decision)
        call = self.workflow.script_engine.call_made(task)
        if call is not None:  # what a service was asked and answered: a replay gives the answer back
            data["service"] = call
        taken = gateway_taken(task)
        if taken is None:
            self.event("element_completed", task.task_spec.bpmn_id, str(task.id), data)
        else:
            self.event("gateway_decided", task.task_spec.bpmn_id, str(task.id), {**data, "taken": taken})

    def _incident(self, exc: Exception) -> None:
        task = getattr(exc, "task", None)
        element_id = element_of(task) if task is not None else None
        reference = getattr(exc, "reference", None) or new_reference()
        if isinstance(exc, (WorkflowTaskException, SpiffWorkflowException, NoWaitState)):
            message = str(exc).split("\n")[0]
            log.info("incident %s on instance %s at %s: %s", reference, self.row.id, element_id, exc)
        else:
            message = "this step failed unexpectedly; an administrator can find the details in the server log"
            log.error("incident %s on instance %s at %s", reference, self.row.id, element_id, exc_info=exc)
        call = self.workflow.script_engine.call_made(task) if task is not None else None
        self.record_incident(element_id, str(task.id) if task is not None else None, message, reference, call)

    def record_incident(self, element_id: str | None, task_id: str | None, message: str,
                        reference: str | None = None, call: dict[str, Any] | None = None) -> None:
        """Stop the instance at `element_id` with an incident to fix and retry, and say so in the history
        (with the service call that failed, when one did).

        The message is for people; `reference` ties it to the technical details in the server log.
        """
        reference = reference or new_reference()
        self.row.incident = {"element_id": element_id, "task_id": task_id, "message": message,
                             "reference": reference}
        self.event("incident", element_id, task_id, {"message": message, "reference": reference,
                                                     **({"service": call} if call else {})})

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        """Write state, status, projection, history and outbox, all at once; bump the revision. :raises Conflict:"""
        uow, row = self.uow, self.row
        row.updated_at = uow.now
        state = None
        # A save that leaves the state as it was (a claim) passes the workflow saved as the last revision on.
        workflow = self._workflow if self._workflow is not None else uow.context.workflows.take(row.id, row.revision)
        if self._workflow is not None:
            self._sync_timers()
            if self._workflow.last_task is not None:
                row.summary = summary(self._workflow.last_task.data)
            prune(self._workflow)  # what is finished is in the history; the state keeps the open work
            state = uow.context.serializer.dumps(self._workflow)
            self._sync_tasks()
            row.status = self._status()
            if row.status in FINAL_STATUSES and row.ended_at is None:
                row.ended_at = uow.now
                if row.status == "completed":
                    self.event("instance_completed")
        instance = writes.update_instance(self.batch, row, state)  # a claim, too, bumps the revision
        self._write_events()
        if self.batch.send(uow.connection)[instance] != 1:
            raise Conflict(Text("the case was changed by another command at the same moment; try again"))
        writes.saved(row, state)
        # Not kept: an ended case, and one stopped by an incident (a step failed part-way; its retry reads it back).
        if workflow is not None and self.keep_workflow and row.status not in (*FINAL_STATUSES, "error"):
            revision = row.revision
            uow.after_commit(lambda: uow.context.workflows.keep(row.id, revision, workflow))

    def update_task(self, task: TaskRow, **values: Any) -> None:
        """Change a task's assignment (claim, unclaim, delegate); `save()` then bumps the instance's revision."""
        writes.update_task(self.batch, task, **values)

    def suspend_tasks(self, suspended: bool) -> None:
        """Hide (or show again) the instance's open tasks from task lists."""
        old, new = ("ready", "suspended") if suspended else ("suspended", "ready")
        writes.move_tasks(self.batch, self.row.id, old, new)

    def _sync_timers(self) -> None:
        if not self.specs.has_timers:
            return  # a model without timers never has timer rows
        try:
            timers.sync(self.workflow, self.row.id, self.uow.now, self.uow.connection, self.batch)
        except (WorkflowTaskException, SpiffWorkflowException) as exc:
            self._incident(exc)

    def _status(self) -> str:
        """The status the saved state gives the case; after `_sync_tasks`, which left the ready tasks in `_open_tasks`."""
        if self.row.status in ("suspended", "terminated"):
            return self.row.status
        if self.row.incident:
            return "error"
        if self.workflow.is_completed():
            if reached_end(self.workflow):
                return "completed"
            self.record_incident(None, None, "the case stopped without reaching an end event")
            return "error"
        return "running" if self._open_tasks else "waiting"

    def _sync_tasks(self) -> None:
        """Make the task projection match the workflow's ready tasks: close the rows of tasks done or gone,
        add rows for tasks that became ready."""
        now = self.uow.now
        ready = {str(t.id): t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)}
        closed = []
        for task_id, element_id in self._open_tasks.items():
            if task_id in ready:
                continue
            if task_id in self.completed_task_ids:
                closed.append({"id": task_id, "state": "completed", "completed_at": now,
                               "completed_by": self.uow.actor})
            else:
                closed.append({"id": task_id, "state": "cancelled", "completed_at": None, "completed_by": None})
                self.event("task_cancelled", element_id, task_id)
        writes.close_tasks(self.batch, closed)
        state = "suspended" if self.row.status == "suspended" else "ready"
        writes.insert_tasks(self.batch, [self._new_task_row(task_id, task, state)
                                         for task_id, task in ready.items() if task_id not in self._open_tasks])
        self._open_tasks = {task_id: task.task_spec.bpmn_id for task_id, task in ready.items()}

    def _new_task_row(self, task_id: str, task: Any, state: str) -> TaskRow:
        spec, row, now = task.task_spec, self.row, self.uow.now
        properties = task_properties(task)
        human = human_task(task, row.process_key, row.id, row.business_key)
        assignment = self.uow.context.pack.assign(human, task.data, self.uow.session)
        excluded = self._four_eyes(properties.get(SEPARATE_FROM.name))
        if assignment.assignee in excluded:
            assignment = Assignment(None, assignment.candidate_group, Text(
                "{reason}; but four eyes: {user} may not do this step, so another member claims it",
                reason=assignment.reason, user=assignment.assignee))
        due = parse_duration(properties[DUE_IN.name]) if properties.get(DUE_IN.name) else None
        self.event("task_created", spec.bpmn_id, task_id, {
            "assignee": assignment.assignee, "candidate_group": assignment.candidate_group,
            "reason": assignment.reason, **({"reason_kept": kept(assignment.reason)} if isinstance(
                assignment.reason, Text) else {})})
        if assignment.assignee:
            self.message("task.assigned", f"task:{task_id}:assigned:{assignment.assignee}",
                         task_id=task_id, assignee=assignment.assignee, name=human.name,
                         instance_id=row.id, business_key=row.business_key)
        return TaskRow(id=task_id, instance_id=row.id, process_key=row.process_key, business_key=row.business_key,
                       element_id=spec.bpmn_id, name=human.name, name_zh=properties.get(NAME_ZH.name), lane=spec.lane,
                       form_key=human.form_key,
                       state=state, assignee=assignment.assignee, candidate_group=assignment.candidate_group,
                       assignment_reason=kept(assignment.reason), created_at=now,
                       due_at=now + due if due else timers.deadline(task), excluded=sorted(excluded) or None)

    def _four_eyes(self, separate_from: str | None) -> set[str]:
        """Who may not do a step: `separateFrom="starter, Task_X"` names the case's starter and whoever did Task_X."""
        names = {part.strip() for part in (separate_from or "").split(",") if part.strip()}
        excluded = {self.row.started_by} if "starter" in names and self.row.started_by else set()
        steps = names - {"starter"}
        if steps:  # who did them before, and this command's actor if it just did one
            excluded |= {user for user in self.uow.connection.scalars(select(TaskRow.completed_by).where(
                TaskRow.instance_id == self.row.id, TaskRow.element_id.in_(steps))) if user}
            if self.uow.actor and any(self._open_tasks.get(done) in steps for done in self.completed_task_ids):
                excluded.add(self.uow.actor)
        return excluded

    def _write_events(self) -> None:
        row, now = self.row, self.uow.now
        writes.append_history(self.batch, [
            {"instance_id": row.id, "process_key": row.process_key, "business_key": row.business_key, "at": now,
             **event} for event in self.events])
        outbox = [{"idempotency_key": m["key"], "instance_id": row.id, "topic": m["topic"], "payload": m["payload"],
                   "created_at": now, "attempts": 0} for m in self.messages]
        subscribed = self.uow.context.subscriptions.of(self.uow.session) if self.events else {}
        if subscribed:
            outbox += webhooks.deliveries(subscribed, self.events, row, now)
        writes.queue_outbox(self.batch, outbox)
        self.events, self.messages = [], []


# -- loading instances into a unit of work ------------------------------------------------------
def lock_instance(uow: UnitOfWork, instance_id: str, expected_revision: int | None = None) -> InstanceRun:
    """Load an instance under a row lock (FOR UPDATE; the write lock on SQLite). :raises NotFound, Conflict:"""
    row = writes.lock_instance(uow.connection, instance_id)
    if row is None:
        raise NotFound(Text("case '{case}' does not exist", case=instance_id))
    _check_revision(row, expected_revision)
    return InstanceRun(uow, row)


def try_lock_instance(uow: UnitOfWork, instance_id: str) -> InstanceRun | None:
    """The instance under a row lock, or None when it does not exist or another transaction holds it
    (SKIP LOCKED: a worker moves on instead of waiting)."""
    row = writes.lock_instance(uow.connection, instance_id, skip_locked=True)
    return InstanceRun(uow, row) if row is not None else None


def lock_task(uow: UnitOfWork, task_id: str, expected_revision: int | None = None) -> tuple[InstanceRun, TaskRow]:
    """Lock a task's row and its instance's row in one statement. :raises NotFound, Conflict:"""
    # FOR UPDATE reads both rows once the lock is granted, so a task completed by a
    # concurrent command is seen as completed here, never as ready.
    found = writes.lock_task(uow.connection, task_id)
    if found is None:
        raise NotFound(Text("task '{task}' does not exist", task=task_id))
    task, row = found
    _check_revision(row, expected_revision)
    return InstanceRun(uow, row), task


def create_instance(uow: UnitOfWork, version: ProcessVersion, business_key: str | None,
                    start_key: str | None = None) -> InstanceRun:
    """A new instance row and a fresh workflow on the version's cached spec. :raises BusinessKeyTaken:"""
    row = Instance(id=str(uuid.uuid4()), version_id=version.id, version=version.version,
                   process_key=version.process_key, business_key=business_key, status="running",
                   revision=1, state=b"", incident=None, started_by=uow.actor, started_at=uow.now,
                   updated_at=uow.now, ended_at=None, start_key=start_key, summary=None)
    try:  # the business-key and start-key indexes decide a race here (the command then rolls back)
        writes.insert_instance(uow.connection, row)
    except IntegrityError:
        raise BusinessKeyTaken(Text("another case with business key '{key}' or this Idempotency-Key was started at "
                                    "the same moment", key=business_key)) from None
    run = InstanceRun(uow, row)
    run.begin(BpmnWorkflow(run.specs.spec, run.specs.subprocess_specs, script_engine=run.script_engine()))
    return run


def _check_revision(row: Instance, expected: int | None) -> None:
    if expected is not None and row.revision != expected:
        raise Conflict(Text("the case has changed since you read it (revision {now}, you have {yours}); reload and "
                            "try again", now=row.revision, yours=expected))
