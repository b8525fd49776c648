"""The sandbox evaluates business rules over task data and nothing else."""
from __future__ import annotations

import pytest

from engine.errors import SandboxViolation
from engine.scripting.sandbox import ExpressionError, Limits, compile_expression, compile_script, evaluate, execute


def run(expression: str, **data):
    return evaluate(compile_expression(expression), data, {"credit_usage": lambda cid: 0.95})


@pytest.mark.parametrize("expression, expected", [
    ("amount >= 10000 and region == 'east'", True),
    ("credit_usage(customer_id) >= 0.9", True),
    ("len([i for i in items if i > 1])", 2),
    ("{'a': 1}.get('b', 'none')", "none"),
    ("name.strip().upper()", "ACME"),
    ("f'{amount:,.2f}'", "20,000.00"),
    ("max(items) if items else 0", 3),
    ("2 ** 10", 1024),
])
def test_business_rules_evaluate_over_task_data(expression, expected):
    assert run(expression, amount=20000, region="east", customer_id=7, items=[1, 2, 3], name=" acme ") == expected


def test_scripts_assign_into_task_data():
    data = {"items": [3, 4]}
    execute(compile_script("total = 0\nfor i in items:\n    total += i\nflags = {'big': total > 5}"), data)
    assert data["total"] == 7 and data["flags"] == {"big": True}


@pytest.mark.parametrize("expression", [
    "__import__('os')", "amount.__class__", "getattr(amount, 'real')", "(lambda: 1)()",
    "[x for x in ().__class__.__mro__]", "'{}'.format(1)", "amount.real", "type(amount)",
])
def test_escapes_are_refused(expression):
    with pytest.raises((SandboxViolation, ExpressionError)):
        run(expression, amount=1)


def test_only_task_data_and_registered_functions_are_visible():
    with pytest.raises(ExpressionError, match="name 'os' is not defined"):
        run("os")
    with pytest.raises(ExpressionError, match="'open' is not defined"):
        run("open('/etc/passwd')")


def test_huge_values_are_refused_before_they_are_built():
    with pytest.raises(SandboxViolation, match="repetition"):
        run("'a' * n", n=10**9)
    with pytest.raises(SandboxViolation, match="power"):
        run("base ** n", base=10, n=10**6)
    with pytest.raises(SandboxViolation, match="range"):
        run("range(n)", n=10**9)


def test_the_step_budget_stops_runaway_loops():
    program = compile_script("n = 0\nfor i in range(100000):\n    for j in range(100000):\n        n += 1")
    with pytest.raises(SandboxViolation, match="steps|longer"):
        execute(program, {}, limits=Limits(max_steps=50_000))


def test_a_function_name_cannot_be_overwritten_by_a_script():
    with pytest.raises(ExpressionError, match="function name"):
        execute(compile_script("len = 3"), {})
