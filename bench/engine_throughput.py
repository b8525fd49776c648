"""Engine throughput: raw SpiffWorkflow in memory vs crmflow persisted on SQLite (and PostgreSQL).

The same process (start -> enter -> exclusive gateway -> approve/review -> confirm -> end,
three user tasks per instance) is run N times each way. Prints instances/second, the ratio
persisted/raw, and stored bytes per waiting instance against SpiffWorkflow's full JSON.

    python bench/engine_throughput.py [-n 300] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import Connection, create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine import Engine  # noqa: E402
from engine.intake.pipeline import take_in  # noqa: E402
from engine.pack import Pack  # noqa: E402
from engine.runtime.serializer import StateSerializer  # noqa: E402
from engine.store.statements import Batch  # noqa: E402
from engine.store.tables import Instance  # noqa: E402

T = TypeVar("T")
MODEL = (ROOT / "tests" / "fixtures" / "order_review.bpmn").read_bytes()


def raw_spiff(n: int) -> tuple[float, int]:
    """Instances/second in memory; parse once. Also returns full-JSON bytes of a waiting instance."""
    model = take_in(MODEL, Pack())
    full = 0
    began = time.perf_counter()
    for i in range(n):
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update({"amount": 20000 if i % 2 else 10})
        workflow.do_engine_steps()
        if i == 0:
            full = len(StateSerializer().full_json(workflow).encode())
        while tasks := workflow.get_tasks(state=TaskState.READY, manual=True):
            tasks[0].run()
            workflow.do_engine_steps()
        assert workflow.is_completed()
    return n / (time.perf_counter() - began), full


def persisted(url: str, n: int) -> tuple[float, float, float, float]:
    """Instances/second through crmflow; the average stored state bytes of a waiting instance; and the
    statements one command sends (BEGIN and COMMIT included, and each statement of a save's batch, which
    goes in one round trip on PostgreSQL; the task-list reads between commands are not counted); and the round
    trips one command makes (on PostgreSQL: each statement not in a batch, and each batch). psycopg sends a
    transaction's BEGIN by itself, unseen by SQLAlchemy: it is counted as one statement and round trip a command."""
    engine = Engine(url)
    engine.init_db()
    engine.deploy(MODEL)
    counted = {"statements": 0, "trips": 0, "commands": 0, "on": False}
    implicit_begin = int(engine.store.write_engine.dialect.driver == "psycopg")

    def count(*_: object) -> None:
        counted["statements"] += counted["on"]
        counted["trips"] += counted["on"]

    def command(run: Callable[[], T]) -> T:
        counted["on"], counted["commands"] = True, counted["commands"] + 1
        counted["statements"] += implicit_begin
        counted["trips"] += implicit_begin
        try:
            return run()
        finally:
            counted["on"] = False

    def count_batch(batch: Batch, connection: Connection) -> list[int]:
        counted["statements"] += counted["on"] * len(batch)
        counted["trips"] += counted["on"] * bool(len(batch))
        return send(batch, connection)

    event.listen(engine.store.write_engine, "before_cursor_execute", count)
    send, Batch.send = Batch.send, count_batch  # type: ignore[method-assign]
    event.listen(engine.store.write_engine, "commit", count)
    began = time.perf_counter()
    waiting_bytes = []
    for i in range(n):
        instance = command(partial(engine.start, "order_review", {"amount": 20000 if i % 2 else 10}, actor="bench"))
        if i < 20:
            with engine.store.read() as session:
                waiting_bytes.append(session.scalar(select(func.length(Instance.state))
                                                    .where(Instance.id == instance.id)))
        while tasks := engine.tasks(instance_id=instance.id):
            command(partial(engine.complete, tasks[0].id, "bench"))
    rate = n / (time.perf_counter() - began)
    Batch.send = send  # type: ignore[method-assign]
    engine.close()
    commands = counted["commands"]
    return rate, sum(waiting_bytes) / len(waiting_bytes), counted["statements"] / commands, counted["trips"] / commands


def postgres_database(url: str):
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"crmflow_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="instances per run (default 300)")
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: CRMFLOW_TEST_POSTGRES_URL); omitted when empty")
    args = parser.parse_args()

    raw_spiff(20)  # warm-up: imports, caches
    raw_rate, full_bytes = raw_spiff(args.n)
    print(f"(a) raw SpiffWorkflow, in memory      {raw_rate:8.1f} instances/s   (baseline)")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_rate, stored, per_command, _ = persisted(f"sqlite:///{tmp}/bench.sqlite", args.n)
    print(f"(b) crmflow on SQLite, persisted       {sqlite_rate:8.1f} instances/s   "
          f"ratio b/a = {sqlite_rate / raw_rate:.2f}  (target >= 0.30)   {per_command:.1f} statements/command")
    if args.postgres:
        url, drop = postgres_database(args.postgres)
        try:
            pg_rate, _, per_command, trips = persisted(url, args.n)
        finally:
            drop()
        print(f"(c) crmflow on PostgreSQL, persisted   {pg_rate:8.1f} instances/s   ratio c/a = {pg_rate / raw_rate:.2f}"
              f"  (target >= 0.10)   {per_command:.1f} statements/command in {trips:.1f} round trips")
    else:
        print("(c) PostgreSQL: skipped (no --postgres URL)")
    print(f"stored state per waiting instance: {stored:.0f} bytes vs SpiffWorkflow full JSON {full_bytes} bytes "
          f"= {stored / full_bytes:.2f}x  (target <= 0.25)")


if __name__ == "__main__":
    main()
