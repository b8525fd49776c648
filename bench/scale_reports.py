"""The manager's reports as the history grows: 10^3, 10^5 and 10^6 cases (bulk-loaded with COPY).

A company that has run for years: every size adds older cases, leads, opportunities,
complaints and history events behind the same recent quarter (1,000 of each in the last 90
days, 300 cases open), and the same 2,000 customers. Times every report the pages and the API
serve (median of 10 runs each, as /api/reports/{key} reads it, with its default period), the
conformance of order_release and the step times of the process page, and prints the
10^6 / 10^3 ratio, which should stay under 2.

    python bench/scale_reports.py [--postgres URL] [--max 1000000] [--keep]
"""
from __future__ import annotations

import io
import json
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.scale import SIZES, arguments, database, print_ratios, timed  # noqa: E402
from designer_api.blueprints.reports import conformance_of  # noqa: E402
from designer_api.uses.reports import ConformanceQuery, ReportQuery, run
from designer_api.wiring import build_engine, shipped, shipped_models  # noqa: E402
from domain.reports import PERIOD, REPORTS, SOURCES, STAGES  # noqa: E402
from engine import Engine, reports  # noqa: E402

RECENT, OPEN, CUSTOMERS = 1_000, 300, 2_000
REGIONS, SEVERITIES = ("east", "south", "north", "west"), ("low", "medium", "high", "critical")
STEPS = ("Task_CreditOverride", "Task_RegisterPrepayment", "Task_PriceException")


def age(n: int) -> timedelta:
    """How long ago record n was made: 0..RECENT-1 inside the last quarter, the rest before it (the older
    cases, deals and complaints ended before the quarter began)."""
    if n < RECENT:
        return PERIOD * 0.95 * n / RECENT
    return PERIOD + timedelta(days=30, minutes=5 * (n - RECENT))


