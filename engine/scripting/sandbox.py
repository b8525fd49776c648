"""The only place where text from a model runs: gateway conditions, scripts, service parameters.

Nothing here calls `eval` or `exec`. Source is parsed with `ast`, checked against an
allow-list of node types, and then walked by a small interpreter that only knows plain
data (numbers, strings, lists, dicts, sets, tuples), a few safe builtins, the methods
listed in `SAFE_METHODS`, and the functions a domain pack registers.

Every evaluation has one budget of work units: a node visited costs one, and an operation
over a value (a builtin, a method, a comparison of containers) costs the value's weight
(items plus characters, counted through nested data) before it runs. Operations that build
values (repetition, concatenation, join, replace, comprehensions, calls) are checked for
the size of what they would build *before* building it, and everything built counts
against an allocation budget. The clock is read after every call, so time spent inside a
builtin or a pack function counts too. Bounding in-process is enough because no single
allowed operation can work on more than `max_size` units at once.
"""
from __future__ import annotations

import ast
import math
import operator
import re
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import SandboxViolation, Text


@dataclass(frozen=True)
class Limits:
    """Bounds on what one expression or script may cost."""

    max_source_chars: int = 20_000
    max_nodes: int = 3_000
    max_depth: int = 60
    max_size: int = 100_000  # elements of a collection, characters of a string
    max_int_bits: int = 4_096
    max_steps: int = 200_000  # work units: node visits plus the weight of values operated on
    max_allocated: int = 1_000_000  # items and characters built in all, per evaluation
    time_budget: float = 0.5  # seconds per evaluation


DEFAULT_LIMITS = Limits()


class ExpressionError(Exception):
    """A well-formed expression failed while running (unknown name, wrong type, division by zero)."""


_EXPRESSION_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor, ast.UnaryOp, ast.Not,
    ast.USub, ast.UAdd, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In,
    ast.NotIn, ast.Is, ast.IsNot, ast.IfExp, ast.Call, ast.keyword, ast.Constant, ast.Name,
    ast.Load, ast.Store, ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Dict,
    ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue,
)
_STATEMENT_NODES = (
    ast.Module, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.Expr, ast.Pass, ast.Break,
    ast.Continue,
)

SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
        "join", "replace", "title", "capitalize", "isdigit", "isalpha", "count", "find",
    }),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"append", "count", "index"}),
    tuple: frozenset({"count", "index"}),
    set: frozenset({"add", "union", "intersection", "difference"}),
}
_METHOD_NAMES = frozenset().union(*SAFE_METHODS.values())


def weight(value: Any, cap: int, scalar: int = 1) -> int:
    """Items plus characters in `value`, through nested data (shared parts counted each time they
    appear, as serializing would), a number or other scalar counting `scalar`; stops past `cap`."""
    stack, total = [value], 0
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 1
        elif isinstance(item, dict):
            total += len(item) + 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item) + 1
            stack.extend(item)
        else:
            total += scalar
    return total


def _guard_text(value: Any) -> Any:
    if weight(value, DEFAULT_LIMITS.max_size, scalar=24) > DEFAULT_LIMITS.max_size:  # str() of a number: <= 24
        raise SandboxViolation(Text("text would be longer than {max_size} characters",
                                    max_size=DEFAULT_LIMITS.max_size))
    return value


def _safe_str(value: Any = "") -> str:
    return str(_guard_text(value))


def _numeric_sum(values: Any, start: float = 0) -> Any:
    values = list(values)
    if not all(isinstance(v, (int, float)) for v in values):
        raise ExpressionError(Text("sum() takes numbers only"))
    return sum(values, start)


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > DEFAULT_LIMITS.max_size:
        raise SandboxViolation(Text("range() of {count} items exceeds the limit of {max_size}", count=len(result),
                                    max_size=DEFAULT_LIMITS.max_size))
    return result


SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "sum": _numeric_sum, "abs": abs, "round": round, "int": int,
    "float": float, "str": _safe_str, "bool": bool, "sorted": sorted, "any": any, "all": all,
    "list": list, "dict": dict, "set": set, "tuple": tuple, "enumerate": enumerate, "zip": zip,
    "range": _bounded_range,
}
_CONSTANTS = {"True": True, "False": False, "None": None}
# Builtins whose cost does not grow with their arguments (int() of long digit strings is capped by Python).
_SCALAR_BUILTINS = frozenset({len, abs, round, int, float, bool})


@dataclass(frozen=True)
class Program:
    """A checked expression or script, ready to run any number of times."""

    source: str
    mode: str  # "eval" or "exec"
    tree: ast.AST


def compile_expression(source: str, limits: Limits = DEFAULT_LIMITS) -> Program:
    """Check an expression (a gateway condition, a parameter). :raises SandboxViolation:"""
    return _compile(source.strip(), "eval", limits)


def compile_script(source: str, limits: Limits = DEFAULT_LIMITS) -> Program:
    """Check a script (script task, pre/post script). :raises SandboxViolation:"""
    return _compile(source, "exec", limits)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str, limits: Limits) -> Program:
    if len(source) > limits.max_source_chars:
        raise SandboxViolation(Text("{value} is longer than {max_source_chars} characters",
                                    value='expression' if mode == 'eval' else 'script',
                                    max_source_chars=limits.max_source_chars))
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise SandboxViolation(Text("syntax error: {msg}", msg=exc.msg), exc.lineno, exc.offset) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise SandboxViolation(Text("expression cannot be parsed: {name}", name=type(exc).__name__)) from None
    _Checker(mode, limits).check(tree)
    _fold_constants(tree, limits)
    return Program(source, mode, tree)


