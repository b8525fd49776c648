"""The command path's writes: Core statements compiled once, sent together on the driver's own cursor.

A save knows every row it writes before it writes any (the task rows, the history events, the
outbox, the instance's new state and revision), so `Batch` collects them and `send` hands them
to the database at once: one round trip on PostgreSQL (psycopg's pipeline mode), statement
after statement on SQLite. Each statement is compiled by SQLAlchemy once per dialect and set of
parameter names, and its parameters go through the column types' own bind processors (dates,
JSON), so the rows stored are the ones SQLAlchemy itself would store. A driver error comes out
as SQLAlchemy's error of the same kind; a dropped connection as `Unavailable`.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import UpdateBase

from .database import connection_lost


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order a positional driver wants them
    positional: bool
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    def parameters(self, row: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = {name: row[name] for name in self.names}
        for name, process in self.processors:
            values[name] = process(values[name])
        return tuple(values[name] for name in self.names) if self.positional else values


class Statement:
    """An INSERT, UPDATE or DELETE of the command path, compiled once per dialect and set of parameter names."""

    def __init__(self, clause: UpdateBase):
        self.clause = clause
        self._compiled: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Compiled]] = \
            weakref.WeakKeyDictionary()

    def compiled(self, dialect: Dialect, names: Sequence[str]) -> _Compiled:
        """The SQL text and parameter order for rows with these keys (insert: the columns they give)."""
        key = tuple(names)
        by_names = self._compiled.setdefault(dialect, {})
        found = by_names.get(key)
        if found is None:
            compiled = self.clause.compile(dialect=dialect, column_keys=list(key))
            if compiled.escaped_bind_names:
                raise ValueError(f"parameter names that need escaping: {sorted(compiled.escaped_bind_names)}")
            binds = compiled.binds
            processors = tuple((name, process) for name, bind in binds.items()
                               if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
            found = by_names[key] = _Compiled(compiled.string, tuple(compiled.positiontup or binds), compiled.positional,
                                              processors)
        return found


class Read:
    """A SELECT of the command path (the lock read every command starts with), compiled once per dialect and run on
    the driver's own cursor like a `Batch`; each column's value goes through its type's result processor, so a row
    reads as SQLAlchemy itself would read it."""

    def __init__(self, clause: Select[Any]):
        self.clause = clause
        self._compiled: weakref.WeakKeyDictionary[Dialect, tuple[_Compiled, tuple[Any, ...]]] = \
            weakref.WeakKeyDictionary()

    def first(self, connection: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row for these parameters, or None. :raises Unavailable: (a dropped connection), DBAPIError"""
        dialect, driver = connection.dialect, _driver_connection(connection)
        compiled, processors = self._compiled_for(dialect)
        cursor = driver.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(values))
            row = cursor.fetchone()
        except dialect.loaded_dbapi.Error as exc:
            raise _translated(connection, exc, cursor) from exc
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(process(value) if process is not None else value for process, value in zip(processors, row,
                                                                                                  strict=True))

    def _compiled_for(self, dialect: Dialect) -> tuple[_Compiled, tuple[Any, ...]]:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.clause.compile(dialect=dialect)
            binds = compiled.binds
            parameters = tuple((name, process) for name, bind in binds.items()
                               if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
            processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                               for column in self.clause.selected_columns)
            found = self._compiled[dialect] = (_Compiled(compiled.string, tuple(compiled.positiontup or binds),
                                                         compiled.positional, parameters), processors)
        return found


class Batch:
    """The rows one save writes, in the order they were added; `send` writes them all."""

    def __init__(self) -> None:
        self._queued: list[tuple[Statement, list[Mapping[str, Any]]]] = []

    def __len__(self) -> int:
        """How many statements are queued (each sent as one execute or executemany)."""
        return len(self._queued)

    def add(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> int:
        """Queue rows of one statement, each a mapping of its parameters; returns the place of the last row's count
        in what `send` returns (given no rows, nothing is queued).

        Rows with other keys than the row before them start a statement of their own (an insert of the columns
        they give), so no value is ever left out, and rows keep their order.
        """
        for row in rows:
            last = self._queued[-1] if self._queued else None
            if last is not None and last[0] is statement and last[1][-1].keys() == row.keys():
                last[1].append(row)
            else:
                self._queued.append((statement, [row]))
        return len(self._queued) - 1

    def send(self, connection: Connection) -> list[int]:
        """Write everything queued in the connection's transaction; the rows each statement changed.

        :raises Unavailable: when the connection dropped; SQLAlchemy's DBAPIError kinds for other errors
        """
        dialect, driver = connection.dialect, _driver_connection(connection)
        work = [(statement.compiled(dialect, list(rows[0])), rows) for statement, rows in self._queued]
        self._queued = []
        cursors: list[Any] = []
        try:
            # psycopg sends the statements of a pipeline without waiting for each answer, and reads them all at
            # its end (each cursor then has its own row count); sqlite3 runs in-process, so order is all.
            with driver.pipeline() if dialect.driver == "psycopg" else nullcontext():
                for compiled, rows in work:
                    cursor = driver.cursor()
                    cursors.append(cursor)
                    if len(rows) == 1:
                        cursor.execute(compiled.sql, compiled.parameters(rows[0]))
                    else:
                        cursor.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
            return [cursor.rowcount for cursor in cursors]
        except dialect.loaded_dbapi.Error as exc:
            raise _translated(connection, exc, cursors[-1] if cursors else None) from exc
        finally:
            for cursor in cursors:
                cursor.close()


def _translated(connection: Connection, exc: Exception, cursor: Any) -> Exception:
    """What SQLAlchemy would have raised for a driver error (its handle_error hook is not on this path)."""
    dialect = connection.dialect
    if dialect.is_disconnect(exc, _driver_connection(connection), cursor):  # type: ignore[arg-type]
        connection.invalidate(exc)
        return connection_lost()
    return DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error, dialect=dialect)


def _driver_connection(connection: Connection) -> Any:
    driver = connection.connection.driver_connection
    if driver is None:  # only a connection already closed or invalidated has none
        raise connection_lost()
    return driver
