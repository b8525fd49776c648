"""Move running instances from one version of a process to another.

`plan` gives a verdict and a reason per instance without changing anything; `execute`
migrates each instance in its own transaction (under its row lock), checks the new state
survives a save/load round trip before committing, and records the move in the history.
An instance waiting on a step the new version removed or changed moves only where the
administrator maps that step (old step id -> new step id); otherwise it is refused and untouched.
A migrated case gets the defaults of fields the new version's start form added, as a start there would have.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..errors import Conflict, FieldError, InvalidData, Text
from ..runtime.instance_run import lock_instance, restore
from ..runtime.unit_of_work import UnitOfWork, execute
from ..scripting.script_engine import SandboxScriptEngine
from ..store.tables import Instance
from ..store.versions import Specs, find_version

if TYPE_CHECKING:
    from ..runtime.context import Context

MIGRATABLE = ("running", "waiting", "error", "suspended")
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def plan(context: Context, process_key: str, from_version: int, to_version: int,
         mapping: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A verdict (`ok` / `refused`) and a reason for every unfinished instance on `from_version`.

    :raises InvalidData: a mapping naming a step that is not in the version it should be in
    """
    if from_version == to_version:
        raise InvalidData([FieldError("to_version", Text("is the same as from_version ({from_version})",
                                                         from_version=from_version))])
    mapping = mapping or {}
    with context.store.read() as session:
        source = find_version(session, process_key, from_version)
        target = find_version(session, process_key, to_version)
        specs = context.specs.specs(session, target.id)
        _check_mapping(mapping, context.specs.specs(session, source.id), specs, from_version, to_version)
        rows = session.scalars(select(Instance).where(Instance.version_id == source.id,
                                                      Instance.status.in_(MIGRATABLE))
                               .options(undefer(Instance.state)).order_by(Instance.started_at)).all()
        verdicts = []
        for row in rows:
            workflow = restore(context, session, row)
            ok, reason = _verdict(*_diff(context, workflow, specs), workflow, to_version, mapping)
            verdicts.append({"instance_id": row.id, "business_key": row.business_key, "status": row.status,
                             "waits_at": _waiting(workflow), "verdict": "ok" if ok else "refused", "reason": reason})
    return verdicts


