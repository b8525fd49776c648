"""Database access: engines, sessions, schema upgrades, and the row lock every command takes.

SQLite (the default) gets WAL and `BEGIN IMMEDIATE` on write transactions, so two
processes never interleave a read-modify-write; PostgreSQL gets `SELECT ... FOR UPDATE`.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import Connection, create_engine, event
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Unavailable

DEFAULT_URL = "sqlite:///var/crmflow.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else `CRMFLOW_DATABASE_URL`, else a SQLite file under ./var."""
    return url or os.environ.get("CRMFLOW_DATABASE_URL") or DEFAULT_URL


class Store:
    """Owns the SQLAlchemy engines and hands out sessions for reading and for writing."""

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_parent_dir(self.url)
            self.write_engine = _sqlite_engine(self.url, begin="BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(self.url, begin="BEGIN")
        else:
            # Commands do not ping a pooled connection first (a round trip each): a connection found dead
            # fails the command before its commit, and Engine.execute runs it once more on a fresh one.
            self.write_engine = create_engine(self.url)
            # Reads do ping (a read is not retried), and run without a transaction: under READ COMMITTED every
            # statement sees its own snapshot anyway, and with no ROLLBACK at the end psycopg keeps its
            # prepared statements (a rollback discards them), so the command path's statements stay prepared.
            self.read_engine = create_engine(self.url, pool_pre_ping=True, isolation_level="AUTOCOMMIT")
        for engine in {self.write_engine, self.read_engine}:
            event.listen(engine, "handle_error", _lost_connection)
        self.writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self.reader = sessionmaker(self.read_engine, expire_on_commit=False)

    def write(self) -> Session:
        """A session whose transaction holds the database's write lock on SQLite."""
        return self.writer()

    def read(self) -> Session:
        """A session for queries only."""
        return self.reader()

    def snapshot(self) -> Session:
        """A session for queries that must all see one moment (a replay reads cases, then their histories and
        states): on SQLite its transaction's first read fixes the moment (WAL); on PostgreSQL a read-only
        REPEATABLE READ transaction. Nothing may be written through it."""
        if self.is_sqlite:
            return self.reader()
        return Session(self.write_engine.execution_options(isolation_level="REPEATABLE READ",
                                                           postgresql_readonly=True), expire_on_commit=False)

    def read_rows(self) -> Connection:
        """A connection for queries of plain rows, lighter than a session (the task list)."""
        return self.read_engine.connect()

    def upgrade(self, extra_locations: Iterable[str] = ()) -> None:
        """Bring the schema to the newest revision of the engine and any plugged-in packs."""
        from alembic import command

        with self.write_engine.begin() as connection:
            command.upgrade(self._alembic_config(connection, extra_locations), "heads")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()

    def _alembic_config(self, connection: Connection, extra_locations: Iterable[str]) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        locations = [str(MIGRATIONS / "versions"), *map(str, extra_locations)]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join(locations))
        config.attributes["connection"] = connection
        return config


def _lost_connection(context: ExceptionContext) -> BaseException | None:
    """A dropped database connection becomes `Unavailable` (SQLAlchemy has already discarded the pool's
    connections made before it); other database errors pass unchanged."""
    if not context.is_disconnect or context.is_pre_ping:  # a failed ping just makes the pool connect anew
        return None
    return connection_lost()


def connection_lost() -> Unavailable:
    """What a dropped database connection becomes, wherever it is found."""
    return Unavailable("the connection to the database was lost; try again")


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_engine(url: str, begin: str) -> SqlEngine:
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a process crash; only power loss may lose the last one.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache per connection (SQLite's default is 2 MiB): the indexes a command writes stay in
        # memory as the history table grows, instead of being read back from the file at every command.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine
