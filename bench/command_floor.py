"""The floor under engine_throughput's persisted figures: the rows one command writes, with the driver alone.

One "complete" of the bench process writes, in one transaction: the lock read of task and instance,
the instance's new state (about 700 bytes) and revision, the task it closes, the task it opens, three
history events; then commits, and the next task-list read follows. This runs exactly that with sqlite3
and psycopg directly (no SQLAlchemy, no SpiffWorkflow, no crmflow code around it) on a schema made by
crmflow's own migrations, and prints the time a command takes and what it means for the ratio
engine_throughput asks for: an instance there is one start and three completes (four commands, four reads)
plus SpiffWorkflow's own work.

    python bench/command_floor.py [-n 600] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine_throughput import MODEL, postgres_database, raw_spiff  # noqa: E402
from engine import Engine  # noqa: E402

STATE = os.urandom(700)
LOCK = ("SELECT task.*, instance.* FROM task JOIN instance ON task.instance_id = instance.id "
        "WHERE task.id = {p}{lock}")
WRITES = (
    "UPDATE instance SET status = {p}, revision = revision + 1, state = {p}, updated_at = {p}, summary = {p} "
    "WHERE id = {p}",
    "UPDATE task SET state = 'completed', completed_at = {p}, completed_by = 'bench' WHERE id = {p}",
    "INSERT INTO task (id, instance_id, process_key, element_id, name, state, created_at, candidate_group, "
    "assignment_reason) VALUES ({p}, {p}, 'order_review', 'Task_Confirm', 'Confirm', 'ready', {p}, 'sales', "
    "'lane sales')",
)
EVENT = ("INSERT INTO history_event (instance_id, process_key, type, element_id, task_id, actor, data, at) "
         "VALUES ({p}, 'order_review', {p}, 'Task_Confirm', {p}, 'bench', '{{\"data\": {{}}}}', {p})")
READ = "SELECT * FROM task WHERE instance_id = {p} AND state = 'ready'"
OPEN_CASE = ("INSERT INTO instance (id, version_id, process_key, version, status, revision, state, started_at, "
             "updated_at) VALUES ({p}, 1, 'order_review', 1, 'waiting', 1, {p}, {p}, {p})",
             "INSERT INTO task (id, instance_id, process_key, element_id, name, state, created_at) "
             "VALUES ({p}, {p}, 'order_review', 'Task_Review', 'Review', 'ready', {p})")


def schema(url: str) -> None:
    """crmflow's tables and indexes, with the bench process deployed and a few hundred commands of history."""
    engine = Engine(url)
    engine.init_db()
    engine.deploy(MODEL)
    for i in range(150):
        instance = engine.start("order_review", {"amount": 20000 if i % 2 else 10}, actor="bench")
        while tasks := engine.tasks(instance_id=instance.id):
            engine.complete(tasks[0].id, "bench")
    engine.close()


def arguments(case: str, task: str, new_task: str, now: Any) -> list[tuple[Any, ...]]:
    return [("waiting", STATE, now, '{"amount": 10}', case), (now, task), (new_task, case, now)]


def open_cases(connection: Any, p: str, n: int, now: Any) -> list[tuple[str, str]]:
    cases = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(n)]
    cursor = connection.cursor()
    for case, task in cases:
        cursor.execute(OPEN_CASE[0].format(p=p), (case, STATE, now, now))
        cursor.execute(OPEN_CASE[1].format(p=p), (task, case, now))
    connection.commit()
    return cases


