"""The data dictionary of a model: which names a case holds at each element, and their types.

Derived from the model and the pack at intake and kept with the version. What writes case data:
the start form and each task's form (the pack's JSON Schemas, or the form the model carries), a
message's form, each script's assignments, each service's result (the shape its operator declares
with a return annotation: a TypedDict is a record of typed fields), and the process parameters
(read everywhere, never written). A flow analysis over the sequence flows then says, at each
element, what every path into it has set (`names`) and what only some paths set (`partial`, with
the steps that set them). Where something may bring in data nobody declared (a start without a
start form, a message without a form, a call activity), the element is `open`: a name the
dictionary does not know may still be there, so the checker only warns about it.

Types are small JSON objects: {"type": "number" | "text" | "boolean" | "date" | "list" | "none" |
"any"}, {"type": "enum", "values": [...]}, {"type": "record", "fields": {name: type} | null}.
"""
from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..pack import Pack
from ..scripting.decisions import ParameterRef, Table
from .forms import MODEL_FORM_PREFIX, model_forms
from .properties import FORM_KEY, MEMBER, START_FOR
from .timers import SCHEDULE_DATA
from .xml import BPMN, NOT_FLOW_NODES, NS, local_name, process_parameters, property_values

Type = dict[str, Any]
ANY: Type = {"type": "any"}
_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


@dataclass
class Scope:
    """What a case holds at one element: names every path sets, names only some paths set (and by which
    steps), and whether undeclared data may be there too."""

    names: dict[str, Type] = field(default_factory=dict)
    partial: dict[str, list[str]] = field(default_factory=dict)
    open: bool = False
    origins: dict[str, list[str]] = field(default_factory=dict)  # name -> the steps that set it


@dataclass
class Dictionary:
    """The dictionary of one model: parameters, the pack's functions, and the scope at each element (the scope at
    a sequence flow is what its source left)."""

    parameters: dict[str, Type]
    functions: dict[str, dict[str, Any]]
    scopes: dict[str, Scope]
    decisions: dict[str, list[str]]  # step id -> the decision fields its form records

    def at(self, element_id: str | None) -> Scope:
        """The scope at an element (an open, empty one where the element is unknown)."""
        return self.scopes.get(element_id or "", Scope(open=True))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, as it is kept with the version."""
        return {"parameters": self.parameters, "functions": self.functions, "decisions": self.decisions,
                "elements": {k: {"names": s.names, "partial": s.partial, "open": s.open}
                             for k, s in sorted(self.scopes.items())}}


def decision_fields(schema: Mapping[str, Any]) -> list[str]:
    """The fields of a form that record a decision (`x-decision`: an approval a gateway must read)."""
    return [name for name, spec in schema.get("properties", {}).items() if spec.get("x-decision")]


def of_schema(spec: Mapping[str, Any]) -> Type:
    """The type of a JSON Schema field."""
    kinds = spec.get("type")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"]
    kind = kinds[0] if len(kinds) == 1 else None
    if "enum" in spec and isinstance(spec["enum"], list):
        return {"type": "enum", "values": [v for v in spec["enum"] if v is not None]}
    if kind in ("number", "integer"):
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "string":
        return {"type": "date"} if spec.get("format") in ("date", "date-time") else {"type": "text"}
    if kind == "array":
        return {"type": "list"}
    if kind == "object":
        return {"type": "record", "fields": {k: of_schema(v) for k, v in spec.get("properties", {}).items()} or None}
    return ANY


def of_value(value: Any) -> Type:
    """The type of a value (a parameter's, a constant's)."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, (int, float)):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "text"}
    if value is None:
        return {"type": "none"}
    if isinstance(value, (list, tuple)):
        return {"type": "list"}
    if isinstance(value, dict):
        return {"type": "record", "fields": {str(k): of_value(v) for k, v in value.items()}}
    return ANY


def of_annotation(annotation: Any) -> Type:
    """The type a Python annotation declares (a service's or function's return, a parameter)."""
    if isinstance(annotation, str) or annotation is inspect.Parameter.empty or annotation is Any:
        return ANY
    if annotation is bool:
        return {"type": "boolean"}
    if annotation in (int, float):
        return {"type": "number"}
    if annotation is str:
        return {"type": "text"}
    if typing.is_typeddict(annotation):
        return {"type": "record", "fields": {k: of_annotation(v) for k, v in typing.get_type_hints(annotation).items()}}
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return {"type": "list"}
    if origin is dict or annotation is dict:
        return {"type": "record", "fields": None}
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and len(args) == 1:  # X | None
        return of_annotation(args[0])
    return ANY


def signatures(pack: Pack) -> dict[str, dict[str, Any]]:
    """The pack's functions: their parameters and return types, as conditions may call them."""
    found: dict[str, dict[str, Any]] = {}
    for name, function in pack.functions.items():
        try:
            hints = typing.get_type_hints(function)
            parameters = list(inspect.signature(function).parameters.values())
        except (TypeError, ValueError, NameError):
            found[name] = {"parameters": None, "returns": ANY}
            continue
        if getattr(function, "uses_call", False):
            parameters = parameters[1:]
        found[name] = {"parameters": [p.name for p in parameters],
                       "types": [of_annotation(hints.get(p.name, Any)) for p in parameters],
                       "required": sum(1 for p in parameters if p.default is inspect.Parameter.empty),
                       "returns": of_annotation(hints.get("return", Any))}
    return found


