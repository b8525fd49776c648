"""Models from Camunda 7, Flowable and Activiti modelers (and Camunda 8, through zeebe.py): read as crmflow's.

Runs on intake after the schema check and before lint, rewriting the tree in place:
`assignee`, `candidateGroups`, `candidateUsers`, `formKey` and `dueDate` on user tasks become
crmflow's properties and their declared form fields a JSON Schema form (forms.py); `${...}`
conditions in the common JUEL subset become sandbox expressions; service tasks naming a class,
delegate expression, expression or external topic run the pack service of that name. Anything
outside the subset is a problem naming the element, its line and what to write instead. The
translated tree is what is stored and run.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from ..errors import Problem, Text
from ..pack import Pack
from . import forms, zeebe
from .durations import parse_duration
from .expressions import Grammar, Untranslatable, translated
from .properties import ASSIGNEE_FROM, CANDIDATE_GROUP, DUE_IN, FORM_KEY
from .xml import (
    BPMN,
    NS,
    SPIFF,
    extension_elements,
    local_name,
    problem_at,
    property_values,
    set_called_decision,
    set_property,
)

DIALECTS = {
    "http://camunda.org/schema/1.0/bpmn": "camunda",
    "http://flowable.org/bpmn": "flowable",
    "http://activiti.org/bpmn": "activiti",
}
_EXPRESSION = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
JUEL = Grammar(
    "JUEL", "comparisons, &&, ||, !, and/or/not, arithmetic, empty, a.b",
    re.compile(r"""\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
                  |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
                  |(?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*/%()]))""", re.X),
    {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
     "div": "/", "mod": "%", "true": "True", "false": "False", "null": "None", "empty": "not"},
    {"&&": "and", "||": "or", "!": "not"}, "a method")
_INSTEAD = "write it as a plain condition such as amount > 1000000 and region == 'east'"


def juel(expression: str) -> str:
    """The sandbox expression for a JUEL expression body (without `${}`). :raises Untranslatable:"""
    return translated(expression, JUEL)


def translate(root: etree._Element, pack: Pack) -> tuple[bool, list[Problem]]:
    """Rewrite the dialects' attributes in place. Returns (whether anything changed, problems found)."""
    problems: list[Problem] = []
    changed = False
    camunda8 = zeebe.uses_zeebe(root)
    for element in root.iter(f"{{{BPMN}}}*"):
        if camunda8:  # the tree is rewritten as crmflow reads it
            changed = True
            problems.extend(zeebe.translate(element, _people, lambda e, v, d: _service(e, v, d, pack), _decision))
            if local_name(element) == "conditionExpression" and (element.text or "").strip().startswith("="):
                problems.extend(zeebe.condition(element))
        if local_name(element) in ("userTask", "startEvent"):
            for namespace, dialect in DIALECTS.items():
                fields = forms.declared_fields(element, namespace)
                if fields:
                    changed = True
                    problems.extend(forms.translate(element, fields, dialect, namespace))
        foreign = {(DIALECTS[etree.QName(k).namespace], etree.QName(k).localname): v
                   for k, v in element.attrib.items() if etree.QName(k).namespace in DIALECTS}
        if foreign:
            changed = True
            problems.extend(_attributes(element, foreign, pack))
        if local_name(element) == "conditionExpression" and element.text and _EXPRESSION.match(element.text):
            changed = True
            flow = element.getparent()
            try:
                element.text = juel(_EXPRESSION.match(element.text).group(1))  # type: ignore[union-attr]
            except Untranslatable as exc:
                problems.append(problem_at("dialect", Text("condition {strip}: {exc}; {instead}",
                                                           strip=element.text.strip()[:80], exc=exc,
                                                           instead=_INSTEAD),
                                         flow))
    generic = list(_foreign_forms(root, pack))
    return changed or bool(generic), problems + generic


# Form keys of other tools' task lists (embedded:app:..., camunda-forms:..., app:forms/x.html): no form of the pack.
_FOREIGN_FORM = re.compile(r"[:/]|\.(html?|form|json)$")


