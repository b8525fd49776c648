"""History cost: what completing a task costs as a case's history grows, on SQLite and PostgreSQL.

One case of a follow-up loop (call the customer, count the round, again while rounds remain) is completed
round after round through the engine's own `complete`; the milliseconds of each complete are taken over
rounds 1-20, 201-220 and 1,001-1,020 (medians). A case whose cost follows its open work, not its age, shows the same
figure in each. The last line is for scripts: `history cost last/first: sqlite R, postgresql R`.

    python bench/history_cost.py [--rounds 1020] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine_throughput import postgres_database  # noqa: E402
from engine import Engine  # noqa: E402
from engine.store.tables import Instance  # noqa: E402
from tests.engine.bpmn_builder import follow_up_model  # noqa: E402

WINDOWS = ((1, 20), (201, 220), (1001, 1020))


def per_round(url: str, rounds: int) -> tuple[list[float], int]:
    """Seconds of each complete, round by round; and the stored state's bytes at the end."""
    engine = Engine(url)
    engine.init_db()
    engine.deploy(follow_up_model())
    warm = engine.start("follow_up", {"rounds": 0, "limit": 100}, actor="bench")
    for _ in range(30):  # caches, prepared statements and the database file warmed, outside the figures
        [task] = engine.tasks(instance_id=warm.id)
        engine.complete(task.id, "bench", groups=["sales"])
    case = engine.start("follow_up", {"rounds": 0, "limit": rounds + 1}, actor="bench")
    took = []
    for _ in range(rounds):
        [task] = engine.tasks(instance_id=case.id)
        began = time.perf_counter()
        engine.complete(task.id, "bench", groups=["sales"])
        took.append(time.perf_counter() - began)
    with engine.store.read() as session:
        state = len(session.get(Instance, case.id).state)
    engine.close()
    return took, state


def windows(took: list[float]) -> list[float]:
    """Median milliseconds a complete took in each window that the run reached (a median: one slow disk flush
    does not make a window)."""
    return [statistics.median(took[first - 1:last]) * 1000 for first, last in WINDOWS if last <= len(took)]


def report(name: str, took: list[float], state: int) -> float:
    figures = windows(took)
    cells = "   ".join(f"rounds {first:,}-{last:,}: {ms:.2f} ms" for (first, last), ms in zip(WINDOWS, figures,
                                                                                              strict=False))
    ratio = figures[-1] / figures[0]
    print(f"{name:10s} {cells}   last/first {ratio:.2f}   state after {len(took):,} rounds: {state:,} bytes")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1020)
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    ratios = {}
    with tempfile.TemporaryDirectory() as folder:
        ratios["sqlite"] = report("SQLite", *per_round(f"sqlite:///{folder}/history.sqlite", args.rounds))
    if args.postgres:
        url, drop = postgres_database(args.postgres)
        try:
            ratios["postgresql"] = report("PostgreSQL", *per_round(url, args.rounds))
        finally:
            drop()
    print("history cost last/first: " + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items()))


if __name__ == "__main__":
    main()
