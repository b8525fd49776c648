"""Lint for decision tables, on the cells it concerns.

Each column's values are cut into elementary pieces at every value its cells name (for numbers: below the
smallest, each named value, between two of them, above the largest; for texts: each value the column declares or
its cells or the case data's choices name, and "another value"). A cell is then exactly a set of pieces, so the
checks are exact, not sampled:

- under UNIQUE, two rules that both match some input combination (an overlap) — an error: such a case would stop;
- a combination no rule covers (a gap) where the table has no default — a warning naming the combination;
- under FIRST, a rule every combination of which an earlier rule already takes — a warning: it never fires;
- an output cell outside its output's declared values, an input cell outside its column's declared values — errors.

Work is bounded: a table whose pieces would multiply beyond `MAX_CELLS` is checked for overlaps only.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, Text
from ..scripting.decisions import _NUMBER, Column, Entry, ParameterRef, Table, Test, _literal, _number, bare_word

MAX_CELLS = 200_000  # recursion steps for gaps and unreachable rules
MAX_REPORTED = 5
_OTHER = "\x00another value"


@dataclass(frozen=True)
class _Piece:
    """One elementary piece of a column's values: a value that stands for it, and how people read it."""

    value: Any
    words: str


def lint_table(table: Table, domains: Mapping[str, Sequence[Any]] | None = None,
               parameters: Collection[str] | None = None) -> list[Problem]:
    """What lint says about one table. `domains`: the values the case data may give a column's expression (the
    choices of the field it reads), to judge gaps over what can really arrive; `parameters`: the process parameters
    an output cell may name (where given, a bare word naming none of them is refused)."""
    problems = [*_declared_values(table), *_typed_cells(table)]
    if parameters is not None:
        problems += _parameter_cells(table, parameters)
    pieces = [_pieces(column, [rule.entries[i] for rule in table.rules], (domains or {}).get(column.expression))
              for i, column in enumerate(table.columns)]
    if any(p is None for p in pieces):
        return problems  # a column mixes kinds of values: nothing can be proved about it
    columns = [p for p in pieces if p is not None]
    numeric = [[piece.value for piece in column] if all(_number(piece.value) for piece in column) else None
               for column in columns]
    masks = [[_mask(rule.entries[i], columns[i], numeric[i]) for i in range(len(columns))] for rule in table.rules]
    if table.hit_policy == "UNIQUE":
        problems += _overlaps(table, masks)
    budget = [MAX_CELLS]
    if table.hit_policy in ("UNIQUE", "ANY", "FIRST", "PRIORITY") and not all(o.has_default for o in table.outputs):
        problems += _gaps(table, columns, masks, budget)
    if table.hit_policy == "FIRST":
        problems += _unreachable(table, columns, masks, budget)
    return problems


def _where(table: Table, code: str, message: Text, severity: str = "error") -> Problem:
    return Problem(code, message, table.decision_id, table.name or None, None, severity)


def _declared_values(table: Table) -> Iterator[Problem]:
    for rule in table.rules:
        for output, value, text in zip(table.outputs, rule.outputs, rule.output_texts or rule.outputs, strict=False):
            if output.values is not None and value is not None and not isinstance(value, ParameterRef) \
                    and value not in output.values:
                yield _where(table, "output_value", Text(
                    "rule {rule}, output “{column}”: {value} is not one of its values ({values}); write one of them, "
                    "or add it to the output's values", rule=rule.number, column=output.label, value=text,
                    values=", ".join(_literal(v) for v in output.values)))
        for column, entry in zip(table.columns, rule.entries, strict=True):
            if column.values is None:
                continue
            named = [test.value for test in entry.tests if test.op in ("=", "!=")]
            outside = [v for v in named if v not in column.values]
            if outside:
                yield _where(table, "input_value", Text(
                    "rule {rule}, input “{column}”: {value} is not one of its values ({values})", rule=rule.number,
                    column=column.label, value=", ".join(_literal(v) for v in outside),
                    values=", ".join(_literal(v) for v in column.values)))


NUMBER_TYPES = frozenset({"number", "integer", "long", "double"})