def _fold_constants(tree: ast.AST, limits: Limits) -> None:
    """Run constant-only arithmetic at check time, so `9**9**9` is refused when the model is deployed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and all(
                isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator, ast.unaryop))
                for n in ast.walk(node)):
            try:
                _Interpreter({}, {}, limits).ev(node)
            except SandboxViolation as exc:
                raise SandboxViolation(exc.message, node.lineno, node.col_offset) from None
            except Exception as exc:
                raise SandboxViolation(Text("constant expression fails: {name}: {exc}", name=type(exc).__name__,
                                            exc=exc),
                                       node.lineno, node.col_offset) from None


class _Checker:
    """Walks a parsed tree once and refuses anything outside the allow-list."""

    def __init__(self, mode: str, limits: Limits):
        self.allowed = _EXPRESSION_NODES + (_STATEMENT_NODES if mode == "exec" else ())
        self.limits = limits

    def check(self, tree: ast.AST) -> None:
        method_attributes = {id(n.func) for n in ast.walk(tree)
                             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        count = 0
        stack = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > self.limits.max_nodes:
                raise SandboxViolation(Text("expression is too large (more than {max_nodes} parts)",
                                            max_nodes=self.limits.max_nodes))
            if depth > self.limits.max_depth:
                raise SandboxViolation(Text("expression is nested too deeply (more than {max_depth} levels)",
                                            max_depth=self.limits.max_depth),
                                       getattr(node, "lineno", None))
            self._check_node(node, method_attributes)
            # reversed, so the first problem in reading order is the one reported
            stack.extend(reversed([(child, depth + 1) for child in ast.iter_child_nodes(node)]))

    def _check_node(self, node: ast.AST, method_attributes: set[int]) -> None:
        line = getattr(node, "lineno", None)
        if not isinstance(node, self.allowed):
            raise SandboxViolation(Text("{node} is not allowed", node=_describe(node)), line)
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise SandboxViolation(Text("name '{id}' is not allowed (names may not start with '_')", id=node.id), line)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise SandboxViolation(Text("attribute '{attr}' is not allowed", attr=node.attr), line)
            if id(node) not in method_attributes or node.attr not in _METHOD_NAMES:
                raise SandboxViolation(Text("attribute access '.{attr}' is not allowed", attr=node.attr), line)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, (ast.Name, ast.Attribute)):
                raise SandboxViolation(Text("only named functions can be called"), line)
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise SandboxViolation(Text("*args and **kwargs are not allowed"), line)
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = _constant_spec(node.format_spec)
            if spec is None:
                raise SandboxViolation(Text("computed format specifications are not allowed"), line)
            if any(int(width) > self.limits.max_size for width in re.findall(r"\d+", spec)):
                raise SandboxViolation(Text("format width is too large"), line)
        elif isinstance(node, ast.comprehension) and node.is_async:
            raise SandboxViolation(Text("async comprehensions are not allowed"), line)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise SandboxViolation(Text("bytes are not allowed; use text"), line)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if len(node.value) > self.limits.max_size:
                raise SandboxViolation(Text("string constant is too long"), line)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Import: "import", ast.ImportFrom: "import", ast.Lambda: "lambda", ast.FunctionDef: "def",
        ast.ClassDef: "class", ast.While: "while loop", ast.With: "with", ast.Try: "try",
        ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Delete: "del", ast.Yield: "yield",
        ast.Await: "await", ast.NamedExpr: "':=' assignment", ast.Starred: "'*' unpacking",
        ast.Raise: "raise", ast.Assert: "assert", ast.Return: "return",
    }
    return names.get(type(node), f"'{type(node).__name__}'")


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
}


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def evaluate(program: Program, data: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None,
             limits: Limits = DEFAULT_LIMITS) -> Any:
    """Run a checked expression over `data`. :raises ExpressionError, SandboxViolation:"""
    return _Interpreter(dict(data), functions or {}, limits).run(program)


def execute(program: Program, data: MutableMapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None,
            limits: Limits = DEFAULT_LIMITS, fixed: Mapping[str, Any] | None = None) -> None:
    """Run a checked script; assignments land in `data`. Names in `fixed` (process parameters) are read before
    `data` and never assigned. :raises ExpressionError, SandboxViolation:"""
    _Interpreter(data, functions or {}, limits, fixed).run(program)


class _Interpreter:
    """Walks a checked tree. Every node visit costs a step; the clock is read every 256 steps."""

    def __init__(self, data: MutableMapping[str, Any], functions: Mapping[str, Callable[..., Any]], limits: Limits,
                 fixed: Mapping[str, Any] | None = None):
        self.data = data
        self.functions = functions
        self.fixed = fixed or {}
        self.limits = limits
        self.scopes: list[dict[str, Any]] = []
        self.steps = 0
        self.allocated = 0
        self.line: int | None = None
        self.deadline = time.monotonic() + limits.time_budget

    def run(self, program: Program) -> Any:
        try:
            if isinstance(program.tree, ast.Expression):
                return self.ev(program.tree.body)
            assert isinstance(program.tree, ast.Module)
            self.block(program.tree.body)
            return None
        except SandboxViolation as exc:
            if exc.line is None and self.line is not None:
                exc.line = self.line  # say which statement of a script broke a bound
            raise
        except ExpressionError:
            raise
        except (_Break, _Continue):
            raise ExpressionError(Text("'break' or 'continue' outside a loop")) from None
        except RecursionError:
            raise SandboxViolation(Text("expression is nested too deeply")) from None
        except Exception as exc:  # a type error, a division by zero, a failing domain function
            raise ExpressionError(Text("{name}: {exc}", name=type(exc).__name__, exc=exc)) from None

    # -- budget -------------------------------------------------------------------------------
    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise SandboxViolation(Text("evaluation took more than {max_steps} steps",
                                        max_steps=self.limits.max_steps))
        if self.steps & 255 == 0 and time.monotonic() > self.deadline:
            raise SandboxViolation(Text("evaluation took longer than {time_budget} s",
                                        time_budget=self.limits.time_budget))

    def charge(self, units: int) -> None:
        """Pay for work over values (and read the clock: the work may have been done inside a builtin)."""
        self.steps += units
        if self.steps > self.limits.max_steps:
            raise SandboxViolation(Text("evaluation took more than {max_steps} steps",
                                        max_steps=self.limits.max_steps))
        if time.monotonic() > self.deadline:
            raise SandboxViolation(Text("evaluation took longer than {time_budget} s",
                                        time_budget=self.limits.time_budget))

    def weigh(self, value: Any) -> int:
        """The weight of a value (see `weight`), paid for: measuring walks it."""
        if not isinstance(value, (str, list, tuple, dict, set, frozenset)):
            return 1
        units = weight(value, self.limits.max_size + 1)
        self.charge(units // 16)
        return units

    def refuse_larger(self, units: int, what: str) -> None:
        if units > self.limits.max_size:
            raise SandboxViolation(Text("{what} would build more than {max_size} items and characters", what=what,
                                        max_size=self.limits.max_size))

    def check_size(self, value: Any) -> Any:
        """A value just built: within the size limit, and paid for out of the allocation budget."""
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > self.limits.max_int_bits:
            raise SandboxViolation(Text("number exceeds {max_int_bits} bits",
                                        max_int_bits=self.limits.max_int_bits))
        units = self.weigh(value)
        self.refuse_larger(units, "this value")
        self.allocate(units)
        return value

    def allocate(self, units: int) -> None:
        self.allocated += units
        if self.allocated > self.limits.max_allocated:
            raise SandboxViolation(Text("evaluation would build more than {max_allocated} items and characters in all",
                                        max_allocated=self.limits.max_allocated))

    # -- statements ---------------------------------------------------------------------------
    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.tick()
            self.line = statement.lineno
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            self.ev(node.value)
        elif isinstance(node, ast.Assign):
            value = self.ev(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AugAssign):
            current = self.ev(_as_load(node.target))
            self.assign(node.target, self.binary(node.op, current, self.ev(node.value)))
        elif isinstance(node, ast.If):
            self.block(node.body if self.ev(node.test) else node.orelse)
        elif isinstance(node, ast.For):
            self.loop(node)
        elif isinstance(node, ast.Break):
            raise _Break()
        elif isinstance(node, ast.Continue):
            raise _Continue()

    def loop(self, node: ast.For) -> None:
        for item in self.ev(node.iter):
            self.assign(node.target, item)
            try:
                self.block(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.block(node.orelse)

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            if target.id in self.fixed:
                raise ExpressionError(Text("cannot assign to '{id}': it is a process parameter", id=target.id))
            if target.id in self.functions or target.id in SAFE_BUILTINS:
                raise ExpressionError(Text("cannot assign to '{id}': it is a function name", id=target.id))
            (self.scopes[-1] if self.scopes else self.data)[target.id] = value
        elif isinstance(target, ast.Subscript):
            container = self.ev(target.value)
            container[self.ev(target.slice)] = value
            self.check_size(container)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = list(value)
            if len(values) != len(target.elts):
                raise ExpressionError(Text("cannot unpack {count} values into {count2} names", count=len(values),
                                           count2=len(target.elts)))
            for element, item in zip(target.elts, values, strict=False):
                self.assign(element, item)
        else:
            raise SandboxViolation(Text("cannot assign to {target}", target=_describe(target)), getattr(target, "lineno", None))

    # -- expressions --------------------------------------------------------------------------
    def ev(self, node: ast.expr) -> Any:
        self.tick()
        handler = getattr(self, "ev_" + type(node).__name__)
        return handler(node)

    def ev_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def ev_Name(self, node: ast.Name) -> Any:
        name = node.id
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.fixed:
            return self.fixed[name]
        if name in self.data:
            return self.data[name]
        if name in self.functions:
            return self.functions[name]
        if name in SAFE_BUILTINS:
            return SAFE_BUILTINS[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        raise ExpressionError(Text("name '{name}' is not defined", name=name))

    def ev_BoolOp(self, node: ast.BoolOp) -> Any:
        value = None
        for operand in node.values:
            value = self.ev(operand)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def ev_BinOp(self, node: ast.BinOp) -> Any:
        return self.binary(node.op, self.ev(node.left), self.ev(node.right))

    def binary(self, op: ast.operator, left: Any, right: Any) -> Any:
        self.guard_binary(op, left, right)
        return self.check_size(_BINARY[type(op)](left, right))

    def guard_binary(self, op: ast.operator, left: Any, right: Any) -> None:
        """Refuse operations whose result would be huge before computing it."""
        limits = self.limits
        if isinstance(op, ast.Mod) and isinstance(left, (str, bytes)):
            raise SandboxViolation(Text("'%' string formatting is not allowed; use an f-string"))
        if isinstance(op, ast.Pow) and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > limits.max_int_bits:
                raise SandboxViolation(Text("power result would exceed {max_int_bits} bits",
                                            max_int_bits=limits.max_int_bits))
        elif isinstance(op, ast.Mult):
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int):
                    self.refuse_larger(self.weigh(seq) * count, "repetition")
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > limits.max_int_bits:
                    raise SandboxViolation(Text("product would exceed {max_int_bits} bits",
                                                max_int_bits=limits.max_int_bits))
        elif isinstance(op, ast.Add) and isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
            self.refuse_larger(self.weigh(left) + self.weigh(right), "concatenation")

    def ev_UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARY[type(node.op)](self.ev(node.operand))

    def ev_Compare(self, node: ast.Compare) -> bool:
        left = self.ev(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.ev(comparator)
            if isinstance(left, _CONTAINERS) or isinstance(right, _CONTAINERS):
                self.charge(self.weigh(left) + self.weigh(right))  # comparing and `in` walk the values
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def ev_IfExp(self, node: ast.IfExp) -> Any:
        return self.ev(node.body) if self.ev(node.test) else self.ev(node.orelse)

    def ev_Call(self, node: ast.Call) -> Any:
        args = [self.ev(a) for a in node.args]
        kwargs = {str(k.arg): self.ev(k.value) for k in node.keywords}
        if isinstance(node.func, ast.Attribute):
            return self.call_method(self.ev(node.func.value), node.func.attr, args, kwargs)
        assert isinstance(node.func, ast.Name)  # the checker allows named functions and methods only
        function = self.ev(node.func)
        if not callable(function) or not (function in SAFE_BUILTINS.values()
                                          or node.func.id in self.functions):
            raise ExpressionError(Text("'{id}' is not a function", id=node.func.id))
        if function not in _SCALAR_BUILTINS:
            units = sum(self.weigh(a) for a in (*args, *kwargs.values()))
            self.charge(units * max(1, units.bit_length()) if function is sorted else units)
        result = function(*args, **kwargs)
        self.charge(0)
        return self.check_size(result)

    def call_method(self, obj: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        allowed = SAFE_METHODS.get(type(obj), frozenset())
        if name not in allowed:
            raise ExpressionError(Text("'{name}' has no allowed method '{name2}'", name=type(obj).__name__,
                                       name2=name))
        if name in _GROWING_METHODS:  # list.append, set.add: the receiver grows by one item
            self.allocate(self.weigh(args[0]) if args else 1)
            result = getattr(type(obj), name)(obj, *args, **kwargs)
            self.refuse_larger(len(obj), "this collection")
            return result
        self.charge(self.weigh(obj) + sum(self.weigh(a) for a in (*args, *kwargs.values())))
        if isinstance(obj, str) and name == "join" and args:
            self.refuse_larger(_joined_length(obj, args[0]), "join")
        if isinstance(obj, str) and name == "replace" and len(args) >= 2:
            self.refuse_larger(_replaced_length(obj, *args[:3]), "replace")
        result = getattr(type(obj), name)(obj, *args, **kwargs)
        self.charge(0)
        return self.check_size(result)

    def ev_Attribute(self, node: ast.Attribute) -> Any:
        raise SandboxViolation(Text("attribute access '.{attr}' is not allowed", attr=node.attr), node.lineno)

    def ev_Subscript(self, node: ast.Subscript) -> Any:
        return self.ev(node.value)[self.ev(node.slice)]

    def ev_Slice(self, node: ast.Slice) -> slice:
        def part(n: ast.expr | None) -> Any:
            return None if n is None else self.ev(n)

        return slice(part(node.lower), part(node.upper), part(node.step))

    def ev_List(self, node: ast.List) -> list[Any]:
        return self.check_size([self.ev(e) for e in node.elts])

    def ev_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.ev(e) for e in node.elts)

    def ev_Set(self, node: ast.Set) -> set[Any]:
        return {self.ev(e) for e in node.elts}

    def ev_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        return {self.ev(k): self.ev(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}

    def ev_JoinedStr(self, node: ast.JoinedStr) -> str:
        return self.check_size("".join(str(self.ev(v)) for v in node.values))

    def ev_FormattedValue(self, node: ast.FormattedValue) -> str:
        value = _guard_text(self.ev(node.value))
        if node.conversion == ord("r"):
            value = repr(value)
        elif node.conversion == ord("s"):
            value = str(value)
        spec = "" if node.format_spec is None else _constant_spec(node.format_spec)
        return format(value, spec)

    def ev_ListComp(self, node: ast.ListComp) -> list[Any]:
        return list(self.comprehend(node.generators, lambda: self.ev(node.elt)))

    def ev_GeneratorExp(self, node: ast.GeneratorExp) -> list[Any]:
        # Materialised: a lazy generator would escape the step and time budget.
        return list(self.comprehend(node.generators, lambda: self.ev(node.elt)))

    def ev_SetComp(self, node: ast.SetComp) -> set[Any]:
        return set(self.comprehend(node.generators, lambda: self.ev(node.elt)))

    def ev_DictComp(self, node: ast.DictComp) -> dict[Any, Any]:
        return dict(self.comprehend(node.generators, lambda: (self.ev(node.key), self.ev(node.value))))

    def comprehend(self, generators: list[ast.comprehension], produce: Callable[[], Any]) -> list[Any]:
        results: list[Any] = []
        self.scopes.append({})
        try:
            self._generate(generators, produce, results)
        finally:
            self.scopes.pop()
        return results

    def _generate(self, generators: list[ast.comprehension], produce: Callable[[], Any], out: list[Any]) -> None:
        first, rest = generators[0], generators[1:]
        for item in self.ev(first.iter):
            self.assign(first.target, item)
            if all(self.ev(condition) for condition in first.ifs):
                if rest:
                    self._generate(rest, produce, out)
                else:
                    out.append(produce())
                    self.refuse_larger(len(out), "this comprehension")


_CONTAINERS = (list, tuple, dict, set, frozenset)
_GROWING_METHODS = frozenset({"append", "add"})


def _joined_length(separator: str, items: Any) -> int:
    """Length of `separator.join(items)`, computed without joining (non-text items fail in the join)."""
    items = list(items)
    return sum(len(i) for i in items if isinstance(i, str)) + len(separator) * max(len(items) - 1, 0)


def _replaced_length(text: str, old: Any, new: Any, count: Any = -1) -> int:
    """Length of `text.replace(old, new, count)`, computed without replacing."""
    if not isinstance(old, str) or not isinstance(new, str) or not isinstance(count, int):
        return len(text)  # the call itself refuses the wrong types
    found = text.count(old) if old else len(text) + 1
    if count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _constant_spec(spec: ast.expr) -> Any:
    """The text of a format specification made of constants only; None when any part is computed."""
    values = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    if not all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
        return None
    return "".join(str(v.value) for v in values if isinstance(v, ast.Constant))


def _as_load(target: ast.expr) -> ast.expr:
    """An augmented assignment reads its target first: the same node, read as a value."""
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    if isinstance(target, ast.Subscript):
        return ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
    raise SandboxViolation(Text("cannot assign to {target}", target=_describe(target)), getattr(target, "lineno", None))
