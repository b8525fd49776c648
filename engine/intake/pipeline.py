"""The one way a model enters the engine: bytes in, a checked `Model` out, or `InvalidModel`.

Steps, in order: size cap, compressed or DOCTYPE-bearing input refused, hardened lxml
parse, structural checks (duplicate ids, dangling flows, size), BPMN + spiff XSD
validation, SpiffWorkflow's parser, then the lint (engine/lint.py) with the sandbox.
Every problem found is reported at once, each with the element id and line.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import InvalidModel, Problem, Text, new_reference
from ..pack import Pack
from ..scripting.decisions import Table, TableEngine
from . import dialects, dmn, timers
from .dictionary import derive
from .dmn import MAX_DECISIONS
from .forms import model_forms
from .implicit import split_implicit
from .layout import has_diagram, with_diagram
from .lint import lint
from .properties import FORM_KEY
from .xml import (
    BPMN,
    BPMNDI,
    DEFAULT_MAX_BYTES,
    NOT_FLOW_NODES,
    NS,
    local_name,
    name_unnamed,
    parse_xml,
    problem_at,
    process_name_zh,
    process_parameters,
    property_values,
    serialize,
)

MAX_FLOW_NODES = 400  # in a process, counting the steps inside its sub-processes
MAX_BRANCHES = 50  # flows leaving one element (parallel branches, gateway choices)
MAX_XML_ELEMENTS = 50_000
log = logging.getLogger("crmflow.intake")
_ID_SPACES = (f"{{{BPMN}}}", f"{{{BPMNDI}}}")
# Task-spec names SpiffWorkflow gives its own internal steps; a model element may not take them.
_RESERVED_IDS = frozenset({"Start", "End", "Root"})
_RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")


@dataclass(frozen=True)
class Model:
    """A model that passed intake: its bytes, hash, parsed specs and lint warnings."""

    process_key: str
    name: str
    content_hash: str
    bpmn: bytes
    spec: Any
    subprocess_specs: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    start_form: str | None = None
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # the forms the model carries (forms.py)
    message_forms: dict[str, str] = field(default_factory=dict)  # message name -> the form its data must fit
    dictionary: dict[str, Any] = field(default_factory=dict)  # the names a case holds at each element (dictionary.py)
    name_zh: str | None = None  # the process's name in Chinese (its nameZh property)
    decisions: dict[str, bytes] = field(default_factory=dict)  # decision id -> its DMN document (one table each)
    tables: dict[str, Table] = field(default_factory=dict)  # the same, read (intake/dmn.py)


def content_hash(bpmn: bytes, decisions: Mapping[str, bytes] | None = None) -> str:
    """The identity of a model's bytes: the BPMN and, where it carries decision tables, each of them."""
    digest = hashlib.sha256(bpmn)
    for decision_id in sorted(decisions or {}):
        digest.update(b"\0" + decision_id.encode() + b"\0" + (decisions or {})[decision_id])
    return digest.hexdigest()


