"""What an analyst wrote, checked against what the process really holds (its data dictionary).

Runs over the sandbox's tree of a condition or script, with the scope of the element it stands on:
- a name the case does not hold there is an error naming the nearest known names ("did you mean ...");
  where undeclared data may have come in (an open scope: a start without a form, a model from another
  tool) it is a warning;
- a comparison of incompatible types (text with a number, a number with a quoted number, an ordering
  of a tuple) is an error naming both; a value outside an enum's values likewise;
- a condition whose value is not true/false (a tuple, a text, a number) is an error;
- a number written with separators (`1,000,000`, `1，000，000`, `1 000 000`) is refused with the fix;
- a name set only on some paths into the element is a warning naming the steps that set it.
"""
from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import Text
from ..scripting.sandbox import SAFE_BUILTINS
from .dictionary import ANY, Dictionary, Scope, Type, of_value

_SEPARATED = re.compile(r"(?<![\w.])\d{1,3}(?:(?:,|，|\u00a0| )\d{3})+(?![\w.])")
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_CONSTANTS = {"True": {"type": "boolean"}, "False": {"type": "boolean"}, "None": {"type": "none"}}
_BUILTIN_RETURNS = {"len": "number", "abs": "number", "round": "number", "int": "number", "float": "number",
                    "str": "text", "bool": "boolean", "sum": "number"}
_NOUNS = {"number": "a number", "text": "text", "boolean": "true/false", "date": "a date", "enum": "a choice",
          "record": "a record", "list": "a list", "tuple": "a tuple", "none": "nothing (None)"}


@dataclass(frozen=True)
class Finding:
    """One thing the checker found, for the element the text stands on."""

    code: str
    message: str
    severity: str = "error"


def separators(text: str) -> Finding | None:
    """A number written as people write it (`1,000,000`), with what to write instead."""
    found = _SEPARATED.search(_STRINGS.sub(lambda m: " " * len(m.group()), text))
    if found is None:
        return None
    plain = re.sub(r"\D", "", found.group())
    return Finding("number_separator", f"'{found.group()}' is a number written with separators, which the engine "
                   f"would read as something else: write {plain}")


def check_condition(tree: ast.AST, dictionary: Dictionary, scope: Scope) -> list[Finding]:
    """Findings for a gateway condition (the tree of a checked expression)."""
    body = tree.body if isinstance(tree, ast.Expression) else tree
    typer = _Typer(dictionary, scope, set())
    kind = typer.type_of(body)  # type: ignore[arg-type]
    findings = typer.findings
    if kind["type"] in ("tuple", "text", "number", "list", "record", "none", "enum", "date"):
        what = _NOUNS.get(kind["type"], kind["type"])
        findings.append(Finding("not_a_condition", f"the condition gives {what}, not true or false: compare it "
                                "with something (e.g. amount > 1000000)"))
    return findings


def check_script(tree: ast.AST, dictionary: Dictionary, scope: Scope) -> list[Finding]:
    """Findings for a script: the names it reads must be there (or set by the script itself)."""
    own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    typer = _Typer(dictionary, scope, own)
    for statement in getattr(tree, "body", []):
        for node in ast.walk(statement):
            if isinstance(node, ast.expr) and not isinstance(getattr(node, "ctx", None), ast.Store):
                if isinstance(node, (ast.Compare, ast.BinOp, ast.Name, ast.Subscript)):
                    typer.type_of(node)
    return _unique(typer.findings)


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


