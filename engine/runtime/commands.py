"""Commands: every state change an instance can undergo, each run inside one `UnitOfWork`.

A command function takes the open unit of work and its arguments, drives an
`InstanceRun`, and calls `run.save()`; `Engine.execute` commits. No command opens a
session of its own.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from ..errors import Conflict, DuplicateCase, FieldError, Forbidden, InvalidData, NotFound, ScheduledProcess, Text, kept
from ..intake.pipeline import Model
from ..scripting.data import DEFAULT_DATA_LIMITS, DataLimits, data_problem
from ..store import pilots
from ..store.queries import UNASSIGNED
from ..store.tables import HistoryEvent, Instance, OutboxMessage, ProcessVersion, TaskRow, Timer
from ..store.versions import find_version, set_active, store_version
from . import timers, webhooks
from .instance_run import InstanceRun, create_instance, lock_instance, lock_task, try_lock_instance
from .unit_of_work import UnitOfWork

DATA_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"  # the names of case data fields
_NAME = re.compile(DATA_NAME_PATTERN)
MAX_DATA_KEYS = 200


def check_data(data: Any, limits: DataLimits = DEFAULT_DATA_LIMITS) -> dict[str, Any]:
    """Process data must be a JSON object with plain names, within the data limits. :raises InvalidData:"""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidData([FieldError("data", Text("must be a JSON object"))])
    bad = [FieldError(_printable(k), Text("field names start with a letter and use letters, digits and _ only"))
           for k in data if not isinstance(k, str) or not _NAME.match(k)]
    if len(data) > MAX_DATA_KEYS:
        bad.append(FieldError("data", Text("more than {count} fields", count=MAX_DATA_KEYS)))
    if bad:
        raise InvalidData(bad)
    problem = data_problem(data, limits)
    if problem is not None:
        raise InvalidData([FieldError(problem.path, problem.message)])
    return data


def _printable(key: Any) -> str:
    return repr(key)[:66] if not isinstance(key, str) or not key.isprintable() else key[:64]


def start(uow: UnitOfWork, process_key: str, data: dict[str, Any] | None, business_key: str | None,
          version: int | None = None, idempotency_key: str | None = None, numbered: bool = False,
          scheduled: bool = False) -> InstanceRun:
    """Start an instance of the newest active version (or the given one) and run it to its first wait.

    A start repeating an earlier one's `idempotency_key` answers with the case that start made (a
    double click or a retried request starts one case). A business key names one open case per
    process: another start with it is refused. `numbered`: a start without a business key gets the process's
    next number (SO-00042: the pack's prefix, one more than the highest number given so far). A process whose
    start event is a timer starts only on its schedule (`scheduled`: the schedule starts it, runtime/schedules.py).
    :raises NotFound, InvalidData, DuplicateCase, ScheduledProcess:
    """
    data = check_data(data, uow.context.limits.data)
    if business_key is None and numbered:
        business_key = next_number(uow, process_key)
    found = find_version(uow.session, process_key, version)
    if idempotency_key is not None:
        first = uow.session.scalars(select(Instance).where(Instance.process_key == process_key,
                                                           Instance.start_key == idempotency_key)).first()
        if first is not None:
            return InstanceRun(uow, first)
    existing = _open_case(uow, process_key, business_key)
    if existing is not None:
        if idempotency_key is not None and existing.start_key == idempotency_key:
            return InstanceRun(uow, existing)  # the same request, committed between the two reads above
        raise DuplicateCase(process_key, business_key, existing.id)
    found, reason = (found, f"version {version} was asked for") if version is not None else _version_for(
        uow, process_key, data, found)
    specs = uow.context.specs.specs(uow.session, found.id)
    if specs.schedule is not None and not scheduled:
        raise ScheduledProcess(Text("process '{process}' starts on its own schedule (its start event is a timer): it "
                                    "cannot be started by hand", process=process_key))
    if specs.start_form is not None:  # checked before any row is written
        errors = uow.context.forms.validate(uow.session, specs.start_form, data)
        if errors:
            raise InvalidData(errors)
        data = uow.context.forms.filled(uow.session, specs.start_form, data, {})
    refuse_parameters(data, specs.parameters)
    run = create_instance(uow, found, business_key, idempotency_key)
    run.version_reason = reason
    for task in run.workflow.get_tasks():  # the start task(s) inherit nothing: give them the data
        task.data.update(data)
    if specs.schedule is not None:
        timers.fire_start(run.workflow)  # the schedule's firing is why the case exists
    run.event("instance_started", data={"version": found.version, "data": data, "version_reason": reason})
    run.advance()
    run.save()
    return run


def complete(uow: UnitOfWork, task_id: str, data: dict[str, Any] | None, groups: Collection[str] | None,
             expected_revision: int | None = None) -> InstanceRun:
    """Complete a ready task as `uow.actor` with form data. :raises NotFound, Conflict, Forbidden, InvalidData:"""
    data = check_data(data, uow.context.limits.data)
    run, task = lock_task(uow, task_id, expected_revision)
    _require_ready(task)
    _require_may_work(task, uow.actor, groups)
    errors = uow.context.forms.validate(uow.session, task.form_key, data)
    if errors:
        raise InvalidData(errors)
    refuse_parameters(data, run.specs.parameters)
    run.require_status("running", "waiting")
    run.complete_task(task_id, data, task.form_key)
    run.save()
    return run


def claim(uow: UnitOfWork, task_id: str, groups: Collection[str] | None) -> TaskRow:
    """Take a group task as `uow.actor`; claiming one's own task again changes nothing. :raises Conflict:"""
    run, task = lock_task(uow, task_id)
    _require_ready(task)
    if task.assignee == uow.actor:
        return task
    if task.assignee:
        raise Conflict(Text("“{step}” is already claimed by {user}", step=task.name, user=task.assignee))
    _require_may_work(task, uow.actor, groups)
    run.update_task(task, assignee=uow.actor)
    run.event("task_claimed", task.element_id, task_id)
    run.save()
    return task


def unclaim(uow: UnitOfWork, task_id: str) -> TaskRow:
    """Give a claimed task back to its group. :raises Forbidden: unless the actor holds it"""
    run, task = lock_task(uow, task_id)
    _require_ready(task)
    if task.assignee != uow.actor:
        raise Forbidden(Text("“{step}” is not claimed by {user}", step=task.name, user=uow.actor))
    if not task.candidate_group:
        raise Conflict(Text("“{step}” was assigned directly and has no group to return to", step=task.name))
    run.update_task(task, assignee=None)
    run.event("task_unclaimed", task.element_id, task_id)
    run.save()
    return task


def delegate(uow: UnitOfWork, task_id: str, to_user: str, admin: bool = False) -> TaskRow:
    """Hand a task to someone else; only its assignee (or an administrator) may. :raises Forbidden:"""
    run, task = lock_task(uow, task_id)
    _require_ready(task)
    if not admin and task.assignee != uow.actor:
        raise Forbidden(Text("only {user} can hand “{step}” over", user=task.assignee, step=task.name) if task.assignee
                        else Text("“{step}” must be claimed before it can be handed over", step=task.name))
    _refuse_four_eyes(task, to_user)
    previous = task.assignee
    run.update_task(task, assignee=to_user, assignment_reason=kept(Text(
        "handed over by {user} (was {before})", user=uow.actor, before=previous or Text("unassigned"))))
    run.event("task_delegated", task.element_id, task_id, {"from": previous, "to": to_user})
    run.save()
    return task


def suspend(uow: UnitOfWork, instance_id: str) -> InstanceRun:
    """Pause an instance: its tasks leave the task lists until it is resumed."""
    run = lock_instance(uow, instance_id)
    run.require_status("running", "waiting", "error")
    run.row.status = "suspended"
    run.suspend_tasks(True)
    run.event("instance_suspended")
    run.save()
    return run


def resume(uow: UnitOfWork, instance_id: str) -> InstanceRun:
    """Undo `suspend`."""
    run = lock_instance(uow, instance_id)
    run.require_status("suspended")
    run.row.status = "running"
    run.suspend_tasks(False)
    run.workflow  # noqa: B018 - load, so save() recomputes the status from the state
    run.event("instance_resumed")
    run.save()
    return run


def terminate(uow: UnitOfWork, instance_id: str, reason: str | None = None) -> InstanceRun:
    """End an instance for good; its open tasks are cancelled."""
    run = lock_instance(uow, instance_id)
    run.require_status("running", "waiting", "error", "suspended")
    run.workflow.cancel()
    run.row.status = "terminated"
    run.event("instance_terminated", data={"reason": reason})
    run.save()
    return run


def retry(uow: UnitOfWork, instance_id: str, data: dict[str, Any] | None = None) -> InstanceRun:
    """Run an instance in `error` again, after merging corrected data into the failed task."""
    data = check_data(data, uow.context.limits.data)
    run = lock_instance(uow, instance_id)
    run.require_status("error")
    refuse_parameters(data, run.specs.parameters)
    run.row.status = "running"
    failed_id = (run.row.incident or {}).get("task_id")
    if failed_id:
        run.reset_failed_task(failed_id, data)
    run.event("instance_retried", data={"data": data})
    run.advance()
    run.save()
    return run


def fire_timer(uow: UnitOfWork, timer_id: str, instance_id: str) -> bool:
    """Fire one timer, if it is still due and nobody else holds its instance. Returns whether it fired."""
    run = try_lock_instance(uow, instance_id)
    if run is None:
        return False  # another worker (or a command) has the instance: try again next round
    timer = uow.session.get(Timer, timer_id, populate_existing=True)
    if timer is None or timer.due_at > uow.now or run.row.status not in ("running", "waiting"):
        return False
    task = run.spiff_task(timer_id)
    timers.fire(task, timer.due_at)
    run.event("timer_fired", task.task_spec.bpmn_id, timer_id, {"due_at": timer.due_at.isoformat()})
    run.workflow.refresh_timers()
    run.advance()
    run.save()
    return True


def record_timer_failure(uow: UnitOfWork, timer_id: str, error: str) -> None:
    """A firing failed outside the model (database, bug): back off, and after MAX_ATTEMPTS raise an incident."""
    timer = uow.session.get(Timer, timer_id)
    if timer is None:
        return
    timer.attempts += 1
    timer.last_error = error[:1000]
    timer.due_at = uow.now + timedelta(seconds=10 * 2 ** timer.attempts)
    if timer.attempts >= timers.MAX_ATTEMPTS:
        run = lock_instance(uow, timer.instance_id)
        run.record_incident(timer.element_id, timer_id, f"timer failed {timer.attempts} times: {error[:300]}")
        run.row.status = "error"
        uow.session.execute(delete(Timer).where(Timer.id == timer_id))
        run.save()


def deploy_version(uow: UnitOfWork, model: Model, author: str | None, copied_from: str | None = None,
                   activate: bool = True, latest_seen: int | None = None) -> ProcessVersion:
    """Store a checked model as a new immutable version (the same bytes again: the same version); its parsed
    specs are cached once the version is durable. :raises StaleBase: a version newer than `latest_seen` exists"""
    version, _ = store_version(uow.session, model, author, copied_from, activate, uow.now, latest_seen)
    uow.after_commit(lambda: uow.context.specs.remember(version, model))
    return version


def set_version_active(uow: UnitOfWork, process_key: str, version: int, active: bool) -> ProcessVersion:
    """Activate or deactivate a version for new starts. :raises NotFound:"""
    return set_active(uow.session, process_key, version, active)


def _version_for(uow: UnitOfWork, process_key: str, data: dict[str, Any],
                 current: ProcessVersion) -> tuple[ProcessVersion, str]:
    """The version a new case starts on: a pilot's where the case is in its scope, else the current one; and why."""
    piloted = pilots.running(uow.session, process_key, uow.now)
    if piloted:
        chosen = pilots.matching(piloted, uow.context.pack.case_scope(data, uow.actor, uow.session))
        if chosen is not None:
            return find_version(uow.session, process_key, chosen[0].version), chosen[1]
        return current, f"version {current.version} is current; the case is outside the pilot of version " \
                        f"{piloted[0].version}"
    return current, f"version {current.version} is current"


def next_number(uow: UnitOfWork, process_key: str) -> str:
    """The next case number of a process: its prefix and one more than the highest such number so far (five digits
    at least; a race for it is decided by the business-key index, and the start runs again)."""
    prefix = f"{uow.context.pack.case_number_prefix(process_key)}-"
    taken = uow.session.scalars(select(Instance.business_key).where(
        Instance.process_key == process_key, Instance.business_key.like(f"{prefix}%"))
        .order_by(func.length(Instance.business_key).desc(), Instance.business_key.desc()).limit(20)).all()
    numbers = [int(key[len(prefix):]) for key in taken if key and key[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:05d}"


def _open_case(uow: UnitOfWork, process_key: str, business_key: str | None) -> Instance | None:
    if business_key is None:
        return None
    return uow.session.scalars(select(Instance).where(
        Instance.process_key == process_key, Instance.business_key == business_key,
        Instance.ended_at.is_(None))).first()


def refuse_parameters(data: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Data coming in (a start, a message, a completion, a retry) never sets a process parameter.

    :raises InvalidData: naming each such field
    """
    clashes = sorted(set(data) & set(parameters))
    if clashes:
        raise InvalidData([FieldError(name, Text("is a process parameter set in the model; it cannot be overridden"))
                           for name in clashes])


def record_denial(uow: UnitOfWork, task_id: str, action: str, reason: str) -> None:
    """Write down that `uow.actor` was refused `action` on a task (its own small transaction).

    Only a history row: the instance itself, and its revision, are not touched.
    """
    task = uow.session.get(TaskRow, task_id)
    if task is not None:
        uow.session.add(HistoryEvent(instance_id=task.instance_id, process_key=task.process_key,
                                     business_key=task.business_key, type="access_denied",
                                     element_id=task.element_id, task_id=task_id, actor=uow.actor,
                                     data={"action": action, "reason": reason}, at=uow.now))


def record_case_denial(uow: UnitOfWork, instance_id: str, action: str, reason: str) -> None:
    """Write down that `uow.actor` was refused `action` on a whole case (reading it, say)."""
    row = uow.session.get(Instance, instance_id)
    if row is not None:
        uow.session.add(HistoryEvent(instance_id=row.id, process_key=row.process_key, business_key=row.business_key,
                                     type="access_denied", actor=uow.actor, data={"action": action, "reason": reason},
                                     at=uow.now))


MAX_COMMENT = 2000


def comment(uow: UnitOfWork, instance_id: str, text: str) -> HistoryEvent:
    """Add `uow.actor`'s comment to a case's history: append-only, never edited, the case itself untouched
    (its revision too, so a comment never makes someone's open form stale). :raises NotFound, InvalidData:"""
    row = uow.session.get(Instance, instance_id)
    if row is None:
        raise NotFound(Text("case '{case}' does not exist", case=instance_id))
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT or "\x00" in text:
        raise InvalidData([FieldError("text", Text("write 1 to {most:,} characters", most=MAX_COMMENT))])
    event = HistoryEvent(instance_id=row.id, process_key=row.process_key, business_key=row.business_key,
                         type="comment_added", actor=uow.actor, data={"text": text}, at=uow.now)
    uow.session.add(event)
    sent = webhooks.deliveries(uow.context.subscriptions.of(uow.session),
                               [{"type": event.type, "actor": event.actor, "data": event.data}], row, uow.now)
    uow.session.add_all(OutboxMessage(**delivery) for delivery in sent)
    uow.session.flush()
    return event


def _refuse_four_eyes(task: TaskRow, user: str | None) -> None:
    if user in (task.excluded or []):
        raise Forbidden(Text("four eyes: {user} requested this case or did the step “{step}” checks, so someone else "
                             "must do it", user=user, step=task.name))


def _require_ready(task: TaskRow) -> None:
    if task.state != "ready":
        raise Conflict(Text("“{step}” is {state}, not ready", step=task.name, state=Text(task.state)))


def _require_may_work(task: TaskRow, actor: str | None, groups: Collection[str] | None) -> None:
    """The assignee, or (when unclaimed) a member of the candidate group, may work a task — never someone the
    four-eyes rule keeps from it (who requested the case, who did the step it checks).

    `groups=None` means a caller that has no group directory (the CLI): groups are not checked.
    """
    _refuse_four_eyes(task, actor)
    if task.assignee:
        if task.assignee != actor:
            raise Forbidden(Text("“{step}” is assigned to {user}, not to {actor}", step=task.name, user=task.assignee,
                                 actor=actor))
        return
    if groups is None:
        return
    if task.candidate_group is None and UNASSIGNED not in groups:
        raise Forbidden(Text("“{step}” names nobody to do it, so it waits in the administrators' queue; {actor} is no "
                             "administrator", step=task.name, actor=actor))
    if task.candidate_group is not None and task.candidate_group not in groups:
        raise Forbidden(Text("“{step}” belongs to the group {group}, which {actor} is not in", step=task.name,
                             group=task.candidate_group, actor=actor))