class Copy:
    """Rows for COPY ... FROM STDIN, one table each, written in PostgreSQL's text format."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[str, io.StringIO]] = {}

    def add(self, table: str, columns: str, *values: object) -> None:
        _, out = self.tables.setdefault(table, (columns, io.StringIO()))
        out.write("\t".join(r"\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ")
                            for v in values) + "\n")

    def send(self, dsn: str) -> None:
        with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
            for table, (columns, rows) in self.tables.items():
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(rows.getvalue())
            for table in self.tables:
                cursor.execute(f"ANALYZE {table}")


def customers(rows: Copy, now: datetime) -> None:
    for n in range(1, CUSTOMERS + 1):
        limit = 100_000 + 1_000 * (n % 50)
        rows.add("crm_customer", "id, name, region, status, credit_limit, credit_used, payment_terms, owner, created_at, "
                 "approved_credit_limit", n, f"Customer {n}", REGIONS[n % 4], "active" if n % 10 else "pending",
                 limit, limit * (n % 100) // 100, "net30", f"u{n % 40}", now - timedelta(days=n), limit)
        rows.add("crm_contact", "id, customer_id, name, role", 2 * n, n, f"Buyer {n}", "buyer")
        rows.add("crm_contact", "id, customer_id, name, role", 2 * n + 1, n, f"Chief {n}", "decision_maker")


def cases(rows: Copy, version_id: int, now: datetime, start: int, stop: int) -> None:
    """Cases start..stop-1 of order_release with their task, history and CRM records."""
    sources, stages = list(SOURCES), list(STAGES)
    for n in range(start, stop):
        at = now - age(n)
        instance, task, key, running = str(uuid.UUID(int=n)), str(uuid.UUID(int=10**12 + n)), f"SO-{n}", n < OPEN
        ended = None if running else at + timedelta(hours=5)
        step, user, group = STEPS[n % 3], f"u{n % 40}", f"g{n % 10}"
        rows.add("instance", "id, version_id, process_key, version, business_key, status, revision, state, started_at, "
                 "updated_at, ended_at", instance, version_id, "order_release", 1, key,
                 "running" if running else "completed", 1, r"\x00", at, ended or at, ended)
        rows.add("task", "id, instance_id, process_key, business_key, element_id, name, state, assignee, "
                 "candidate_group, due_at, created_at, completed_at, completed_by", task, instance, "order_release", key,
                 step, step[5:], "ready" if running else "completed", user if n % 2 else None, group,
                 at + timedelta(days=2), at, ended, None if running else (user if n % 7 else "u99"))
        history = [("instance_started", None, None, None), ("task_created", step, task, {"assignee": user}),
                   *([] if running else [("task_completed", step, task, None), ("element_completed", "EndEvent_1",
                                                                                None, None),
                                         ("instance_completed", None, None, None)])]
        if n % 10 == 0:
            history.append(("control_point_triggered", "Task_CreditCheck", None,
                            {"control_point": "credit_usage", "action": "block"}))
        for kind, element, task_id, data in history:
            rows.add("history_event", "instance_id, process_key, business_key, type, element_id, task_id, actor, data, "
                     "at", instance, "order_release", key, kind, element, task_id,
                     None if kind == "task_created" else (user if n % 7 else "u99"),
                     json.dumps(data) if data else None, at)
        customer = 1 + n % CUSTOMERS
        status = ("new", "qualified", "converted", "disqualified")[n % 4]
        rows.add("crm_lead", "id, company, source, region, status, owner, score, opportunity_id, created_at", n + 1,
                 f"Lead {n}", sources[n % len(sources)], REGIONS[n % 4], status, user, n % 100,
                 n // 2 + 1 if status == "converted" else None, at)
        if n % 2 == 0:
            stage = stages[n % 4] if n < 2 * OPEN else stages[4 + (n // 2) % 2]
            rows.add("crm_opportunity", "id, customer_id, name, stage, amount, probability, expected_close, owner, "
                     "created_at, stage_changed_at, closed_at", n // 2 + 1, customer, f"Deal {n}", stage,
                     10_000 + n % 90_000, 10 * (1 + n % 9), (at + timedelta(days=60)).date().isoformat(), user, at,
                     at + timedelta(days=3), None if stage in stages[:4] else at + timedelta(days=20))
        if n % 4 == 0:
            rows.add("crm_complaint", "id, customer_id, description, severity, sla_due_at, status, created_at",
                     n // 4 + 1, customer, "late delivery", SEVERITIES[(n // 4) % 4], at + timedelta(days=1),
                     "open" if n < OPEN else "closed", at)


def measure(engine: Engine) -> dict[str, float]:
    found = {key: timed(lambda r=report: run(engine, r, ReportQuery()), repeat=10) for key, report in REPORTS.items()}
    found["conformance (order_release)"] = timed(
        lambda: conformance_of(engine, ConformanceQuery(process_key="order_release")), repeat=10)

    def step_times() -> object:
        with engine.store.read() as session:
            return reports.step_durations(session, "order_release", since=engine.clock() - PERIOD)
    found["step times (process page)"] = timed(step_times, repeat=10)
    return found


def main() -> None:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the database (to EXPLAIN a query); says its URL")
    args = parser.parse_args()
    url, dsn, drop = database(args.postgres)
    try:
        engine = build_engine(url)
        engine.init_db()
        for path in shipped_models():
            bpmn, decisions = shipped(path)
            engine.deploy(bpmn, author="bench", decisions=decisions)
        with psycopg.connect(dsn) as connection:
            [(version_id,)] = connection.execute("SELECT id FROM process_version WHERE process_key = 'order_release'")
        now = engine.clock()
        rows = Copy()
        customers(rows, now)
        rows.send(dsn)
        results, loaded = {}, 0
        for size in (s for s in SIZES if s <= args.max):
            began = time.perf_counter()
            rows = Copy()
            cases(rows, version_id, now, loaded, size)
            rows.send(dsn)
            loaded = size
            print(f"loaded {size:>9,} cases with their records and history ({time.perf_counter() - began:.1f}s)",
                  flush=True)
            results[size] = measure(engine)
        engine.close()
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop()
    print_ratios("report (median ms)", results)


if __name__ == "__main__":
    main()
