"""What the sandbox costs: microseconds per gateway condition and per small script, and how
fast the hostile expressions are refused.

    python bench/sandbox.py [-n 20000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.scripting.sandbox import compile_expression, compile_script, evaluate, execute  # noqa: E402

CONDITION = "amount >= credit_limit * 0.9 and region in ('east', 'south') and not vip"
SCRIPT = "total = 0\nfor line in lines:\n    total += line['qty'] * line['price']\nbig = total > 10000"
DATA = {"amount": 950_000, "credit_limit": 1_000_000, "region": "east", "vip": False,
        "lines": [{"qty": i, "price": 10.5} for i in range(10)]}
HOSTILE = {
    "bytes repetition": "len(b'a' * 10**8)",
    "replace with count": "s.replace('a', s, -1)",
    "join with a long separator": "s.join([''] * 30000)",
    "nested repetition": "[s] * 5000",
    "max over big lists": "[max(big, big2) for i in range(50)]",
    "format width": "f'{x:>99999999}'",
}


def per_call(function, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20_000)
    n = parser.parse_args().n
    condition, script = compile_expression(CONDITION), compile_script(SCRIPT)
    print(f"condition  {per_call(lambda: evaluate(condition, DATA), n):8.1f} us per evaluation   ({CONDITION})")
    print(f"script     {per_call(lambda: execute(script, dict(DATA)), n // 4):8.1f} us per run          (10-line loop)")
    data = {"s": "a" * 99_999, "x": 1, "big": list(range(40_000)), "big2": list(range(40_000))}
    for name, source in HOSTILE.items():
        start = time.perf_counter()
        try:
            evaluate(compile_expression(source), data)
            outcome = "RAN"
        except Exception as exc:  # noqa: BLE001 - the point is to print what happened
            outcome = f"refused: {str(exc)[:70]}"
        print(f"hostile    {(time.perf_counter() - start) * 1000:8.1f} ms  {name:<28} {outcome}")


if __name__ == "__main__":
    main()
