"""The transaction path every command takes: `execute(context, command, ...)`.

`UnitOfWork` opens one write transaction; `instance_run.py` loads instances in it under a row
lock as `InstanceRun`s, which write state, task projection, history and outbox in that same
transaction. Nothing commits unless the command finished; any exception
rolls back all of it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import Conflict, Text, Unavailable, database_busy, database_undid

if TYPE_CHECKING:
    from .context import Context

T = TypeVar("T")


def execute(context: Context, command: Callable[..., T], *args: Any, actor: str | None = None, **kwargs: Any) -> T:
    """Run one command in one transaction as `actor`; commit only if it returns.

    A command whose database connection is found dead before its commit wrote nothing, and runs once more
    on a fresh connection; so does one the database chose to undo (a deadlock's victim, a serialization
    failure). :raises Unavailable: when that fails too, or the connection dropped during the commit (whether it
    was saved is then unknown) :raises Conflict: the database still too busy
    """
    for attempt in (1, 2):
        uow = UnitOfWork(context, actor)
        try:
            with uow:
                result = command(uow, *args, **kwargs)
                uow.commit()
                return result
        except Unavailable:
            if uow.committing:
                raise Unavailable(Text("the connection to the database was lost while saving; the change may or may "
                                       "not have been saved: reload before trying again")) from None
            if attempt == 2:
                raise
        except OperationalError as exc:
            if not database_busy(exc):
                raise
            if attempt == 2 or not database_undid(exc):
                raise Conflict(Text("the database is busy with another change; try again")) from None
    raise AssertionError("unreachable")


class UnitOfWork:
    """One command's transaction. Rolls back unless `commit()` is called; exceptions always propagate."""

    def __init__(self, context: Context, actor: str | None = None):
        self.context = context
        self.actor = actor
        self.now = context.clock()
        self.session: Session = context.store.write()
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


def utcnow() -> datetime:
    """The default clock: aware UTC now."""
    return datetime.now(UTC)

