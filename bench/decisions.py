"""Decision tables: what reading, linting and deciding a table costs, at the sizes analysts write and at the cap.

For tables of 10, 100 and 1,000 rules (the cap) over two inputs (a number range per rule, a region): intake (DMN
parsed, cells read) and the table lint (overlaps, gaps, rules that never fire), once each; then `decide` per case,
the input values given directly (as the sandbox would hand them over), under UNIQUE and FIRST.

    python bench/decisions.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.intake import dmn  # noqa: E402
from engine.intake.table_lint import lint_table  # noqa: E402
from engine.scripting.decisions import decide  # noqa: E402
from tests.engine.bpmn_builder import dmn_table  # noqa: E402

REGIONS = ("east", "north", "south", "west")


def table(rules: int, hit_policy: str) -> bytes:
    cells = [([f"[{n * 1000}..{n * 1000 + 999}]", f'"{REGIONS[n % 4]}"'], ['"manager"']) for n in range(rules)]
    return dmn_table(cells, hit_policy=hit_policy, default='"auto"')


def timed(run, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    print(f"{'rules':>6} {'policy':>7} {'intake ms':>10} {'lint ms':>9} {'decide µs':>10}")
    for rules in (10, 100, 1_000):
        for policy in ("UNIQUE", "FIRST"):
            document = table(rules, policy)
            read = timed(lambda d=document: dmn.read(d), 3)
            (parsed,) = dmn.read(document).values()
            linted = timed(lambda t=parsed: lint_table(t, {"region": list(REGIONS)}), 1)
            values = {"Amount": rules * 500 + 17, "Region": "east"}
            deciding = timed(lambda t=parsed, v=values: decide(t, lambda column: v[column.label]), 200)
            print(f"{rules:>6} {policy:>7} {read * 1000:>10.1f} {linted * 1000:>9.1f} {deciding * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
