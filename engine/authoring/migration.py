"""Move running instances from one version of a process to another.

`plan` gives a verdict and a reason per instance without changing anything; `execute`
migrates each instance in its own transaction (under its row lock), checks the new state
survives a save/load round trip before committing, and records the move in the history.
An instance waiting on a step the new version removed or changed is refused and untouched.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..errors import Conflict
from ..intake.scripting import SandboxScriptEngine
from ..runtime.instance_run import restore
from ..runtime.unit_of_work import UnitOfWork
from ..store.tables import Instance
from ..store.versions import Specs, find_version

if TYPE_CHECKING:
    from ..facade import Engine

MIGRATABLE = ("running", "waiting", "error", "suspended")
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def plan(engine: Engine, process_key: str, from_version: int, to_version: int) -> list[dict[str, Any]]:
    """A verdict (`ok` / `refused`) and a reason for every unfinished instance on `from_version`."""
    with engine.store.read() as session:
        source = find_version(session, process_key, from_version)
        target = find_version(session, process_key, to_version)
        specs = engine.specs.specs(session, target.id)
        rows = session.scalars(select(Instance).where(Instance.version_id == source.id,
                                                      Instance.status.in_(MIGRATABLE))
                               .options(undefer(Instance.state)).order_by(Instance.started_at)).all()
        verdicts = []
        for row in rows:
            ok, reason = _verdict(engine, restore(engine, session, row), specs, to_version)
            verdicts.append({"instance_id": row.id, "business_key": row.business_key, "status": row.status,
                             "verdict": "ok" if ok else "refused", "reason": reason})
    return verdicts


def execute(engine: Engine, process_key: str, from_version: int, to_version: int,
            actor: str | None) -> list[dict[str, Any]]:
    """Migrate every instance the plan allows, one transaction each; returns each outcome."""
    outcomes = []
    for verdict in plan(engine, process_key, from_version, to_version):
        if verdict["verdict"] != "ok":
            outcomes.append({**verdict, "migrated": False})
            continue
        try:
            engine.execute(_migrate_one, verdict["instance_id"], process_key, to_version, actor=actor)
            outcomes.append({**verdict, "migrated": True})
        except Conflict as exc:  # changed since the plan: refused under the lock
            outcomes.append({**verdict, "verdict": "refused", "reason": exc.message, "migrated": False})
    return outcomes


def _migrate_one(uow: UnitOfWork, instance_id: str, process_key: str, to_version: int) -> None:
    run = uow.lock_instance(instance_id)
    run.require_status(*MIGRATABLE)
    target = find_version(uow.session, process_key, to_version)
    specs = uow.engine.specs.specs(uow.session, target.id)
    workflow = run.workflow
    ok, reason = _verdict(uow.engine, workflow, specs, to_version)
    if not ok:
        raise Conflict(reason)
    from_version = run.row.version
    top, subprocesses = diff_workflow(uow.engine.serializer.registry, workflow, specs.spec, specs.subprocess_specs)
    migrate_workflow(top, workflow, specs.spec)
    for subprocess_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[subprocess_id]
        migrate_workflow(sub_diff, sub, specs.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = specs.subprocess_specs
    state = uow.engine.serializer.dumps(workflow)
    reloaded = uow.engine.serializer.loads(state, specs, SandboxScriptEngine(uow.engine.pack))
    if uow.engine.serializer.dumps(reloaded) != state:
        raise Conflict(f"instance '{instance_id}' does not survive a save/load round trip on version {to_version}")
    run.row.version_id, run.row.version = target.id, target.version
    run.event("instance_migrated", data={"from_version": from_version, "to_version": to_version})
    run.save()


def _verdict(engine: Engine, workflow: Any, specs: Specs, to_version: int) -> tuple[bool, str]:
    top, subprocesses = diff_workflow(engine.serializer.registry, workflow, specs.spec, specs.subprocess_specs)
    for task in top.removed:
        if task.state & ACTIVE:
            return False, f"waits at '{_name(task)}', which version {to_version} removed"
    for task in top.changed:
        if task.state & ACTIVE:
            return False, f"waits at '{_name(task)}', which version {to_version} changed"
    for sub_diff in subprocesses.values():
        if sub_diff is None:
            return False, f"runs a subprocess that version {to_version} no longer has"
        if any(t.state & ACTIVE for t in sub_diff.removed + sub_diff.changed):
            return False, f"waits inside a subprocess that version {to_version} changed"
    waiting = sorted({_name(t) for t in workflow.get_tasks(state=ACTIVE) if getattr(t.task_spec, "bpmn_id", None)})
    return True, "can move: " + (", ".join(f"waits at '{w}'" for w in waiting) or "nothing active") + \
        f" (unchanged in version {to_version})"


def _name(task: Any) -> str:
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