def _foreign_forms(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    """A step whose form lives in another tool's task list shows the fields its process reads instead, as
    Camunda's Tasklist shows a generic form."""
    fields: dict[str, dict[str, Any]] | None = None
    for element in root.xpath(".//bpmn:userTask | .//bpmn:startEvent", namespaces=NS):
        properties = property_values(element)
        key = properties.get(FORM_KEY.name) or ""
        if not key or "formSchema" in properties or pack.knows_form(key) or not _FOREIGN_FORM.search(key):
            continue
        if fields is None:
            fields = forms.read_fields(root, set(pack.functions) | _written(root))
        forms.generic_form(element, fields)
        listed = ", ".join(fields) or "none"
        yield problem_at("foreign_form", Text("form '{key}' belongs to another tool's task list; the step shows a "
                                              "form of the fields its process reads instead ({listed})", key=key[:80],
                                              listed=listed[:200]), element, "warning")


def _written(root: etree._Element) -> set[str]:
    """Names the model's scripts assign (the case holds them; nobody types them in)."""
    names: set[str] = set()
    for script in root.iterfind(".//bpmn:script", NS):
        try:
            tree = ast.parse(script.text or "")
        except (SyntaxError, ValueError, RecursionError):
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _attributes(element: etree._Element, foreign: dict[tuple[str, str], str], pack: Pack) -> Iterator[Problem]:
    values = {name: value.strip() for (_, name), value in foreign.items()}
    dialect = next(iter(foreign))[0]
    kind = local_name(element)
    if kind in ("userTask", "startEvent"):
        if values.get(FORM_KEY.name) and "formSchema" not in property_values(element):
            set_property(element, FORM_KEY.name, values[FORM_KEY.name])
    if kind == "userTask":
        yield from _people(element, values, dialect)
        if values.get("dueDate"):
            try:
                parse_duration(values["dueDate"])
                set_property(element, DUE_IN.name, values["dueDate"])
            except Exception:  # noqa: BLE001 - any unreadable value gets the same advice
                yield problem_at("dialect", Text("{dialect}:dueDate '{values}' is not a duration crmflow reads; write "
                                                 "an ISO 8601 duration such as P3D (due three days after the task "
                                                 "starts)", dialect=dialect, values=values['dueDate'][:60]),
                               element)
    if kind == "businessRuleTask" and values.get("decisionRef"):
        yield from _decision(element, values, dialect)
        return
    if kind in ("serviceTask", "sendTask", "businessRuleTask") and element.find(
            "bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS) is None:
        yield from _service(element, values, dialect, pack)


def named_decisions(root: etree._Element) -> set[str]:
    """The decision ids a model's business rule tasks name, as crmflow, Camunda (decisionRef) or Zeebe
    (calledDecision) write them."""
    found: set[str] = set()
    for task in root.iterfind(".//bpmn:businessRuleTask", NS):
        own = task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS)
        found.update(v.strip() for v in (own,) if v and v.strip())
        found.update(value.strip() for name, value in task.attrib.items()
                     if etree.QName(name).localname == "decisionRef" and value.strip())
        found.update(called.get("decisionId", "").strip() for called in task.iterfind("bpmn:extensionElements/*", NS)
                     if etree.QName(called).localname == "calledDecision" and called.get("decisionId", "").strip())
    return found


def _decision(element: etree._Element, values: dict[str, str], dialect: str) -> Iterator[Problem]:
    """A business rule task calling a decision (camunda:decisionRef, zeebe:calledDecision) runs that table of the
    process; its outputs are set by their names (a result variable holding them all is not made)."""
    set_called_decision(element, values["decisionRef"].strip())
    result = values.get("resultVariable")
    if result and result.strip():
        yield problem_at("dialect_partial", Text(
            "{dialect}: the decision's result goes into the case data fields its outputs name, not into "
            "'{result}': read the outputs by their names after the business rule task", dialect=dialect,
            result=result.strip()[:60]), element, "warning")


def _people(element: etree._Element, values: dict[str, str], dialect: str) -> Iterator[Problem]:
    assignee = values.get("assignee")
    if assignee:
        found = _EXPRESSION.match(assignee)
        if found is None:
            set_property(element, "assignee", assignee)
        elif re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", found.group(1)):
            set_property(element, ASSIGNEE_FROM.name, found.group(1).strip())
        else:
            yield problem_at("dialect", Text("{dialect}:assignee '{assignee}' is an expression crmflow does not "
                                             "translate; name a user, or ${{field}} for the user held in a case data "
                                             "field", dialect=dialect, assignee=assignee[:60]), element)
    groups = [g.strip() for g in values.get("candidateGroups", "").split(",") if g.strip()]
    users = [u.strip() for u in values.get("candidateUsers", "").split(",") if u.strip()]
    if groups:
        set_property(element, CANDIDATE_GROUP.name, groups[0])
        if len(groups) > 1:
            yield problem_at("dialect_partial", Text("{dialect}:candidateGroups names {count} groups; crmflow offers "
                                                     "the task to the first, '{groups}' (put the others in that group)",
                                                     dialect=dialect, count=len(groups), groups=groups[0]), element, "warning")
    if users and not assignee:
        set_property(element, "assignee", users[0])
        if len(users) > 1 or groups:
            yield problem_at("dialect_partial", Text("{dialect}:candidateUsers: the task goes to '{users}' only",
                                                     dialect=dialect, users=users[0]),
                           element, "warning")


def _service(element: etree._Element, values: dict[str, str], dialect: str, pack: Pack) -> Iterator[Problem]:
    named = next(((k, values[k]) for k in ("topic", "type", "class", "delegateExpression", "expression")
                  if values.get(k)), None)
    if named is None:
        return
    attribute, value = named
    candidates = _service_names(value)
    service = next((c for c in candidates if c in pack.services), None)
    if service is None:
        known = ", ".join(sorted(pack.services)[:40]) or "none"
        yield problem_at("unknown_service", Text("{dialect}:{attribute} '{value}' names no service of the '{name}' "
                                                 "pack; its services are: {known}", dialect=dialect,
                                                 attribute=attribute, value=value[:80], name=pack.name,
                                                 known=known), element)
        return
    operator = etree.SubElement(extension_elements(element), f"{{{SPIFF}}}serviceTaskOperator", id=service,
                                resultVariable=values.get("resultVariable") or service)
    parameters = etree.SubElement(operator, f"{{{SPIFF}}}parameters")
    for name, required in pack.service_parameters(service).items():
        if required:  # read from the case data field of that name
            etree.SubElement(parameters, f"{{{SPIFF}}}parameter", id=name, type="any", value=name)


def _service_names(value: str) -> list[str]:
    """What a class name, delegate expression or topic may call a pack service: RegisterCustomerDelegate,
    ${registerCustomer}, register-customer -> register_customer."""
    found = _EXPRESSION.match(value)
    text = (found.group(1) if found else value).strip().split(".")[-1]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).replace("-", "_").lower()
    names = [snake]
    for suffix in ("_delegate", "_service", "_task", "_handler", "_worker"):
        if snake.endswith(suffix):
            names.append(snake.removesuffix(suffix))
    return names