def sqlite_floor(path: str, n: int) -> float:
    """Microseconds a command takes through sqlite3 (WAL, synchronous=NORMAL, BEGIN IMMEDIATE: as crmflow)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    cases = open_cases(connection, "?", n, now)
    connection.isolation_level = None
    began = time.perf_counter()
    for case, task in cases:
        new_task = str(uuid.uuid4())
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(LOCK.format(p="?", lock=""), (task,)).fetchone()
        for statement, values in zip(WRITES, arguments(case, task, new_task, now), strict=True):
            connection.execute(statement.format(p="?"), values)
        connection.executemany(EVENT.format(p="?"), [(case, kind, new_task, now) for kind in
                                                     ("task_completed", "element_completed", "task_created")])
        connection.execute("COMMIT")
        connection.execute(READ.format(p="?"), (case,)).fetchall()
    connection.close()
    return (time.perf_counter() - began) * 1e6 / n


def postgres_floor(url: str, n: int) -> float:
    """Microseconds a command takes through psycopg: BEGIN with the lock, the writes in one pipeline, COMMIT, and
    the read in autocommit (as crmflow)."""
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
    now = datetime.now(UTC)
    cases = open_cases(connection, "%s", n, now)
    began = time.perf_counter()
    for case, task in cases:
        new_task = str(uuid.uuid4())
        cursor = connection.cursor()
        cursor.execute(LOCK.format(p="%s", lock=" FOR UPDATE"), (task,)).fetchone()
        with connection.pipeline():
            for statement, values in zip(WRITES, arguments(case, task, new_task, now), strict=True):
                cursor.execute(statement.format(p="%s"), values)
            cursor.executemany(EVENT.format(p="%s"), [(case, kind, new_task, now) for kind in
                                                      ("task_completed", "element_completed", "task_created")])
        connection.commit()
        connection.autocommit = True
        cursor.execute(READ.format(p="%s"), (case,)).fetchall()
        connection.autocommit = False
    connection.close()
    return (time.perf_counter() - began) * 1e6 / n


def crmflow_command(url: str, n: int) -> float:
    """Microseconds crmflow's own command takes on the same kind of schema: a `complete` of the bench process
    (SpiffWorkflow's run, the state, the projection and the history written in one transaction) and the task-list
    read that follows, as the floor measures them."""
    engine = Engine(url)
    cases = [engine.start("order_review", {"amount": 20000 if i % 2 else 10}, actor="bench").id
             for i in range(n // 3 + 1)]
    ready = [engine.tasks(instance_id=case)[0] for case in cases]
    for task in ready[:5]:  # the spec cache and prepared statements warmed, outside the figures
        engine.complete(task.id, "bench")
        engine.tasks(instance_id=task.instance_id)
    commands, began = 0, time.perf_counter()
    while commands < n:
        following = []
        for task in ready[5:] if commands == 0 else ready:
            engine.complete(task.id, "bench")
            following += engine.tasks(instance_id=task.instance_id)
            commands += 1
            if commands == n:
                break
        if not following:
            break
        ready = following
    took = (time.perf_counter() - began) * 1e6 / max(commands, 1)
    engine.close()
    return took


def report(name: str, command_us: float, raw_rate: float, target: float) -> None:
    spiff_us = 1e6 / raw_rate
    instance_us = 4 * command_us + spiff_us
    print(f"{name:11s} one command {command_us:6.0f} us   an instance at least {instance_us / 1000:.2f} ms "
          f"(4 commands + SpiffWorkflow's {spiff_us / 1000:.2f} ms)   best ratio {spiff_us / instance_us:.2f}   "
          f"target {target:.2f} leaves {(spiff_us / target - instance_us) / 4:6.0f} us a command for all else")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=600, help="commands per run (default 600)")
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: CRMFLOW_TEST_POSTGRES_URL); omitted when empty")
    args = parser.parse_args()
    raw_spiff(20)
    raw_rate, _ = raw_spiff(300)
    print(f"raw SpiffWorkflow {raw_rate:.0f} instances/s; the state serializer's own work is not counted below")
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/floor.sqlite"
        schema(f"sqlite:///{path}")
        floor = sqlite_floor(path, args.n)
        report("SQLite", floor, raw_rate, 0.30)
        ratios["sqlite"] = compare("SQLite", crmflow_command(f"sqlite:///{path}", args.n), floor)
    if args.postgres:
        url, drop = postgres_database(args.postgres)
        try:
            schema(url)
            floor = postgres_floor(url, args.n)
            report("PostgreSQL", floor, raw_rate, 0.10)
            ratios["postgresql"] = compare("PostgreSQL", crmflow_command(url, args.n), floor)
        finally:
            drop()
    else:
        print("PostgreSQL: skipped (no --postgres URL)")
    print("crmflow/floor: " + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items()))


def compare(name: str, command_us: float, floor_us: float) -> float:
    print(f"{name:11s} crmflow's command {command_us:6.0f} us = {command_us / floor_us:.2f} x the floor")
    return command_us / floor_us


if __name__ == "__main__":
    main()
