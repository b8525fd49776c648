"""Shared fixtures: an engine on a temporary SQLite file, and the same on PostgreSQL.

PostgreSQL tests read CRMFLOW_TEST_POSTGRES_URL. Each test gets its own database, cloned
from a template migrated once per run, and dropped afterwards, so runs never see each
other's rows. Where the URL is not set the PostgreSQL variants are skipped; CI sets it.
"""
from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import Engine, Pack

FIXTURES = Path(__file__).parent / "fixtures"
PG_ENV = "CRMFLOW_TEST_POSTGRES_URL"


def fixture_bytes(name: str) -> bytes:
    """The bytes of a file in tests/fixtures."""
    return (FIXTURES / name).read_bytes()


class PostgresDatabases:
    """Creates throwaway databases on the server named by CRMFLOW_TEST_POSTGRES_URL."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"crmflow_t{uuid.uuid4().hex[:8]}"
        self.templates: dict[str, str] = {}

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def template_for(self, pack: Pack) -> str:
        """A database migrated for `pack`'s tables, to clone per test."""
        key = type(pack).__name__
        if key not in self.templates:
            url = self.create()
            engine = Engine(url, pack=pack)
            engine.init_db()
            engine.close()
            self.templates[key] = make_url(url).database
        return self.templates[key]

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                       {"p": f"{self.prefix}%"}).scalars().all()
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set")
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    """A fresh, empty database URL (no schema) for tests that migrate themselves."""
    return postgres.create


def make_pack() -> Pack:
    """The pack tests run with unless their folder says otherwise: the CRM pack (tests/engine use a sample pack)."""
    from domain import CrmPack

    return CrmPack()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A migrated, empty database for the test's pack, on each backend."""
    pack = request.getfixturevalue("pack")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crmflow.sqlite'}"
        engine = Engine(url, pack=pack)
        engine.init_db()
        engine.close()
        return url
    postgres = request.getfixturevalue("postgres")
    return postgres.create(template=postgres.template_for(pack))


@pytest.fixture
def pack() -> Pack:
    return make_pack()


class Clock:
    """An injectable clock: starts at the real now and moves only when told."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(database_url, pack, clock):
    engine = Engine(database_url, pack=pack, clock=clock)
    yield engine
    engine.close()


@pytest.fixture
def order_review(engine):
    """The three-user-task fixture process, deployed."""
    return engine.deploy(fixture_bytes("order_review.bpmn"), author="ann")


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests left their screenshots of every page, and what schemathesis tried."""
    from tests.api.test_intake_fuzz import TRIED
    from tests.api.test_schemathesis import FIGURES
    from tests.pages.screenshots import SCREENSHOTS, taken

    if taken():
        terminalreporter.write_line(f"screenshots of the pages ({len(taken())}): {SCREENSHOTS}")
    for line in FIGURES:
        terminalreporter.write_line(f"schemathesis on {line}")
    if TRIED["models"] or TRIED["uploaded"]:
        terminalreporter.write_line(f"intake fuzzer: {TRIED['models']} mutated models taken in or refused "
                                    f"({TRIED['refused']} refused), {TRIED['uploaded']} uploaded over HTTP")