def _typed_cells(table: Table) -> Iterator[Problem]:
    """A number written in quotes where the column or output holds numbers ("0.8", "500000") is a text: it would
    never match, or hand a text to what counts with it."""
    for rule in table.rules:
        for output, value in zip(table.outputs, rule.outputs, strict=True):
            if output.type in NUMBER_TYPES and isinstance(value, str):
                yield _where(table, "rule_cell", Text("rule {rule}, output “{column}”: {problem}", rule=rule.number,
                                                      column=output.label, problem=_quoted_number(value)))
        for column, entry in zip(table.columns, rule.entries, strict=True):
            texts = [test.value for test in entry.tests if isinstance(test.value, str)]
            if column.type in NUMBER_TYPES and texts:
                yield _where(table, "rule_cell", Text("rule {rule}, input “{column}”: {problem}", rule=rule.number,
                                                      column=column.label, problem=_quoted_number(texts[0])))


def _quoted_number(text: str) -> Text:
    if _NUMBER.fullmatch(text.strip()):
        return Text("\"{text}\" is a text, but this column holds numbers: write it without the quotes", text=text)
    return Text("\"{text}\" is a text, but this column holds numbers: write a number (500000)", text=text)



def _parameter_cells(table: Table, parameters: Collection[str]) -> Iterator[Problem]:
    """An output cell may name a process parameter (the table answers its value); any other bare word is a text
    written without its quotes."""
    known = ", ".join(sorted(parameters))
    for rule in table.rules:
        for output, value in zip(table.outputs, rule.outputs, strict=True):
            if isinstance(value, ParameterRef) and value.name not in parameters:
                problem = Text("{problem}, or name one of the process's parameters ({known})",
                               problem=bare_word(value.name), known=known) if known else bare_word(value.name)
                yield _where(table, "rule_cell", Text("rule {rule}, output “{column}”: {problem}", rule=rule.number,
                                                      column=output.label, problem=problem))


def _pieces(column: Column, entries: list[Entry], domain: Sequence[Any] | None) -> list[_Piece] | None:
    tests = [test for entry in entries for test in entry.tests]
    named = [test.value for test in tests if test.op != "range"] + [end for test in tests if test.op == "range"
                                                                   for end in (test.low, test.high)]
    named = [v for v in named if v is not None]
    if not tests:
        return [_Piece(_OTHER, "")]
    if all(_number(v) for v in named):
        points = sorted(set(named))
        pieces = [_Piece(points[0] - 1, f"{column.label} < {_literal(points[0])}")]
        for index, point in enumerate(points):
            pieces.append(_Piece(point, f"{column.label} = {_literal(point)}"))
            if index + 1 < len(points):
                upper = points[index + 1]
                pieces.append(_Piece((point + upper) / 2, f"{column.label} between {_literal(point)} and "
                                                          f"{_literal(upper)}"))
        pieces.append(_Piece(points[-1] + 1, f"{column.label} > {_literal(points[-1])}"))
        return pieces
    if all(isinstance(v, str) for v in named):
        values = list(column.values or domain or sorted(set(named)))
        pieces = [_Piece(v, f"{column.label} = {_literal(v)}") for v in values]
        if not (column.values or domain):
            pieces.append(_Piece(_OTHER, f"{column.label}: another value"))
        return pieces
    if all(isinstance(v, bool) for v in named):
        return [_Piece(True, f"{column.label} = true"), _Piece(False, f"{column.label} = false")]
    return None


def _mask(entry: Entry, pieces: list[_Piece], numbers: list[Any] | None = None) -> int:
    """The pieces a cell matches, as bits. Over a column of numbers (`numbers`: the pieces' values, ascending) each
    test is an interval found by bisection, so a table of many rules costs rules x log(pieces), not rules x pieces."""
    full = (1 << len(pieces)) - 1
    if entry.anything:
        return full
    if numbers is not None:
        hit = 0
        for test in entry.tests:
            hit |= _interval(test, numbers, full)
        return full ^ hit if entry.negated else hit
    mask = 0
    for index, piece in enumerate(pieces):
        if entry.holds(piece.value):  # "another value" is a text no cell names
            mask |= 1 << index
    return mask