def readable(bpmn: bytes, process_key: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[etree._Element, bool]:
    """The first half of intake: safe, well-formed, schema-valid BPMN (holding `process_key`, when given), and
    whether elements the model left without an id were given one (then the tree, not the bytes, is the model).

    A draft is saved once it is readable; lint findings are shown on it and block only its deploy.
    :raises InvalidModel:
    """
    root = parse_xml(bpmn, max_bytes)
    named = name_unnamed(root) > 0
    problems = structural_problems(root)
    if problems:
        raise InvalidModel(problems)
    problems = schema_problems(root)
    if problems:
        raise InvalidModel(problems)
    if process_key is not None and root.find(f"bpmn:process[@id='{process_key}']", NS) is None:
        found = [p.get("id") for p in root.iterfind("bpmn:process", NS)]
        raise InvalidModel([Problem("wrong_process", Text("the model holds no process '{process_key}' (it holds "
                                                          "{names}); keep the process id of the draft",
                                                          process_key=process_key,
                                                          names=', '.join(found) or 'none'))])
    return root, named


def take_in(bpmn: bytes, pack: Pack, process_key: str | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, decisions: Mapping[str, bytes] | None = None) -> Model:
    """Check uploaded BPMN bytes and parse them. :raises InvalidModel: listing every problem

    Nothing else leaves intake: a failure inside it (crmflow's or SpiffWorkflow's) is a refusal too, with a
    reference to the server log, never a server error.
    """
    try:
        return _take_in(bpmn, pack, process_key, max_bytes, dict(decisions or {}))
    except InvalidModel:
        raise
    except RecursionError:
        raise InvalidModel([Problem("model_too_deep", Text("the model nests elements too deeply to be read"))]) from None
    except Exception as exc:  # noqa: BLE001 - the boundary: the uploader gets a refusal, the log the details
        reference = new_reference()
        log.error("intake %s failed on an uploaded model", reference, exc_info=exc)
        raise InvalidModel([Problem("unreadable", Text("crmflow could not read this model (a case it does not handle "
                                                       "yet; reference {reference} in the server log): simplify the "
                                                       "element last changed, or send the file to an administrator",
                                                       reference=reference))]) from None


def _take_in(bpmn: bytes, pack: Pack, process_key: str | None, max_bytes: int,
             decisions: dict[str, bytes]) -> Model:
    root, named = readable(bpmn, None, max_bytes)
    tables = read_decisions(decisions)
    translated, findings = dialects.translate(root, pack)
    split, implicit = split_implicit(root)
    translated, findings = translated or named or split, findings + implicit
    if not has_diagram(root):
        root, translated = with_diagram(root), True
    dictionary = derive(root, pack, tables)
    findings += lint(root, pack, dictionary, tables)
    errors = [p for p in findings if p.severity == "error"]
    if errors:
        raise InvalidModel(errors)
    key = process_key or _top_level_process(root)
    try:
        spec, subprocess_specs = parse_specs(root, key, tables)
    except ValidationException as exc:
        raise InvalidModel([_from_validation(exc)]) from None
    unresolved = _unresolved_calls(spec, subprocess_specs)
    if unresolved:
        raise InvalidModel(unresolved)
    warnings = [p for p in findings if p.severity != "error"]
    if translated:  # what is stored and run is the model as crmflow reads it
        bpmn = serialize(root)
    return Model(key, spec.description or key, content_hash(bpmn, decisions), bpmn, spec, subprocess_specs,
                 process_parameters(root, key), warnings, start_form(root, key), model_forms(root),
                 message_forms(root), dictionary.to_json(), process_name_zh(root, key), decisions, tables)


def read_decisions(decisions: Mapping[str, bytes]) -> dict[str, Table]:
    """The decision tables a model carries, one DMN document each (keyed by its decision's id), every problem of
    every table in one refusal. :raises InvalidModel:"""
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    if len(decisions) > MAX_DECISIONS:
        raise InvalidModel([Problem("too_many_decisions", Text("a process carries at most {most} decision tables",
                                                               most=MAX_DECISIONS))])
    for decision_id, document in decisions.items():
        try:
            found = dmn.read(document)
        except InvalidModel as refused:
            problems += [replace(p, element_id=p.element_id or decision_id) for p in refused.problems]
            continue
        if set(found) != {decision_id}:
            problems.append(Problem("decision_document", Text(
                "the DMN document kept as '{decision}' holds {found}: keep one decision table per document, under "
                "its decision's id", decision=decision_id, found=", ".join(sorted(found)) or "no table"),
                decision_id))
            continue
        tables.update(found)
    if problems:
        raise InvalidModel(problems)
    return tables


class ModelParser(SpiffBpmnParser):
    """SpiffWorkflow's spiff parser with crmflow's decision tables behind its business rule tasks (the
    `dmnEngine` seam SpiffWorkflow's own DMN parser fills): tables read by intake/dmn.py, decided by
    scripting/decisions.py, every hit policy."""

    def __init__(self, tables: Mapping[str, Table]):
        super().__init__()
        self.tables = tables

    def get_engine(self, decision_ref: str, node: Any) -> TableEngine:
        table = self.tables.get(decision_ref)
        if table is None:
            known = ", ".join(sorted(self.tables)) or "none"
            raise ValidationException(Text("the business rule task names decision '{decision}', which this process "
                                           "does not carry (its decisions: {known}): add the table, or name one "
                                           "of them", decision=decision_ref, known=known), node=node, file_name="")
        return TableEngine(table)


def parse_specs(root: etree._Element, process_key: str,
                tables: Mapping[str, Table] | None = None) -> tuple[Any, dict[str, Any]]:
    """SpiffWorkflow's specs of a checked model (timer values normalized first). :raises ValidationException:"""
    timers.normalize(root)
    parser = ModelParser(tables or {})
    parser.add_bpmn_xml(etree.ElementTree(root))
    return parser.get_spec(process_key), parser.get_subprocess_specs(process_key)


def start_form(root: etree._Element, process_key: str) -> str | None:
    """The form a process is started with: the `formKey` property of its (plain) start event, if any."""
    path = (f"bpmn:process[@id='{process_key}']/bpmn:startEvent/bpmn:extensionElements/"
            f"spiffworkflow:properties/spiffworkflow:property[@name='{FORM_KEY.name}']")
    found = root.find(path, NS)
    return found.get("value") if found is not None else None


def message_forms(root: etree._Element) -> dict[str, str]:
    """Message name -> the form key (`formKey` property of the bpmn:message) its data is checked against."""
    keys = {message.get("name"): property_values(message).get(FORM_KEY.name)
            for message in root.iterfind("bpmn:message", NS)}
    return {name: key for name, key in keys.items() if name and key}


def structural_problems(root: etree._Element) -> list[Problem]:
    """Size, duplicate ids and dangling references, with plain messages (before the XSD's)."""
    elements = sum(1 for _ in root.iter())
    if elements > MAX_XML_ELEMENTS:
        return [Problem("model_too_large", Text("the model has {elements} XML elements; the limit is "
                                                "{max_xml_elements}", elements=elements,
                                                max_xml_elements=MAX_XML_ELEMENTS))]
    problems: list[Problem] = []
    seen: dict[str, etree._Element] = {}
    for element in root.iter():
        # Only BPMN and diagram elements share the id space; extension elements (a spiff
        # service operator's id is its name) do not.
        if not isinstance(element.tag, str) or not element.tag.startswith(_ID_SPACES) or element.get("id") is None:
            continue
        element_id = element.get("id")
        if element_id in seen:
            problems.append(problem_at("duplicate_id", Text("id '{element_id}' is used more than once (first on line "
                                                            "{sourceline})", element_id=element_id,
                                                            sourceline=seen[element_id].sourceline), element))
        else:
            seen[element_id] = element
    problems.extend(_reserved_ids(seen))
    for process in root.iterfind("bpmn:process", NS):
        problems.extend(_size_problems(process))
    problems.extend(_call_cycles(root))
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in seen:
                problems.append(problem_at("dangling_flow", Text("sequence flow {end} '{ref}' names no element",
                                                                 end=end, ref=ref), flow))
    problems.extend(_dangling_references(root, seen))
    return problems


# Attributes that name another element of the model, and the kind it must be (None: any element).
_REFERENCES = {"messageRef": "message", "signalRef": "signal", "errorRef": "error", "escalationRef": "escalation",
               "attachedToRef": None, "default": "sequenceFlow"}


def _dangling_references(root: etree._Element, seen: dict[str, etree._Element]) -> list[Problem]:
    problems = []
    for element in root.iter(f"{{{BPMN}}}*"):
        for attribute, kind in _REFERENCES.items():
            ref = element.get(attribute)
            if ref is None:
                continue
            target = seen.get(ref)
            if target is None or kind is not None and local_name(target) != kind:
                what = f"a {kind}" if kind else "an element"
                problems.append(problem_at("dangling_reference", Text("{attribute} '{ref}' names no {what} of this "
                                                                      "model", attribute=attribute, ref=ref[:80],
                                                                      what=what), element))
    return problems


def _reserved_ids(elements: dict[str, etree._Element]) -> list[Problem]:
    return [problem_at("reserved_id", Text("id '{element_id}' is a name the engine uses for its own internal steps; "
                                           "give the element another id (e.g. StartEvent_1)",
                                           element_id=element_id), e)
            for element_id, e in elements.items()
            if element_id in _RESERVED_IDS or element_id.endswith(_RESERVED_SUFFIXES)]


def _size_problems(process: etree._Element) -> list[Problem]:
    """Steps counted with those nested in sub-processes; flows leaving one element bounded."""
    nodes = [e for e in process.iter() if e is not process and isinstance(e.tag, str) and e.get("id")
             and e.tag.startswith(f"{{{BPMN}}}") and local_name(e) not in NOT_FLOW_NODES]
    problems = []
    if len(nodes) > MAX_FLOW_NODES:
        problems.append(problem_at("model_too_large", Text("process has {count} steps (sub-processes included); the "
                                                           "limit is {max_flow_nodes}: split it with call activities",
                                                           count=len(nodes), max_flow_nodes=MAX_FLOW_NODES), process))
    outgoing: dict[str, int] = {}
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        outgoing[flow.get("sourceRef")] = outgoing.get(flow.get("sourceRef"), 0) + 1
    by_id = {e.get("id"): e for e in nodes}
    for element_id, count in outgoing.items():
        if count > MAX_BRANCHES and element_id in by_id:
            problems.append(problem_at("too_many_branches", Text("{count} flows leave this element; the limit is "
                                                                 "{max_branches}", count=count,
                                                                 max_branches=MAX_BRANCHES), by_id[element_id]))
    for cardinality in process.iter(f"{{{BPMN}}}loopCardinality"):
        text = (cardinality.text or "").strip()
        if text.isdigit() and int(text) > MAX_BRANCHES:
            owner = cardinality.getparent().getparent()
            problems.append(problem_at("too_many_branches", Text("multi-instance cardinality {text} exceeds the limit "
                                                                 "of {max_branches}", text=text,
                                                                 max_branches=MAX_BRANCHES), owner))
    return problems


def _call_cycles(root: etree._Element) -> list[Problem]:
    """A call activity that (directly or through others) calls its own process never ends."""
    calls = {p.get("id"): [(c, c.get("calledElement")) for c in p.iter(f"{{{BPMN}}}callActivity")]
             for p in root.iterfind("bpmn:process", NS)}
    problems = []
    for process_id, activities in calls.items():
        for activity, called in activities:
            path = _path_back(calls, called, process_id)
            if path is not None:
                chain = " -> ".join([process_id, *path])
                problems.append(problem_at("call_cycle", Text("calls '{called}', which leads back to '{process_id}' "
                                                              "({chain}): such a case never ends", called=called,
                                                              process_id=process_id, chain=chain), activity))
    return problems


def _path_back(calls: dict[str, list[tuple[etree._Element, str]]], start: str, target: str) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        current, path = stack.pop()
        if current == target:
            return path
        if current in seen or current not in calls:
            continue
        seen.add(current)
        stack.extend((called, [*path, called]) for _, called in calls[current])
    return None


def schema_problems(root: etree._Element) -> list[Problem]:
    """Validate against the BPMN 2.0 and SpiffWorkflow XSDs, after SpiffWorkflow's own preprocessing (bpmn-js
    writes a formalExpression where the XSD wants a messagePath); every violation is listed."""
    VALIDATOR.preprocess(root)
    validator = VALIDATOR.validator
    if validator.validate(root):
        return []
    return [Problem("schema", error.message, _element_at(root, error.line), None, error.line)
            for error in validator.error_log]


def _element_at(root: etree._Element, line: int) -> str | None:
    for element in root.iter():
        if isinstance(element.tag, str) and element.sourceline == line and element.get("id"):
            return element.get("id")
    return None


def top_level_process(bpmn: bytes) -> str:
    """The process a model deploys as (its one executable top-level process). :raises InvalidModel:"""
    return _top_level_process(parse_xml(bpmn, len(bpmn) + 1))


def _top_level_process(root: etree._Element) -> str:
    processes = [p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable", "true") != "false"]
    called = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
    top = [p.get("id") for p in processes if p.get("id") not in called]
    if len(top) != 1:
        listed = ", ".join(top) or "none"
        raise InvalidModel([Problem("process_key", Text("expected one executable top-level process, found: {listed}; "
                                                        "name the process key to deploy", listed=listed))])
    return top[0]


def _unresolved_calls(spec: Any, subprocess_specs: dict[str, Any]) -> list[Problem]:
    problems = []
    for process_spec in [spec, *filter(None, subprocess_specs.values())]:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask) and subprocess_specs.get(task_spec.spec) is None:
                problems.append(Problem("unresolved_call", Text("called process '{spec}' is not in the model",
                                                                spec=task_spec.spec),
                                        task_spec.bpmn_id, task_spec.bpmn_name))
    return problems


# What SpiffWorkflow's parser says (the start of its message), in the words of the person who drew the model.
_SPIFF_WORDS = {
    "No start event found": "the process has no start event: draw one where a case begins",
    "A SubWorkflow Must contain an End event": "this sub-process has no end event: draw one where its work ends",
    "Multiple outgoing flows are not supported": "several flows leave this step: add a gateway after it",
    "Cancel Events may only be used with transactions": "a cancel event belongs inside a transaction sub-process",
    "Unknown Time Specification": "the timer says neither a date, a duration nor a cycle: give it one (e.g. P3D)",
    "Time Specification Error": "the timer's value is not a date, duration or cycle crmflow reads (e.g. P3D)",
    "There is no support implemented for this task type": "crmflow cannot run this kind of element; use a user, "
                                                          "service or script task instead",
    "Duplicate process ID": "two processes have the same id: give each its own",
    "Conditional event definition with missing condition": "the conditional event has no condition: write one",
    "A loopMaximum or loopCondition must be specified": "the loop has neither a maximum nor a condition: give it "
                                                        "one, or it would never end",
    "A multiinstance task must specify a cardinality or a collection": "the multi-instance step says neither how "
                                                                       "many times nor over which list it runs",
    "Expected a": "the event names a message, signal, error or escalation the model does not define",
}


def _from_validation(exc: ValidationException) -> Problem:
    message = str(exc).split("\n")[0]
    missing = re.match(r"The process '([^']{1,128})' was not found", message)
    words = next((plain for start, plain in _SPIFF_WORDS.items() if message.startswith(start)),
                 f"crmflow cannot run this element as it is drawn ({message[:200]})")
    if missing:
        words = (f"a call activity calls process '{missing.group(1)}', which this file does not hold: put the "
                 "called process in the same model (one file may hold several processes)")
    return Problem("bpmn", words, exc.id or None, exc.name or None, exc.line_number or None)
