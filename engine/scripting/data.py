"""Bounds on instance data: JSON values only, nested at most so deep, at most so large.

Checked where data enters a case — submitted with a start, a task or a retry, and written
by a script — so a case's state always serializes, reads back and stays small.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DataLimits:
    """How large and deep the data of one case may grow."""

    max_bytes: int = 256 * 1024  # serialized JSON, roughly
    max_depth: int = 32


DEFAULT_DATA_LIMITS = DataLimits()


@dataclass(frozen=True)
class DataProblem:
    """Where in the data a bound is broken (`items[3].price`) and how."""

    path: str
    message: str


def data_problem(data: Mapping[str, Any], limits: DataLimits = DEFAULT_DATA_LIMITS) -> DataProblem | None:
    """The first value that is not JSON, nests too deep or makes the data too large; None when all is well.

    Walks at most about `limits.max_bytes` worth of data, so checking costs no more than the bound.
    """
    size = 2
    stack: list[tuple[str, Any, int]] = [(str(key), value, 1) for key, value in reversed(list(data.items()))]
    while stack:
        path, value, depth = stack.pop()
        if depth > limits.max_depth:
            return DataProblem(path, f"is nested more than {limits.max_depth} levels deep")
        size += len(path.rpartition(".")[2]) + 4
        if isinstance(value, (dict, list)):  # a value that contains itself fails the depth bound
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in reversed(list(items)):
                if isinstance(value, dict) and not isinstance(key, str):
                    return DataProblem(path, "has a key that is not text (a value must be plain JSON)")
                stack.append((f"{path}.{key}" if isinstance(value, dict) else f"{path}[{key}]", item, depth + 1))
            size += 2
        elif isinstance(value, str):
            try:
                size += len(value.encode("utf-8")) + 2
            except UnicodeEncodeError:
                return DataProblem(path, "holds a character that is not valid text (a lone surrogate)")
        elif isinstance(value, float):
            if not math.isfinite(value):
                return DataProblem(path, "must be a finite number")
            size += 24
        elif value is None or isinstance(value, (bool, int)):
            size += 8 if value is None or isinstance(value, bool) or abs(value) < 2 ** 63 else 40
        else:
            return DataProblem(path, f"is a {type(value).__name__}, which is not a JSON value")
        if size > limits.max_bytes:
            return DataProblem(path, f"makes the case data larger than {limits.max_bytes} bytes")
    return None
