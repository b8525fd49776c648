"""Decision tables: the cells analysts write, read as data, and the hit policies that pick the answer.

A table's input entries are DMN *unary tests* — `< 1000000`, `[100000..500000]`, `"east","west"`, `-`,
`not("vip")` — parsed here into comparisons with literal values (`read_entry`); they are never evaluated as text.
Only a column's input expression (`requested_credit_limit`, `customer['region']`) runs, through the sandbox, once
per decision. Output entries are literals (`"general_manager"`, `0.9`, `true`, `null`) or the name of one of the
process's parameters (`credit_alert_threshold`: the value the version's parameter holds; lint refuses any other
name, so an unquoted text is caught before deploy).

`decide` applies the table's hit policy to the rules that match: UNIQUE (exactly one may), FIRST (the first in
table order), PRIORITY (the match whose outputs come first in the outputs' declared values), ANY (all matches must
agree), RULE ORDER and OUTPUT ORDER (every match, as a list), COLLECT (every match; with SUM, MIN, MAX or COUNT, one
figure). No match gives the outputs' default values where the table declares them, else it is refused, naming the
inputs: a table that answers nothing never lets a case go on as if it had decided.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import Text

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
MAX_CELL = 500  # characters in one cell
_ORDER = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


class DecisionError(Exception):
    """A table could not decide for these inputs (no rule, or several under UNIQUE/ANY): the message says which."""


class CellError(ValueError):
    """A cell is not a unary test or literal crmflow reads; the message says what to write instead."""


@dataclass(frozen=True)
class Test:
    """One positive unary test: `op` is "=", "!=", "<", "<=", ">", ">=" against `value`, or "range" between `low`
    and `high` (each end closed or open)."""

    op: str
    value: Any = None
    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = True

    def holds(self, value: Any) -> bool:
        """Whether `value` passes; values of another kind than the test's never do (FEEL gives null there)."""
        if self.op == "range":
            if not _number(value) or self.low is None or self.high is None:
                return False
            above = self.low <= value if self.low_closed else self.low < value
            return above and (value <= self.high if self.high_closed else value < self.high)
        if self.op in ("=", "!="):
            same = _same_kind(value, self.value) and value == self.value
            return same if self.op == "=" else not same and value is not None
        if not _same_kind(value, self.value) or self.value is None:
            return False
        return bool(_ORDER[self.op](value, self.value))


@dataclass(frozen=True)
class ParameterRef:
    """An output cell naming a process parameter: the table answers what the version's parameter holds."""

    name: str


@dataclass(frozen=True)
class Entry:
    """One input cell: any value (`-`), or one of its tests (none of them, under `not(...)`)."""

    text: str
    tests: tuple[Test, ...] = ()
    negated: bool = False

    @property
    def anything(self) -> bool:
        return not self.tests

    def holds(self, value: Any) -> bool:
        if not self.tests:
            return True
        hit = any(test.holds(value) for test in self.tests)
        return hit != self.negated


@dataclass(frozen=True)
class Column:
    """An input: its label, the expression it reads, its type and the values it may take (declared in the table)."""

    id: str
    label: str
    expression: str
    type: str | None = None
    values: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Output:
    """An output: the case data field it sets, its label and type, its allowed values (their order is PRIORITY's)
    and its default when no rule matches."""

    id: str
    name: str
    label: str
    type: str | None = None
    values: tuple[Any, ...] | None = None
    default: Any = None
    has_default: bool = False

    def rank(self, value: Any) -> int:
        """A value's place in the declared values (PRIORITY, OUTPUT ORDER): earlier is higher."""
        return self.values.index(value) if self.values and value in self.values else len(self.values or ())