def migrate(context: Context, process_key: str, from_version: int, to_version: int, actor: str | None,
            mapping: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Migrate every instance the plan allows, one transaction each; returns each outcome."""
    outcomes = []
    for verdict in plan(context, process_key, from_version, to_version, mapping):
        if verdict["verdict"] != "ok":
            outcomes.append({**verdict, "migrated": False})
            continue
        try:
            execute(context, _migrate_one, verdict["instance_id"], process_key, to_version, mapping or {}, actor=actor)
            outcomes.append({**verdict, "migrated": True})
        except Conflict as exc:  # changed since the plan: refused under the lock
            outcomes.append({**verdict, "verdict": "refused", "reason": exc.message, "migrated": False})
    return outcomes


def _check_mapping(mapping: dict[str, str], source: Specs, target: Specs, from_version: int, to_version: int) -> None:
    old_steps, new_steps = _steps(source), _steps(target)
    problems = []
    for old, new in mapping.items():
        field = f"mapping.{old}"[:200]
        if old not in old_steps:
            problems.append(FieldError(field, Text("'{old}' is not a step of version {from_version}", old=old,
                                                   from_version=from_version)))
        elif not isinstance(new, str) or new not in new_steps:
            problems.append(FieldError(field, Text("'{new}' is not a step of version {to_version}; use one of {names}",
                                                   new=new, to_version=to_version,
                                                   names=', '.join(sorted(new_steps)[:30]))))
        else:
            problem = _kind_problem(old_steps[old], new_steps[new], to_version)
            if problem:
                problems.append(FieldError(field, problem))
    if problems:
        raise InvalidData(problems, "the step mapping cannot be used: " + "; ".join(
            f"{p.field}: {p.message}" for p in problems[:3]))


def _kind_problem(old: Any, new: Any, to_version: int) -> str | None:
    """Why a case waiting at `old` cannot wait at `new` instead; None when it can."""
    new_kind = wait_kind(new)
    if new_kind is None:
        return (Text("'{bpmn_id}' is a {new} of version {to_version}, where no case can wait; map to a user task, a "
                     "catch event or a call activity", bpmn_id=new.bpmn_id, new=_kind_name(new),
                     to_version=to_version))
    old_kind = wait_kind(old)
    if old_kind is not None and old_kind != new_kind:
        return (Text("'{bpmn_id}' is a {old_kind} and '{bpmn_id2}' a {new_kind}: a case moves only to a step of the "
                     "same kind", bpmn_id=old.bpmn_id, old_kind=old_kind, bpmn_id2=new.bpmn_id,
                     new_kind=new_kind))
    return None


def wait_kind(spec: Any) -> str | None:
    """The kind of step a case can wait at (user task, call activity, subprocess, "<event> event"), or None."""
    if isinstance(spec, (UserTask, ManualTask)):
        return "user task"
    if isinstance(spec, CallActivity):
        return "call activity"
    if isinstance(spec, SubWorkflowTask):
        return "subprocess"
    if isinstance(spec, CatchingEvent) and not isinstance(spec, StartEvent):
        definition = spec.event_definition
        kind = ("timer" if isinstance(definition, TimerEventDefinition)
                else _words(type(definition).__name__.removesuffix("EventDefinition")))
        return f"{kind or 'none'} event"
    return None


def _kind_name(spec: Any) -> str:
    return _words(type(spec).__name__) or "step"


def _words(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", camel).lower()


def _steps(specs: Specs) -> dict[str, Any]:
    """The task specs of the top-level process that model a BPMN element, by element id."""
    return {spec.bpmn_id: spec for spec in specs.spec.task_specs.values() if getattr(spec, "bpmn_id", None)}


def _migrate_one(uow: UnitOfWork, instance_id: str, process_key: str, to_version: int,
                 mapping: dict[str, str]) -> None:
    run = lock_instance(uow, instance_id)
    run.require_status(*MIGRATABLE)
    target = find_version(uow.session, process_key, to_version)
    specs = uow.context.specs.specs(uow.session, target.id)
    workflow = run.workflow
    top, subprocesses = _diff(uow.context, workflow, specs)
    ok, reason = _verdict(top, subprocesses, workflow, to_version, mapping)
    if not ok:
        raise Conflict(reason)
    from_version, moved = run.row.version, _waiting(workflow)
    new_steps = _steps(specs)
    for task in top.removed + top.changed:
        if task.state & ACTIVE and task.task_spec.bpmn_id in mapping:
            top.alignment[task] = new_steps[mapping[task.task_spec.bpmn_id]]
    migrate_workflow(top, workflow, specs.spec)
    for subprocess_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[subprocess_id]
        migrate_workflow(sub_diff, sub, specs.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = specs.subprocess_specs
    defaulted = _start_defaults(uow, specs, workflow)
    state = uow.context.serializer.dumps(workflow)
    try:
        reloaded = uow.context.serializer.loads(state, specs, SandboxScriptEngine(uow.context.pack))
        round_trip = uow.context.serializer.dumps(reloaded) == state
    except Exception:  # noqa: BLE001 - any failure to read the new state back means: do not store it
        round_trip = False
    if not round_trip:
        raise Conflict(Text("instance '{instance_id}' does not survive a save/load round trip on version {to_version}",
                            instance_id=instance_id, to_version=to_version))
    run.row.version_id, run.row.version = target.id, target.version
    run.keep_workflow = False  # rebuilt on the target's specs: the next command reads it back from what is stored
    run.event("instance_migrated", data={"from_version": from_version, "to_version": to_version,
                                         **({"moved": {"from": moved, "to": _waiting(workflow)}}
                                            if any(step in mapping for step in moved) else {}),
                                         **({"defaults": defaulted} if defaulted else {})})
    run.save()


def _start_defaults(uow: UnitOfWork, specs: Specs, workflow: Any) -> list[str]:
    """Give the case the target's start-form defaults it lacks, as a start on that version would have: a field the
    new version's start form added is then defined for its model. The names filled in, for the history. A default
    never sets a name the target version holds as a process parameter."""
    filled: set[str] = set()
    for task in workflow.get_tasks(state=ACTIVE):
        missing = {name: value for name, value in
                   uow.context.forms.filled(uow.session, specs.start_form, {}, task.data).items()
                   if name not in specs.parameters}
        task.data.update(missing)
        filled.update(missing)
    return sorted(filled)


def _diff(context: Context, workflow: Any, specs: Specs) -> tuple[Any, dict[str, Any]]:
    """SpiffWorkflow's diff of an instance against the target version: the top level and each subprocess."""
    return diff_workflow(context.serializer.registry, workflow, specs.spec, specs.subprocess_specs)


def _verdict(top: Any, subprocesses: dict[str, Any], workflow: Any, to_version: int,
             mapping: dict[str, str]) -> tuple[bool, str]:
    moves = []
    for task, what in [(t, "removed") for t in top.removed] + [(t, "changed") for t in top.changed]:
        step = getattr(task.task_spec, "bpmn_id", None)
        if task.state & ACTIVE and step in mapping:
            moves.append(f"moves from '{_name(task)}' to '{mapping[step]}'")
        elif task.state & ACTIVE:
            return False, (f"waits at '{_name(task)}' ({step}), which version {to_version} {what}; map it to a "
                           f"step of version {to_version} to move it")
        elif task.state & TaskState.FINISHED_MASK and what == "removed" and step:
            return False, (f"has passed '{_name(task)}' ({step}), which version {to_version} removed; its record "
                           "would point at a step that no longer exists")
    for sub_diff in subprocesses.values():
        if sub_diff is None:
            return False, f"runs a subprocess that version {to_version} no longer has"
        if any(t.state & ACTIVE for t in sub_diff.removed + sub_diff.changed):
            return False, f"waits inside a subprocess that version {to_version} changed"
    if moves:
        return True, "; ".join(moves)
    waiting = sorted({_name(t) for t in workflow.get_tasks(state=ACTIVE) if getattr(t.task_spec, "bpmn_id", None)})
    return True, "can move: " + (", ".join(f"waits at '{w}'" for w in waiting) or "nothing active") + \
        f" (unchanged in version {to_version})"


def _waiting(workflow: Any) -> list[str]:
    """The element ids an instance waits at."""
    return sorted({t.task_spec.bpmn_id for t in workflow.get_tasks(state=ACTIVE)
                   if getattr(t.task_spec, "bpmn_id", None)})


def _name(task: Any) -> str:
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