class _Typer:
    """The type of each node of a tree, noting what is wrong on the way."""

    def __init__(self, dictionary: Dictionary, scope: Scope, own: set[str]):
        self.dictionary, self.scope, self.own = dictionary, scope, own
        self.findings: list[Finding] = []
        self.local: list[set[str]] = []

    def type_of(self, node: ast.expr) -> Type:
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.type_of(child)
            return ANY
        return handler(node)

    def _Constant(self, node: ast.Constant) -> Type:  # noqa: N802 - named for the node
        return of_value(node.value)

    def _Name(self, node: ast.Name) -> Type:  # noqa: N802
        name = node.id
        if any(name in scope for scope in self.local) or name in self.own:
            return ANY
        if name in self.dictionary.parameters:
            return self.dictionary.parameters[name]
        if name in self.scope.names:
            return self.scope.names[name]
        if name in self.dictionary.functions or name in SAFE_BUILTINS:
            return {"type": "function"}
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in self.scope.partial:
            steps = ", ".join(self.scope.partial[name][:4]) or "some steps"
            self.findings.append(Finding("partial_name", f"'{name}' is set only on some paths here (by {steps}); "
                                         "on the others the case stops at an incident", "warning"))
            return ANY
        known = sorted({*self.scope.names, *self.scope.partial, *self.dictionary.parameters})
        near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(near)}?" if near else (
            f"; the case holds {', '.join(known[:12])}" if known else "")
        if self.scope.open:  # data nobody declared may come in (a start without a form, a message): only say so
            self.findings.append(Finding("unknown_name", f"'{name}' is declared by no form of this process, so it "
                                         f"must come in with the start data or a message{hint}", "warning"))
        else:
            self.findings.append(Finding("unknown_name", f"'{name}' is not a field the case holds here{hint}"))
        return ANY

    def _Tuple(self, node: ast.Tuple) -> Type:  # noqa: N802
        for element in node.elts:
            self.type_of(element)
        return {"type": "tuple"}

    def _List(self, node: ast.List) -> Type:  # noqa: N802
        for element in node.elts:
            self.type_of(element)
        return {"type": "list"}

    def _BoolOp(self, node: ast.BoolOp) -> Type:  # noqa: N802
        for value in node.values:
            self.type_of(value)
        return {"type": "boolean"}

    def _UnaryOp(self, node: ast.UnaryOp) -> Type:  # noqa: N802
        operand = self.type_of(node.operand)
        return {"type": "boolean"} if isinstance(node.op, ast.Not) else operand

    def _BinOp(self, node: ast.BinOp) -> Type:  # noqa: N802
        left, right = self.type_of(node.left), self.type_of(node.right)
        kinds = {left["type"], right["type"]}
        if kinds == {"number"}:
            return {"type": "number"}
        if kinds <= {"text", "enum"} and isinstance(node.op, ast.Add):
            return {"type": "text"}
        if {"number"} & kinds and kinds & {"text", "enum", "date"}:
            self.findings.append(Finding("type_mismatch", f"'{ast.unparse(node)[:60]}' mixes "
                                         f"{_NOUNS[left['type']]} and {_NOUNS[right['type']]}"))
        return ANY

    def _Compare(self, node: ast.Compare) -> Type:  # noqa: N802
        sides = [node.left, *node.comparators]
        types = [self.type_of(side) for side in sides]
        for op, (a, b), (ta, tb) in zip(node.ops, zip(sides, sides[1:], strict=False),
                                        zip(types, types[1:], strict=False), strict=False):
            problem = _comparison_problem(op, a, b, ta, tb)
            if problem:
                self.findings.append(Finding("type_mismatch", problem))
        return {"type": "boolean"}

    def _Call(self, node: ast.Call) -> Type:  # noqa: N802
        given = [self.type_of(argument) for argument in node.args]
        for keyword in node.keywords:
            self.type_of(keyword.value)
        if isinstance(node.func, ast.Name):
            function = self.dictionary.functions.get(node.func.id)
            if function is not None:
                self._arguments(node.func.id, function, node, given)
                return dict(function.get("returns") or ANY)
            if node.func.id in _BUILTIN_RETURNS:
                return {"type": _BUILTIN_RETURNS[node.func.id]}
        return ANY

    def _arguments(self, name: str, function: dict[str, Any], node: ast.Call, given: list[Type]) -> None:
        """A pack function called with as many arguments as it takes, each of the kind it declares."""
        names, types = function.get("parameters"), function.get("types") or []
        if names is None or node.keywords:
            return
        if not function.get("required", 0) <= len(given) <= len(names):
            self.findings.append(Finding("wrong_arguments", f"{name}() takes {function.get('required')} to "
                                         f"{len(names)} values ({', '.join(names)}); it is given {len(given)}"))
            return
        for parameter, declared, actual in zip(names, types, given, strict=False):
            kinds = {declared["type"], actual["type"]}
            if "number" in kinds and kinds & {"text", "enum", "boolean"}:
                self.findings.append(Finding("type_mismatch", f"{name}() takes {_NOUNS[declared['type']]} as "
                                             f"{parameter}, and is given {_NOUNS[actual['type']]}"))

    def _Subscript(self, node: ast.Subscript) -> Type:  # noqa: N802
        container = self.type_of(node.value)
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        fields = container.get("fields") if container["type"] == "record" else None
        if not isinstance(key, str) or not isinstance(fields, dict):
            return ANY
        if key not in fields:
            near = difflib.get_close_matches(key, list(fields), n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(near)}?" if near else f"it has {', '.join(sorted(fields))}"
            self.findings.append(Finding("unknown_field", f"'{ast.unparse(node.value)[:40]}' has no field "
                                         f"'{key}'; {hint}"))
            return ANY
        return fields[key]

    def _ListComp(self, node: ast.ListComp) -> Type:  # noqa: N802
        names = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.local.append(names)
        try:
            for generator in node.generators:
                self.type_of(generator.iter)
                for condition in generator.ifs:
                    self.type_of(condition)
            self.type_of(node.elt)
        finally:
            self.local.pop()
        return {"type": "list"}

    _GeneratorExp = _SetComp = _ListComp


