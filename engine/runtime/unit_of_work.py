"""The transaction path every command takes.

`UnitOfWork` opens one write transaction and loads instances under a row lock as
`InstanceRun`s (instance_run.py), which write state, task projection, history and outbox
in that same transaction. Nothing commits unless the command finished; any exception
rolls back all of it.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from ..errors import BusinessKeyTaken, Conflict, NotFound
from ..store.tables import Instance, ProcessVersion, TaskRow
from .instance_run import InstanceRun

if TYPE_CHECKING:
    from ..facade import Engine


class UnitOfWork:
    """One command's transaction. Rolls back unless `commit()` is called; exceptions always propagate."""

    def __init__(self, engine: Engine, actor: str | None = None):
        self.engine = engine
        self.actor = actor
        self.now = engine.clock()
        self.session: Session = engine.store.write()
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session.begin()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Make everything this command wrote durable, at once."""
        self.session.commit()
        self._committed = True

    def lock_instance(self, instance_id: str, expected_revision: int | None = None) -> InstanceRun:
        """Load an instance under a row lock (FOR UPDATE; the write lock on SQLite). :raises NotFound, Conflict:"""
        row = self.session.scalars(
            select(Instance).where(Instance.id == instance_id).options(undefer(Instance.state))
            .with_for_update()).one_or_none()
        if row is None:
            raise NotFound(f"instance '{instance_id}' does not exist")
        _check_revision(row, expected_revision)
        return InstanceRun(self, row)

    def lock_task(self, task_id: str, expected_revision: int | None = None) -> tuple[InstanceRun, TaskRow]:
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

    def create_instance(self, version: ProcessVersion, business_key: str | None,
                        start_key: str | None = None) -> InstanceRun:
        """A new instance row and a fresh workflow on the version's cached spec. :raises BusinessKeyTaken:"""
        row = Instance(id=str(uuid.uuid4()), version_id=version.id, version=version.version,
                       process_key=version.process_key, business_key=business_key, status="running",
                       state=b"", started_by=self.actor, started_at=self.now, updated_at=self.now,
                       start_key=start_key)
        self.session.add(row)
        try:
            self.session.flush()  # the business-key and start-key indexes decide a race here
        except IntegrityError:
            raise BusinessKeyTaken(f"another case with business key '{business_key}' or this Idempotency-Key "
                                   "was started at the same moment") from None
        run = InstanceRun(self, row)
        run._workflow = BpmnWorkflow(run.specs.spec, run.specs.subprocess_specs, script_engine=run.script_engine())
        return run


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
    return datetime.now(UTC)

