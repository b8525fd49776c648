"""The schema the migrations build is the one the tables declare: every column and index, on each backend."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

from domain.records import Record
from engine.store.tables import Base


def test_the_migrated_schema_matches_the_declared_tables_and_indexes(database_url):
    declared = MetaData()
    for metadata in (Base.metadata, Record.metadata):
        for table in metadata.tables.values():
            table.to_metadata(declared)
    database = create_engine(database_url)
    try:
        with database.connect() as connection:
            drift = [change for change in compare_metadata(MigrationContext.configure(connection), declared)
                     if not (change[0] == "remove_table" and change[1].name == "alembic_version")]
    finally:
        database.dispose()
    assert drift == []  # a model change without its migration (or the reverse) shows here