def decision_ref(node: etree._Element) -> str | None:
    """The decision a business rule task names (spiffworkflow:calledDecisionId)."""
    found = node.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS)
    return found.strip() if found else None


def table_outputs(table: Table) -> dict[str, Type]:
    """What a decision table sets: each output, typed by its declared values (else by the values its rules give);
    a list under the hit policies that answer with every match."""
    if table.hit_policy in ("RULE ORDER", "OUTPUT ORDER") or table.hit_policy == "COLLECT" and not table.aggregation:
        return {output.name: {"type": "list"} for output in table.outputs}
    if table.aggregation:
        return {table.outputs[0].name: {"type": "number"}}
    written: dict[str, Type] = {}
    for index, output in enumerate(table.outputs):
        given = output.values or (*(rule.outputs[index] for rule in table.rules),
                                  *((output.default,) if output.has_default else ()))
        values = [v for v in given if v is not None and not isinstance(v, ParameterRef)]
        if values and all(isinstance(v, str) for v in values):
            written[output.name] = {"type": "enum", "values": sorted(set(values))}
        else:
            kinds = {of_value(v)["type"] for v in values}
            written[output.name] = {"type": kinds.pop()} if len(kinds) == 1 else ANY
    return written


def derive(root: etree._Element, pack: Pack, tables: Mapping[str, Table] | None = None) -> Dictionary:
    """The data dictionary of a (schema-valid) model and the decision tables it carries."""
    forms = {**pack.forms, **model_forms(root)}
    parameters: dict[str, Type] = {}
    scopes: dict[str, Scope] = {}
    decisions: dict[str, list[str]] = {}
    for process in root.iterfind("bpmn:process", NS):
        found = {k: of_value(v) for k, v in process_parameters(root, process.get("id", "")).items()}
        parameters.update(found)
        scopes.update(_Flow(root, process, pack, forms, decisions, tables or {}).scopes())
    return Dictionary(parameters, signatures(pack), scopes, decisions)


class _Flow:
    """The forward analysis of one process: what each element writes, then a fixpoint over the flows."""

    def __init__(self, root: etree._Element, process: etree._Element, pack: Pack, forms: Mapping[str, Any],
                 decisions: dict[str, list[str]], tables: Mapping[str, Table]):
        self.root, self.process, self.pack, self.forms, self.decisions = root, process, pack, forms, decisions
        self.tables = tables
        self.messages = {m.get("id"): property_values(m).get(FORM_KEY.name) for m in root.iterfind("bpmn:message", NS)}
        self.nodes = {n.get("id"): n for n in process.iter(f"{{{BPMN}}}*") if n.get("id") and n is not process
                      and local_name(n) not in NOT_FLOW_NODES and local_name(n) not in ("participant", "laneSet")}
        self.next: dict[str, list[str]] = {node: [] for node in self.nodes}
        for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
            if flow.get("sourceRef") in self.next and flow.get("targetRef") in self.nodes:
                self.next[flow.get("sourceRef", "")].append(flow.get("targetRef", ""))
        # a boundary event leaves its step before the step has finished: it sees what reached the step, not what
        # the step would have written
        self.boundaries: dict[str, list[str]] = {node: [] for node in self.nodes}
        for node_id, node in self.nodes.items():
            if local_name(node) == "boundaryEvent" and node.get("attachedToRef") in self.next:
                self.boundaries[node.get("attachedToRef", "")].append(node_id)
            if local_name(node) in _CONTAINERS:  # into a sub-process at its start, out of it at its ends
                for inner in node:
                    if isinstance(inner.tag, str) and local_name(inner) == "startEvent" and inner.get("id"):
                        self.next[node_id].append(inner.get("id", ""))

    def scopes(self) -> dict[str, Scope]:
        writes = {node_id: self._writes(node) for node_id, node in self.nodes.items()}
        starts = [n for n, node in self.nodes.items() if local_name(node) == "startEvent"
                  and node.getparent() is self.process]
        state: dict[str, Scope] = {}
        todo = list(starts)
        entry: dict[str, Scope] = {n: self._at_start(self.nodes[n]) for n in starts}
        for _ in range(50 * (len(self.nodes) + 1)):  # a fixpoint: each pass only adds what paths bring
            if not todo:
                break
            node_id = todo.pop()
            before = entry.get(node_id, Scope())
            written, opens = writes[node_id]
            after = Scope({**before.names, **written}, {k: v for k, v in before.partial.items() if k not in written},
                          before.open or opens, {**before.origins, **{k: [node_id] for k in written}})
            if state.get(node_id) == after:
                continue
            state[node_id] = after
            for target, arriving in [*((t, after) for t in self.next[node_id]),
                                     *((t, before) for t in self.boundaries[node_id])]:
                merged = _merge(entry.get(target), arriving)
                if merged != entry.get(target):
                    entry[target] = merged
                    todo.append(target)
        scopes = {n: entry.get(n, Scope(open=True)) for n in self.nodes}  # at an element: what reaches it
        for flow in self.process.iter(f"{{{BPMN}}}sequenceFlow"):  # at a flow: what its source left
            scopes[flow.get("id", "")] = state.get(flow.get("sourceRef", ""), Scope(open=True))
        return scopes

    def _at_start(self, node: etree._Element) -> Scope:
        """What a case holds as it starts: its start form's fields (anything, without one); a case started by its
        schedule holds the firing it was started for and, started for each member of a group, the member."""
        if node.find("bpmn:timerEventDefinition", NS) is not None:
            names = {name: of_value("") for name in SCHEDULE_DATA}
            if property_values(node).get(START_FOR.name):
                names[MEMBER] = of_value("")
            return Scope(names, origins={name: [node.get("id", "")] for name in names})
        return Scope(open=not property_values(node).get(FORM_KEY.name))

    def _writes(self, node: etree._Element) -> tuple[dict[str, Type], bool]:
        """(the names an element sets, with their types; whether it may bring in undeclared data)."""
        kind, form_key = local_name(node), property_values(node).get(FORM_KEY.name) or ""
        written: dict[str, Type] = {}
        opens = False
        if kind in ("userTask", "manualTask", "startEvent") and form_key:
            schema = self.forms.get(form_key)
            if isinstance(schema, Mapping):
                written.update({k: of_schema(v) for k, v in schema.get("properties", {}).items()})
                found = decision_fields(schema)
                if found and kind != "startEvent":
                    self.decisions[node.get("id", "")] = found
            elif not form_key.startswith(MODEL_FORM_PREFIX):
                opens = True
        operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is not None and operator.get("resultVariable"):
            service = self.pack.services.get(operator.get("id", ""))
            returns = typing.get_type_hints(service).get("return", Any) if service is not None else Any
            written[operator.get("resultVariable", "")] = of_annotation(returns)
        if kind == "businessRuleTask":
            table = self.tables.get(decision_ref(node) or "")
            if table is None:
                opens = True
            else:
                written.update(table_outputs(table))
        for script in _scripts_of(node):
            written.update(assignments(script))
        definition = node.find("bpmn:messageEventDefinition", NS)
        message = node.get("messageRef") if kind == "receiveTask" else (
            definition.get("messageRef") if definition is not None else None)
        if message is not None or definition is not None:
            schema = self.forms.get(self.messages.get(message) or "")
            if isinstance(schema, Mapping):
                written.update({k: of_schema(v) for k, v in schema.get("properties", {}).items()})
            else:
                opens = True
        if kind == "callActivity":
            opens = True
        return written, opens