@dataclass(frozen=True)
class Rule:
    """One row: its number (1-based, as the table shows it), id, description, input cells and output values."""

    number: int
    id: str
    description: str
    entries: tuple[Entry, ...]
    outputs: tuple[Any, ...]
    output_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A decision table as crmflow runs it."""

    decision_id: str
    name: str
    hit_policy: str
    aggregation: str | None
    columns: tuple[Column, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]
    digest: str = ""  # of the DMN it was read from: which table, in which version, decided

    def title(self) -> str:
        return self.name or self.decision_id


@dataclass
class Outcome:
    """What a table decided: the rules that matched (numbers), the inputs it read and the outputs it gives."""

    table: Table
    inputs: dict[str, Any]
    rules: list[int]
    outputs: dict[str, Any] = field(default_factory=dict)
    defaulted: bool = False

    def record(self) -> dict[str, Any]:
        """The history's `decision_evaluated` data: which table (and version of it), which rules, inputs, outputs."""
        return {"decision": self.table.decision_id, "table": self.table.title(), "digest": self.table.digest,
                "hit_policy": self.table.hit_policy, "rules": self.rules,
                "rule_ids": [self.table.rules[n - 1].id for n in self.rules], "inputs": self.inputs,
                "outputs": self.outputs, "defaulted": self.defaulted}


def decide(table: Table, read: Callable[[Column], Any], parameter: Callable[[str], Any] | None = None) -> Outcome:
    """Apply `table` to the values `read` gives for its columns (the sandbox evaluates each input expression);
    `parameter` gives a process parameter's value to the output cells that name one.

    :raises DecisionError: no rule matches and no default is declared; several match under UNIQUE; matches
        disagree under ANY
    """
    values = [read(column) for column in table.columns]
    inputs = {column.label or column.expression: value for column, value in zip(table.columns, values, strict=True)}
    outcome = Outcome(table, inputs, [])
    matched = [rule for rule in table.rules if all(entry.holds(value)
                                                      for entry, value in zip(rule.entries, values, strict=True))]
    outcome.rules = [rule.number for rule in matched]
    if not matched and table.hit_policy in ("COLLECT", "RULE ORDER", "OUTPUT ORDER"):
        if table.aggregation:
            outcome.outputs = {table.outputs[0].name: 0 if table.aggregation == "COUNT" else None}
        else:
            outcome.outputs = {o.name: [] for o in table.outputs}
        return outcome
    if not matched:
        if all(output.has_default for output in table.outputs):
            outcome.outputs, outcome.defaulted = {o.name: o.default for o in table.outputs}, True
            return outcome
        raise DecisionError(Text("no rule of “{table}” matches {inputs}", table=table.title(), inputs=_shown(inputs)))
    policy = table.hit_policy
    if policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(Text("rules {rules} of “{table}” all match {inputs}; under UNIQUE only one rule may",
                                 rules=_numbers(matched), table=table.title(), inputs=_shown(inputs)))
    if policy == "ANY" and len({rule.outputs for rule in matched}) > 1:
        raise DecisionError(Text("rules {rules} of “{table}” match {inputs} with different outputs; under ANY the "
                                 "rules that match must agree", rules=_numbers(matched), table=table.title(),
                                 inputs=_shown(inputs)))
    if policy in ("UNIQUE", "ANY", "FIRST"):
        chosen = matched[:1]
    elif policy == "PRIORITY":
        chosen = [min(matched, key=lambda rule: _priority(table, rule))]
    elif policy == "OUTPUT ORDER":
        chosen = sorted(matched, key=lambda rule: _priority(table, rule))
    else:  # RULE ORDER, COLLECT
        chosen = matched
    def value(cell: Any) -> Any:
        if not isinstance(cell, ParameterRef):
            return cell
        if parameter is None:
            raise DecisionError(Text("“{table}” answers the process parameter {name}, which nothing here holds",
                                     table=table.title(), name=cell.name))
        return parameter(cell.name)

    if policy in ("UNIQUE", "ANY", "FIRST", "PRIORITY"):
        outcome.rules = [chosen[0].number] if policy != "ANY" else outcome.rules
        outcome.outputs = {o.name: value(v) for o, v in zip(table.outputs, chosen[0].outputs, strict=True)}
    elif policy == "COLLECT" and table.aggregation:
        outcome.outputs = {table.outputs[0].name: aggregate(table, [value(rule.outputs[0]) for rule in chosen])}
    else:
        outcome.outputs = {o.name: [value(rule.outputs[i]) for rule in chosen] for i, o in enumerate(table.outputs)}
    return outcome


