"""The transaction path every command takes.

`UnitOfWork` opens one write transaction and loads instances under a row lock as
`InstanceRun`s (instance_run.py), which write state, task projection, history and outbox
in that same transaction. Nothing commits unless the command finished; any exception
rolls back all of it.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import BusinessKeyTaken, Conflict, NotFound
from ..store import writes
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
        self.committing = False  # from the moment COMMIT is sent: after that, a lost connection leaves it unknown
        self._after_commit: list[Callable[[], None]] = []

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
        self.committing = True
        self.session.commit()
        self._committed = True
        for then in self._after_commit:
            then()

    def after_commit(self, then: Callable[[], None]) -> None:
        """Run `then` once this command's changes are durable (never when it rolls back)."""
        self._after_commit.append(then)

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for the command path's Core statements (store/writes.py)."""
        return self.session.connection()

    def lock_instance(self, instance_id: str, expected_revision: int | None = None) -> InstanceRun:
        """Load an instance under a row lock (FOR UPDATE; the write lock on SQLite). :raises NotFound, Conflict:"""
        row = writes.lock_instance(self.connection, instance_id)
        if row is None:
            raise NotFound(f"instance '{instance_id}' does not exist")
        _check_revision(row, expected_revision)
        return InstanceRun(self, row)

    def try_lock_instance(self, instance_id: str) -> InstanceRun | None:
        """The instance under a row lock, or None when it does not exist or another transaction holds it
        (SKIP LOCKED: a worker moves on instead of waiting)."""
        row = writes.lock_instance(self.connection, instance_id, skip_locked=True)
        return InstanceRun(self, row) if row is not None else None

    def lock_task(self, task_id: str, expected_revision: int | None = None) -> tuple[InstanceRun, TaskRow]:
        """Lock a task's row and its instance's row in one statement. :raises NotFound, Conflict:"""
        # FOR UPDATE reads both rows once the lock is granted, so a task completed by a
        # concurrent command is seen as completed here, never as ready.
        found = writes.lock_task(self.connection, task_id)
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
                       revision=1, state=b"", incident=None, started_by=self.actor, started_at=self.now,
                       updated_at=self.now, ended_at=None, start_key=start_key, summary=None)
        try:  # the business-key and start-key indexes decide a race here (the command then rolls back)
            writes.insert_instance(self.connection, row)
        except IntegrityError:
            raise BusinessKeyTaken(f"another case with business key '{business_key}' or this Idempotency-Key "
                                   "was started at the same moment") from None
        run = InstanceRun(self, row)
        run.begin(BpmnWorkflow(run.specs.spec, run.specs.subprocess_specs, script_engine=run.script_engine()))
        return run


def _check_revision(row: Instance, expected: int | None) -> None:
    if expected is not None and row.revision != expected:
        raise Conflict(f"instance '{row.id}' has changed (revision {row.revision}, you have {expected}); "
                       "reload and try again")


def utcnow() -> datetime:
    """The default clock: aware UTC now."""
    return datetime.now(UTC)

