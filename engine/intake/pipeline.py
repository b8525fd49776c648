"""The one way a model enters the engine: bytes in, a checked `Model` out, or `InvalidModel`.

Steps, in order: size cap, compressed or DOCTYPE-bearing input refused, hardened lxml
parse, structural checks (duplicate ids, dangling flows, size), BPMN + spiff XSD
validation, SpiffWorkflow's parser, then the lint (engine/lint.py) with the sandbox.
Every problem found is reported at once, each with the element id and line.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import InvalidModel, Problem
from ..pack import Pack
from .lint import lint
from .xml import BPMN, BPMNDI, DEFAULT_MAX_BYTES, NS, local_name, parse_xml

MAX_FLOW_NODES = 400
MAX_XML_ELEMENTS = 50_000
_ID_SPACES = (f"{{{BPMN}}}", f"{{{BPMNDI}}}")


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


def content_hash(bpmn: bytes) -> str:
    """The identity of a model's bytes."""
    return hashlib.sha256(bpmn).hexdigest()


def take_in(bpmn: bytes, pack: Pack, process_key: str | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES) -> Model:
    """Check uploaded BPMN bytes and parse them. :raises InvalidModel: listing every problem"""
    root = parse_xml(bpmn, max_bytes)
    problems = structural_problems(root)
    if problems:
        raise InvalidModel(problems)
    problems = schema_problems(root)
    if problems:
        raise InvalidModel(problems)
    findings = lint(root, pack)
    errors = [p for p in findings if p.severity == "error"]
    if errors:
        raise InvalidModel(errors)
    key = process_key or _top_level_process(root)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root))
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise InvalidModel([_from_validation(exc)]) from None
    unresolved = _unresolved_calls(spec, subprocess_specs)
    if unresolved:
        raise InvalidModel(unresolved)
    warnings = [p for p in findings if p.severity != "error"]
    return Model(key, spec.description or key, content_hash(bpmn), bpmn, spec, subprocess_specs,
                 process_parameters(root, key), warnings)


def process_parameters(root: etree._Element, process_key: str) -> dict[str, Any]:
    """Named values declared on the process (thresholds, limits): visible to expressions, read-only.

    Declared as spiffworkflow:property elements in the process's extensionElements; values
    are read as JSON (numbers, true/false, quoted strings) and otherwise kept as text.
    """
    path = (f"bpmn:process[@id='{process_key}']/bpmn:extensionElements/"
            "spiffworkflow:properties/spiffworkflow:property")
    parameters = {}
    for prop in root.iterfind(path, NS):
        value = prop.get("value", "")
        try:
            parameters[prop.get("name")] = json.loads(value)
        except ValueError:
            parameters[prop.get("name")] = value
    return parameters


def structural_problems(root: etree._Element) -> list[Problem]:
    """Size, duplicate ids and dangling references, with plain messages (before the XSD's)."""
    elements = sum(1 for _ in root.iter())
    if elements > MAX_XML_ELEMENTS:
        return [Problem("model_too_large", f"the model has {elements} XML elements; the limit is {MAX_XML_ELEMENTS}")]
    problems: list[Problem] = []
    seen: dict[str, etree._Element] = {}
    for element in root.iter():
        # Only BPMN and diagram elements share the id space; extension elements (a spiff
        # service operator's id is its name) do not.
        if not isinstance(element.tag, str) or not element.tag.startswith(_ID_SPACES) or element.get("id") is None:
            continue
        element_id = element.get("id")
        if element_id in seen:
            problems.append(Problem("duplicate_id", f"id '{element_id}' is used more than once "
                                    f"(first on line {seen[element_id].sourceline})", element_id,
                                    element.get("name"), element.sourceline))
        else:
            seen[element_id] = element
    for process in root.iterfind("bpmn:process", NS):
        nodes = [e for e in process if isinstance(e.tag, str) and e.get("id") and
                 local_name(e) not in ("sequenceFlow", "laneSet", "dataObject", "dataObjectReference")]
        if len(nodes) > MAX_FLOW_NODES:
            problems.append(Problem("model_too_large", f"process has {len(nodes)} elements; the limit is "
                                    f"{MAX_FLOW_NODES}: split it with call activities", process.get("id"),
                                    process.get("name"), process.sourceline))
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in seen:
                problems.append(Problem("dangling_flow", f"sequence flow {end} '{ref}' names no element",
                                        flow.get("id"), flow.get("name"), flow.sourceline))
    return problems


def schema_problems(root: etree._Element) -> list[Problem]:
    """Validate against the BPMN 2.0 and SpiffWorkflow XSDs; every violation is listed."""
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


def _top_level_process(root: etree._Element) -> str:
    processes = [p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable", "true") != "false"]
    called = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
    top = [p.get("id") for p in processes if p.get("id") not in called]
    if len(top) != 1:
        listed = ", ".join(top) or "none"
        raise InvalidModel([Problem("process_key", f"expected one executable top-level process, found: {listed}; "
                                    "name the process key to deploy")])
    return top[0]


def _unresolved_calls(spec: Any, subprocess_specs: dict[str, Any]) -> list[Problem]:
    problems = []
    for process_spec in [spec, *filter(None, subprocess_specs.values())]:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, SubWorkflowTask) and subprocess_specs.get(task_spec.spec) is None:
                problems.append(Problem("unresolved_call", f"called process '{task_spec.spec}' is not in the model",
                                        task_spec.bpmn_id, task_spec.bpmn_name))
    return problems


def _from_validation(exc: ValidationException) -> Problem:
    message = str(exc).split("\n")[0]
    return Problem("bpmn", message, exc.id or None, exc.name or None, exc.line_number or None)
