"""Query cost as the database grows: 10^3, 10^5 and 10^6 instances (bulk-loaded with COPY).

Each instance has one open task; every user has 10 tasks and every group 1,000, whatever
the size, as in a company that grows by hiring (a user's own list does not grow).
Times the engine's own queries (median of 50 runs each) and prints the 10^6 / 10^3
ratio, which should stay near 1 because every list is index-backed.

    python bench/scale.py [--postgres URL] [--max 1000000]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.engine_throughput import MODEL, postgres_database  # noqa: E402
from engine import Engine  # noqa: E402

SIZES = (1_000, 100_000, 1_000_000)


def bulk_load(dsn: str, version_id: int, start: int, stop: int) -> None:
    """Instances start..stop-1, each with one ready task, through COPY."""
    now = datetime.now(UTC)
    instances, tasks = io.StringIO(), io.StringIO()
    for n in range(start, stop):
        instance_id, task_id = str(uuid.UUID(int=n)), str(uuid.UUID(int=10**12 + n))
        at = (now - timedelta(seconds=n)).isoformat()
        instances.write(f"{instance_id}\t{version_id}\torder_review\t1\tSO-{n}\trunning\t1\t\\\\x00\t{at}\t{at}\n")
        tasks.write(f"{task_id}\t{instance_id}\torder_review\tSO-{n}\tTask_EnterOrder\tEnter order\tsales\t"
                    f"ready\tu{n // 10}\tg{n // 1000}\t{at}\n")
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY instance (id, version_id, process_key, version, business_key, status, revision, "
                         "state, started_at, updated_at) FROM STDIN") as copy:
            copy.write(instances.getvalue())
        with cursor.copy("COPY task (id, instance_id, process_key, business_key, element_id, name, lane, state, "
                         "assignee, candidate_group, created_at) FROM STDIN") as copy:
            copy.write(tasks.getvalue())
        cursor.execute("ANALYZE instance")
        cursor.execute("ANALYZE task")


def timed(run, repeat: int = 50) -> float:
    run()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def queries(engine: Engine, size: int) -> dict[str, float]:
    probe = str(uuid.UUID(int=size // 2))
    return {
        "my tasks (assignee)": timed(lambda: engine.tasks(assignee="u7", limit=100)),
        "group tasks (unclaimed, 100 per page)": timed(lambda: engine.tasks(groups=["g0"], limit=100)),
        "my tasks + my group's, 100 per page": timed(lambda: engine.tasks(assignee="u7", groups=["g0"], limit=100)),
        "tasks of one instance": timed(lambda: engine.tasks(instance_id=probe)),
        "tasks by business key": timed(lambda: engine.tasks(business_key=f"SO-{size // 3}")),
        "instance by id": timed(lambda: engine.instance(probe)),
    }


def arguments(description: str) -> argparse.ArgumentParser:
    """The options every scale bench takes: the PostgreSQL server and the largest size."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--max", type=int, default=SIZES[-1])
    return parser


def database(postgres: str | None) -> tuple[str, str, Callable[[], None]]:
    """A new database on the server: its SQLAlchemy URL, its libpq DSN (for COPY) and how to drop it."""
    if not postgres:
        sys.exit("needs --postgres URL (or CRMFLOW_TEST_POSTGRES_URL)")
    url, drop = postgres_database(postgres)
    return url, make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), drop


def main() -> None:
    args = arguments(__doc__.split("\n")[0]).parse_args()
    url, dsn, drop = database(args.postgres)
    try:
        engine = Engine(url)
        engine.init_db()
        engine.deploy(MODEL)
        version_id = 1
        results, loaded = {}, 0
        for size in (s for s in SIZES if s <= args.max):
            began = time.perf_counter()
            bulk_load(dsn, version_id, loaded, size)
            loaded = size
            print(f"loaded {size:>9,} instances ({time.perf_counter() - began:.1f}s)", flush=True)
            results[size] = queries(engine, size)
        engine.close()
    finally:
        drop()
    print_ratios("query (median ms)", results)


def print_ratios(title: str, results: dict[int, dict[str, float]]) -> None:
    """One row per query: its time at each size, and the largest size's time over the smallest's."""
    sizes = list(results)
    print(f"\n{title:<40}" + "".join(f"{s:>12,}" for s in sizes) + f"{'ratio':>9}")
    for name in results[sizes[0]]:
        row = [results[s][name] for s in sizes]
        print(f"{name:<40}" + "".join(f"{v:12.2f}" for v in row) + f"{row[-1] / row[0]:9.2f}")


if __name__ == "__main__":
    main()