def aggregate(table: Table, values: list[Any]) -> Any:
    """COLLECT's aggregation over the matched rules' output. :raises DecisionError: a non-number to sum"""
    if table.aggregation == "COUNT":
        return len(values)
    numbers = [v for v in values if v is not None]
    if not all(_number(v) for v in numbers):
        raise DecisionError(Text("“{table}” collects with {aggregation}, but its outputs {values} are not all "
                                 "numbers", table=table.title(), aggregation=table.aggregation, values=_shown(values)))
    if not numbers:
        return None
    if table.aggregation == "SUM":
        return sum(numbers)
    return min(numbers) if table.aggregation == "MIN" else max(numbers)


def _priority(table: Table, rule: Rule) -> tuple[int, ...]:
    return tuple(output.rank(value) for output, value in zip(table.outputs, rule.outputs, strict=True))


def _numbers(rules: Sequence[Rule]) -> str:
    return ", ".join(str(rule.number) for rule in rules)


def _shown(values: Any) -> str:
    if isinstance(values, dict):
        return ", ".join(f"{name} = {_literal(value)}" for name, value in values.items())
    return ", ".join(_literal(value) for value in values)


def _literal(value: Any) -> str:
    if isinstance(value, ParameterRef):
        return value.name
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same_kind(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if _number(a) and _number(b):
        return True
    return type(a) is type(b) and isinstance(a, (str, bool))


# -- reading cells ---------------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_RANGE = re.compile(r"^([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])$", re.S)
_COMPARE = re.compile(r"^(<=|>=|!=|<|>|=)\s*(.+)$", re.S)
_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*")


def read_entry(text: str | None) -> Entry:
    """An input cell as tests. :raises CellError: saying what to write instead"""
    source = (text or "").strip()
    if len(source) > MAX_CELL:
        raise CellError(Text("a cell holds at most {most} characters", most=MAX_CELL))
    if source in ("", "-"):
        return Entry(source)
    negated = False
    inner = source
    found = re.fullmatch(r"not\s*\((.*)\)", source, re.S)
    if found:
        negated, inner = True, found.group(1).strip()
        if not inner:
            raise CellError(Text("not() needs the values it excludes, e.g. not(\"vip\")"))
    parts = _split(inner)
    _refuse_separators(parts, source)
    return Entry(source, tuple(_test(part) for part in parts), negated)


def read_literal(text: str | None) -> Any:
    """An output cell (or a declared value, or a default) as the value it is. :raises CellError:"""
    source = (text or "").strip()
    if len(source) > MAX_CELL:
        raise CellError(Text("a cell holds at most {most} characters", most=MAX_CELL))
    if source in ("", "null"):
        return None
    return _value(source)


def read_output(text: str | None) -> Any:
    """A rule's output cell: a literal, or a name (`ParameterRef`; lint holds it to the process's parameters).
    :raises CellError:"""
    source = (text or "").strip()
    if _NAME.fullmatch(source) and source not in ("true", "false", "null"):
        return ParameterRef(source)
    return read_literal(source)


def bare_word(name: str) -> Text:
    """What to say of a bare word that names nothing the table may use."""
    return Text("{text} is not a value: write \"{text}\" in double quotes for a text (a bare word would be read as "
                "a name)", text=name)


def read_values(text: str | None) -> tuple[Any, ...] | None:
    """A column's or output's declared values (`"east","west","north"`); None where it declares none."""
    source = (text or "").strip()
    if not source:
        return None
    parts = _split(source)
    _refuse_separators(parts, source)
    return tuple(_value(part) for part in parts)


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts, outside quotes and brackets."""
    parts, current, depth, quoted, escaped = [], [], 0, False, False
    for char in text:
        if quoted:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if quoted:
        raise CellError(Text("a quoted text is not closed: add the closing \""))
    parts.append("".join(current).strip())
    if any(not part for part in parts):
        raise CellError(Text("an empty value between commas: remove the extra comma"))
    return parts


def _refuse_separators(parts: list[str], source: str) -> None:
    """`1,000,000` is three tests in FEEL (1, 0 and 0): an analyst's thousands separators, refused with the fix."""
    first = re.fullmatch(r"(<=|>=|!=|<|>|=)?\s*(-?\d{1,3})", parts[0]) if parts else None
    if len(parts) > 1 and first and all(re.fullmatch(r"\d{3}(\.\d+)?", part) for part in parts[1:]):
        joined = f"{first.group(1) or ''} {first.group(2)}{''.join(parts[1:])}".strip()
        raise CellError(Text("'{text}' reads as {count} separate numbers (a comma separates alternatives): write "
                             "{number} without separators", text=source, count=len(parts), number=joined))


def _test(part: str) -> Test:
    ranged = _RANGE.match(part)
    if ranged and ".." in part:
        low, high = _value(ranged.group(2)), _value(ranged.group(3))
        if not (_number(low) and _number(high)):
            raise CellError(Text("the range {text} needs a number at each end, e.g. [100000..500000]", text=part))
        if low > high:
            raise CellError(Text("the range {text} starts above its end: write [{high}..{low}]", text=part,
                                 high=_literal(high), low=_literal(low)))
        return Test("range", low=low, high=high, low_closed=ranged.group(1) == "[",
                    high_closed=ranged.group(4) == "]")
    compared = _COMPARE.match(part)
    if compared:
        op, value = compared.group(1), _value(compared.group(2))
        if op in _ORDER and not (_number(value) or isinstance(value, str)):
            raise CellError(Text("'{text}' compares with {value}, which has no order: compare with a number",
                                 text=part, value=_literal(value)))
        return Test(op, value)
    return Test("=", _value(part))


def _value(text: str) -> Any:
    text = text.strip()
    if _NUMBER.fullmatch(text):
        number = float(text)
        if not math.isfinite(number):
            raise CellError(Text("{text} is too large a number", text=text))
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body = text[1:-1]
        if re.search(r'(?<!\\)"', body):
            raise CellError(Text("{text} holds more than one quoted text: separate them with commas", text=text))
        return body.replace('\\"', '"').replace("\\\\", "\\")
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        raise CellError(Text("write {number} without thousands separators", number=text.replace(",", "")))
    if _NAME.fullmatch(text):
        raise CellError(bare_word(text))
    if text[:1] in "'‘“":
        raise CellError(Text("{text}: write texts in straight double quotes, e.g. \"east\"", text=text))
    raise CellError(Text("{text} is not a value crmflow reads in a table: write a number (500000), a text in "
                         "double quotes (\"east\"), true, false or null", text=text))


class TableEngine:
    """What SpiffWorkflow's business rule task asks for its `dmnEngine`: the outputs of one table for a task.

    The columns' expressions are evaluated by the task's script engine (the sandbox, over the case data and the
    process parameters); the outcome is handed to the script engine's `decided` hook, so the history records which
    rule of which table decided.
    """

    def __init__(self, table: Table):
        self.table = table

    def result(self, task: Any) -> dict[str, Any]:
        engine = task.workflow.script_engine
        outcome = decide(self.table, lambda column: engine.evaluate(task, column.expression),
                         lambda name: engine.evaluate(task, name))
        hook = getattr(engine, "decided", None)
        if hook is not None:
            hook(task, outcome)
        return dict(outcome.outputs)
