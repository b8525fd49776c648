"""Models from Camunda 8 (Zeebe): its extension elements read as crmflow's properties, its FEEL conditions as
sandbox expressions.

`zeebe:taskDefinition type` names the pack service a service task runs; `zeebe:assignmentDefinition` says who
works a user task (a name, or `=field` for the person held in a case data field); `zeebe:formDefinition` and
`zeebe:formKey` give its form; `zeebe:calledElement processId` the process a call activity starts. A condition
written in FEEL (`=amount > 100 and region = "east"`) becomes a sandbox expression when it stays within a small
subset (comparisons, and/or/not, arithmetic, paths); anything else, and an input or output mapping that changes
data, is refused naming the element and what to write instead.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lxml import etree

from ..errors import Problem, Text
from .expressions import Grammar, Untranslatable, translated
from .properties import FORM_KEY
from .xml import BPMN, NS, local_name, problem_at, set_property

ZEEBE = "http://camunda.org/schema/zeebe/1.0"
FEEL = Grammar(
    "FEEL", "comparisons, and, or, not(), arithmetic, a.b",
    re.compile(r"""\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>"(?:[^"\\]|\\.)*")
                  |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
                  |(?P<op>!=|<=|>=|[=<>+\-*/()]))""", re.X),
    {"and": "and", "or": "or", "not": "not", "true": "True", "false": "False", "null": "None"}, {"=": "=="},
    "a FEEL function")
_INSTEAD = "write it as a plain condition such as amount > 1000000 and region == 'east'"

People = Callable[[etree._Element, dict[str, str], str], Iterator[Problem]]
Service = Callable[[etree._Element, dict[str, str], str], Iterator[Problem]]


def uses_zeebe(root: etree._Element) -> bool:
    """Whether the model was written for Camunda 8 (declares Zeebe's namespace)."""
    return ZEEBE in root.nsmap.values() or root.find(f".//{{{ZEEBE}}}*") is not None


def feel(expression: str) -> str:
    """The sandbox expression for a FEEL expression (after its leading `=`). :raises Untranslatable:"""
    return translated(expression, FEEL)


def condition(element: etree._Element) -> Iterator[Problem]:
    """Rewrite a FEEL condition (`=...`) in place."""
    text = (element.text or "").strip()
    try:
        element.text = feel(text[1:])
    except Untranslatable as exc:
        yield problem_at("dialect", Text("condition {text}: {exc}; {instead}", text=text[:80], exc=exc,
                                         instead=_INSTEAD), element.getparent())


def translate(element: etree._Element, people: People, service: Service, decision: Service) -> Iterator[Problem]:
    """Read the Zeebe extension elements of one BPMN element as crmflow's properties."""
    extensions = element.find("bpmn:extensionElements", NS)
    if extensions is None:
        return
    kind = local_name(element)
    task = extensions.find(f"{{{ZEEBE}}}taskDefinition")
    if task is not None and kind in ("serviceTask", "sendTask", "businessRuleTask", "scriptTask") \
            and extensions.find("spiffworkflow:serviceTaskOperator", NS) is None:
        yield from service(element, {"type": (task.get("type") or "").strip()}, "zeebe")
    called = extensions.find(f"{{{ZEEBE}}}calledDecision")
    if called is not None and kind == "businessRuleTask" and (called.get("decisionId") or "").strip():
        yield from decision(element, {"decisionRef": called.get("decisionId", ""),
                                      "resultVariable": called.get("resultVariable", "")}, "zeebe")
    assignment = extensions.find(f"{{{ZEEBE}}}assignmentDefinition")
    if assignment is not None and kind == "userTask":
        yield from people(element, {name: _as_juel(assignment.get(name) or "")
                                    for name in ("assignee", "candidateGroups", "candidateUsers")}, "zeebe")
    form = extensions.find(f"{{{ZEEBE}}}formDefinition")
    key = (form.get(FORM_KEY.name) or (f"camunda-forms:{form.get('formId')}" if form.get("formId") else None)
           if form is not None else None)  # a linked form lives in Camunda's own form store
    legacy = extensions.find(f"{{{ZEEBE}}}formKey")  # early Zeebe versions
    key = key or (legacy.text.strip() if legacy is not None and legacy.text else None)
    if key and kind in ("userTask", "startEvent"):
        set_property(element, FORM_KEY.name, key)
    script = extensions.find(f"{{{ZEEBE}}}script")
    if script is not None and kind == "scriptTask" and element.find("bpmn:script", NS) is None:
        yield from _script(element, script)
    called = extensions.find(f"{{{ZEEBE}}}calledElement")
    if called is not None and kind == "callActivity" and called.get("processId"):
        element.set("calledElement", called.get("processId", "").removeprefix("=").strip())
    yield from _mappings(element, extensions)


def _script(element: etree._Element, script: etree._Element) -> Iterator[Problem]:
    """A FEEL script task (`zeebe:script expression="=a + b" resultVariable="c"`) as the script `c = a + b`."""
    expression, result = (script.get("expression") or "").strip(), (script.get("resultVariable") or "").strip()
    if not expression.startswith("=") or not result.isidentifier():
        yield problem_at("dialect", Text("zeebe:script needs a FEEL expression (=...) and a resultVariable"), element)
        return
    try:
        body = feel(expression[1:])
    except Untranslatable as exc:
        yield problem_at("dialect", Text("zeebe:script {expression}: {exc}; write it as a plain expression",
                                         expression=expression[:80], exc=exc), element)
        return
    etree.SubElement(element, f"{{{BPMN}}}script").text = f"{result} = {body}"


def _as_juel(value: str) -> str:
    """A Zeebe assignment value as the Camunda 7 form `_people` reads: `=field` is `${field}`, `="bob"` is bob."""
    value = value.strip()
    if not value.startswith("="):
        return value
    body = value[1:].strip()
    literal = re.fullmatch(r'"([^"]*)"', body)
    return literal.group(1) if literal else "${" + body + "}"


def _mappings(element: etree._Element, extensions: etree._Element) -> Iterator[Problem]:
    """Input and output mappings that only pass a field on under its own name are harmless; others change data,
    which crmflow does not do behind the model's back."""
    for mapping in extensions.iterfind(f"{{{ZEEBE}}}ioMapping/*"):
        source = (mapping.get("source") or "").strip().removeprefix("=").strip()
        if source != (mapping.get("target") or "").strip():
            yield problem_at("dialect", Text("zeebe:{mapping} maps '{source}' to '{target}'; crmflow does not rename "
                                             "or compute data between steps: name the field the same in both, or "
                                             "compute it in a script task", mapping=local_name(mapping),
                                             source=source[:40], target=(mapping.get('target') or '')[:40]),
                             element)