def _comparison_problem(op: ast.cmpop, a: ast.expr, b: ast.expr, ta: Type, tb: Type) -> str | None:
    """Why comparing `a` with `b` cannot mean what was meant, or None."""
    kinds = {ta["type"], tb["type"]}
    if isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot)) or "any" in kinds or "none" in kinds:
        return None
    left, right = ast.unparse(a)[:40], ast.unparse(b)[:40]
    if "tuple" in kinds and isinstance(op, _ORDERING):
        return Text("'{left}' and '{right}': one side is a tuple (a list of values), which cannot be compared in order",
                    left=left, right=right)
    if "number" in kinds and kinds & {"text", "enum", "date"}:
        text_side = b if tb["type"] != "number" else a
        value = text_side.value if isinstance(text_side, ast.Constant) and isinstance(text_side.value, str) else None
        quoted = value is not None and re.fullmatch(r"-?\d+(\.\d+)?", value.strip())
        fix = f": write {value.strip()} without quotes" if quoted and value is not None else ""
        return (Text("compares '{left}' ({nouns}) with '{right}' ({nouns2}), which is never what was meant{fix}",
                     left=left, nouns=_NOUNS[ta['type']], right=right, nouns2=_NOUNS[tb['type']], fix=fix))
    if "boolean" in kinds and kinds & {"number", "text", "enum", "date"}:
        flag = left if ta["type"] == "boolean" else right
        return (Text("compares '{left}' ({nouns}) with '{right}' ({nouns2}): a yes/no is read as it is: write {flag} "
                     "(or not {flag})", left=left, nouns=_NOUNS[ta['type']], right=right, nouns2=_NOUNS[tb['type']],
                     flag=flag))
    for enum, other in ((ta, b), (tb, a)):
        values = enum.get("values") if enum["type"] == "enum" else None
        if values and isinstance(other, ast.Constant) and isinstance(other.value, str) and other.value not in values:
            return Text("'{value}' is not one of the choices here: {names}", value=other.value,
                        names=', '.join(map(str, values[:12])))
    return None


def findings_for(kind: str, tree: Any, text: str, dictionary: Dictionary, scope: Scope) -> Iterator[Finding]:
    """Every finding for a condition (`eval`) or script (`exec`) standing where `scope` holds."""
    spaced = separators(text)
    if spaced is not None:
        yield spaced
    found = check_condition(tree, dictionary, scope) if kind == "eval" else check_script(tree, dictionary, scope)
    for finding in _unique(found):
        if spaced is not None and finding.code == "not_a_condition":
            continue  # the separator finding says why, with the fix
        yield finding
