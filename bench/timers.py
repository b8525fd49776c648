"""Due timers fired per second on PostgreSQL, with 1 and with 2 worker processes.

N instances each wait on a one-hour timer; the workers run with a clock two hours ahead
until nothing is due. Prints timers/second for each run and the 2-worker speed-up.

    python bench/timers.py [-n 400] [--postgres URL]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.engine_throughput import postgres_database  # noqa: E402
from engine import Engine  # noqa: E402
from engine.runtime.timers import due  # noqa: E402
from engine.runtime.unit_of_work import utcnow  # noqa: E402
from engine.runtime.worker import Worker  # noqa: E402
from tests.engine.bpmn_builder import timer_model  # noqa: E402


def _drain(url: str, results) -> None:
    engine = Engine(url, clock=lambda: utcnow() + timedelta(hours=2))
    worker, fired = Worker(engine.context, batch=50), 0
    while True:
        fired += worker.run_once()
        with engine.store.read() as session:
            if not due(session, engine.clock(), 1):
                break
    results.put(fired)
    engine.close()


def run(url: str, n: int, workers: int) -> float:
    engine = Engine(url)
    engine.init_db()
    engine.deploy(timer_model("'PT1H'"))
    for _ in range(n):
        engine.start("wait_then_work")
    engine.close()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_drain, args=(url, results)) for _ in range(workers)]
    began = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    fired = sum(results.get() for _ in processes)
    assert fired == n, f"fired {fired} of {n}"
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=400, help="timers (default 400)")
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("needs --postgres URL (or CRMFLOW_TEST_POSTGRES_URL)")
    rates = {}
    for workers in (1, 2):
        url, drop = postgres_database(args.postgres)
        try:
            rates[workers] = run(url, args.n, workers)
        finally:
            drop()
        print(f"{workers} worker(s): {rates[workers]:8.1f} timers fired/s  ({args.n} timers, each exactly once)")
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (machine has {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