def _scripts_of(node: etree._Element) -> Iterator[str]:
    if local_name(node) == "scriptTask":
        script = node.find("bpmn:script", NS)
        if script is not None and script.text:
            yield script.text
    for hook in node.xpath("bpmn:extensionElements/spiffworkflow:preScript | "
                           "bpmn:extensionElements/spiffworkflow:postScript", namespaces=NS):
        if hook.text:
            yield hook.text


def assignments(script: str) -> dict[str, Type]:
    """The names a script assigns at its top level, with the type of what it assigns where plain to see."""
    try:
        tree = ast.parse(script)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    found: dict[str, Type] = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.For)) else []
        value = node.value if isinstance(node, (ast.Assign, ast.AugAssign)) else None
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    kind = _literal_type(value) if isinstance(target, ast.Name) else ANY
                    found[name.id] = kind if name.id not in found or found[name.id] == kind else ANY
    return found


def _literal_type(value: ast.expr | None) -> Type:
    if isinstance(value, ast.Constant):
        return of_value(value.value)
    if isinstance(value, (ast.Compare, ast.BoolOp)) or isinstance(value, ast.UnaryOp) and isinstance(
            value.op, ast.Not):
        return {"type": "boolean"}
    if isinstance(value, (ast.List, ast.ListComp, ast.Tuple)):
        return {"type": "list"}
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return {"type": "record", "fields": None}
    if isinstance(value, ast.JoinedStr):
        return {"type": "text"}
    return ANY


def _merge(into: Scope | None, arriving: Scope) -> Scope:
    """What reaches an element from one more path: names on every path stay definite, the others partial."""
    if into is None:
        return Scope(dict(arriving.names), dict(arriving.partial), arriving.open, dict(arriving.origins))
    names = {k: (t if arriving.names[k] == t else ANY) for k, t in into.names.items() if k in arriving.names}
    origins = {k: sorted(set(into.origins.get(k, [])) | set(arriving.origins.get(k, [])))
               for k in into.origins.keys() | arriving.origins.keys()}
    maybe = (into.names.keys() | arriving.names.keys() | into.partial.keys() | arriving.partial.keys()) - names.keys()
    return Scope(names, {k: origins.get(k, []) for k in sorted(maybe)}, into.open or arriving.open, origins)


EMPTY = Dictionary({}, {}, {}, {})  # where nothing is known: every scope open