def _interval(test: Test, numbers: list[Any], full: int) -> int:
    """The bits of the ascending `numbers` that `test` holds for (exactly as Test.holds decides)."""
    if test.op == "range":
        if test.low is None or test.high is None:
            return 0
        low = bisect_left(numbers, test.low) if test.low_closed else bisect_right(numbers, test.low)
        high = bisect_right(numbers, test.high) if test.high_closed else bisect_left(numbers, test.high)
        return _bits(low, high)
    if not _number(test.value):  # another kind of value never equals or compares with a number
        return full if test.op == "!=" else 0
    if test.op in ("=", "!="):
        at = bisect_left(numbers, test.value)
        same = _bits(at, at + 1) if at < len(numbers) and numbers[at] == test.value else 0
        return same if test.op == "=" else full ^ same
    bounds = {"<": (0, bisect_left(numbers, test.value)), "<=": (0, bisect_right(numbers, test.value)),
              ">": (bisect_right(numbers, test.value), len(numbers)), ">=": (bisect_left(numbers, test.value),
                                                                             len(numbers))}
    return _bits(*bounds[test.op])


def _bits(low: int, high: int) -> int:
    """Bits low..high-1."""
    return ((1 << high) - 1) ^ ((1 << low) - 1) if high > low else 0


def _overlaps(table: Table, masks: list[list[int]]) -> list[Problem]:
    found: list[Problem] = []
    for j in range(len(masks)):
        for i in range(j):
            if all(a & b for a, b in zip(masks[i], masks[j], strict=True)):
                found.append(_where(table, "rules_overlap", Text(
                    "rules {first} and {second} both match some cases (under UNIQUE only one rule may): narrow one "
                    "of them, or use the hit policy FIRST", first=i + 1, second=j + 1)))
                if len(found) >= MAX_REPORTED:
                    return found
    return found


def _uncovered(columns: list[list[_Piece]], rules: list[list[int]], region: list[int], depth: int,
               chosen: list[int], budget: list[int]) -> list[int] | None:
    """A combination of pieces inside `region` (a mask per column) that none of `rules` covers, or None."""
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    if depth == len(columns):
        return None if rules else chosen
    for index in range(len(columns[depth])):
        bit = 1 << index
        if not region[depth] & bit:
            continue
        remaining = [rule for rule in rules if rule[depth] & bit]
        if not remaining:
            return chosen + [index] + [_first(region[k]) for k in range(depth + 1, len(columns))]
        found = _uncovered(columns, remaining, region, depth + 1, chosen + [index], budget)
        if found is not None:
            return found
    return None


def _first(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _words(columns: list[list[_Piece]], cell: list[int]) -> str:
    return " and ".join(columns[i][piece].words for i, piece in enumerate(cell) if columns[i][piece].words)


def _gaps(table: Table, columns: list[list[_Piece]], masks: list[list[int]], budget: list[int]) -> list[Problem]:
    everything = [(1 << len(pieces)) - 1 for pieces in columns]
    cell = _uncovered(columns, masks, everything, 0, [], budget)
    if cell is None:
        return []
    return [_where(table, "table_gap", Text(
        "no rule covers the cases where {where}: such a case would stop with an incident; add a rule for them, or "
        "give the output a default", where=_words(columns, cell) or "any input"), "warning")]


def _unreachable(table: Table, columns: list[list[_Piece]], masks: list[list[int]],
                 budget: list[int]) -> list[Problem]:
    found: list[Problem] = []
    for j in range(1, len(masks)):
        if budget[0] <= 0:
            break
        if _uncovered(columns, masks[:j], masks[j], 0, [], budget) is None and budget[0] > 0:
            found.append(_where(table, "rule_never_fires", Text(
                "rule {rule} never fires: under FIRST, the rules above it take every case it matches; move it up or "
                "remove it", rule=j + 1), "warning"))
            if len(found) >= MAX_REPORTED:
                break
    return found
