"""Model rules checked at deploy time, read from the XML so every finding names its element and line.

Every condition, script, timer and service parameter is compiled by the sandbox here, so
a model that would fail the sandbox never becomes a version.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from ..errors import InvalidData, Problem, SandboxViolation, Text, template
from ..pack import Pack
from ..scripting.decisions import Table
from ..scripting.sandbox import SAFE_BUILTINS, Program, compile_expression, compile_script
from . import timers
from .checker import findings_for, separators
from .dictionary import EMPTY, Dictionary, Scope, decision_ref, derive
from .durations import parse_duration
from .forms import MODEL_FORM_PREFIX, lint_model_forms
from .properties import ASSIGNMENT, DUE_IN, FORM_KEY, SEPARATE_FROM, START_FOR
from .table_lint import lint_table
from .xml import BPMN, NOT_FLOW_NODES, NS, local_name, problem_at, process_parameters, property_values

_CONTAINERS = ("process", "subProcess", "transaction")
# Five to seven cron fields (Quartz, as Camunda writes them: "0 0 9 * * ?", "0 9 * * MON-FRI").
_CRON = re.compile(r"^\s*[0-9*?/,#LW-]+(\s+[0-9A-Za-z*?/,#LW-]+){4,6}\s*$")


def lint(root: etree._Element, pack: Pack, dictionary: Dictionary | None = None,
         tables: Mapping[str, Table] | None = None) -> list[Problem]:
    """All errors and warnings of a schema-valid model and the decision tables it carries (checked against its
    data dictionary: derived here unless given)."""
    problems: list[Problem] = []
    dictionary = dictionary or derive(root, pack, tables)
    problems.extend(_decision_tasks(root, pack, dictionary, tables or {}))
    problems.extend(_conditions(root, pack, dictionary))
    problems.extend(_scripts(root, pack, dictionary))
    problems.extend(decisions_unread(root, dictionary))
    problems.extend(_service_parameters(root, pack, dictionary))
    for check in (_gateways, _timers, _start_for, _services, _human_tasks, _step_names, _start_forms, _model_forms,
                  _message_forms, _reachability):
        problems.extend(check(root, pack))
    return problems


def _decision_tasks(root: etree._Element, pack: Pack, dictionary: Dictionary,
                    tables: Mapping[str, Table]) -> Iterator[Problem]:
    """Each business rule task names a table the process carries; each column of that table reads what the case
    holds there (checked like a condition); the table itself passes the table lint."""
    linted: set[str] = set()
    for task in root.iterfind(".//bpmn:businessRuleTask", NS):
        ref = decision_ref(task)
        if not ref:
            yield problem_at("no_decision", Text("the business rule task names no decision table: set its decision "
                                                 "(calledDecisionId)"), task)
            continue
        table = tables.get(ref)
        if table is None:
            yield problem_at("no_decision", Text("the business rule task names decision '{decision}', which this "
                                                 "process does not carry (its decisions: {known})", decision=ref,
                                                 known=", ".join(sorted(tables)) or "none"), task)
            continue
        scope = dictionary.at(task.get("id"))
        domains: dict[str, list[Any]] = {}
        for column in table.columns:
            yield from _value_problems(column.expression, task, pack, dictionary,
                                       template("decision “{table}”, input “{column}”: {message}"),
                                       table=table.title(), column=column.label)
            known = scope.names.get(column.expression)
            if known and known.get("type") == "enum":
                domains[column.expression] = list(known.get("values") or [])
        if ref not in linted:
            linted.add(ref)
            for found in lint_table(table, domains, dictionary.parameters):
                yield Problem(found.code, Text("decision “{table}”: {message}", table=table.title(),
                                               message=found.message), task.get("id"), task.get("name"),
                              task.sourceline, found.severity)


def _gateways(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for gateway in root.xpath(".//bpmn:exclusiveGateway | .//bpmn:inclusiveGateway", namespaces=NS):
        flows = root.xpath(".//bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NS, id=gateway.get("id"))
        if len(flows) < 2:
            continue
        default = gateway.get("default")
        for flow in flows:
            if flow.get("id") != default and flow.find("bpmn:conditionExpression", NS) is None:
                yield problem_at("missing_condition", Text("flow leaves gateway '{id}' without a condition and is not "
                                                           "its default flow", id=gateway.get('id')), flow)
        if default is None:
            yield problem_at("no_default_flow", Text("gateway has no default flow: if no condition holds, the "
                                                     "instance stops with an incident"), gateway, "warning")


def _conditions(root: etree._Element, pack: Pack, dictionary: Dictionary) -> Iterator[Problem]:
    for expression in root.iterfind(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS):
        flow = expression.getparent()
        yield from condition_problems((expression.text or "").strip(), flow, pack, dictionary)


def condition_problems(text: str, flow: etree._Element, pack: Pack,
                       dictionary: Dictionary | None = None) -> Iterator[Problem]:
    """What intake says about one gateway condition on `flow`, checked against the dictionary when given."""
    if not text:
        yield problem_at("empty_condition", Text("condition is empty"), flow)
        return
    spaced = separators(text)
    program, problem = _compile(text, "eval", flow, pack)
    if problem:
        yield problem_at(spaced.code, spaced.message, flow) if spaced and problem.code == "sandbox" else problem
        return
    if program is not None and _constant_false(program):
        yield problem_at("condition_never_true", Text("condition '{text}' can never be true, so this flow is never "
                                                      "taken", text=text), flow, "warning")
    if program is not None:
        scope = dictionary.at(flow.get("id")) if dictionary is not None else Scope(open=True)
        for finding in findings_for("eval", program.tree, text, dictionary or EMPTY, scope):
            yield problem_at(finding.code, Text("condition '{text}': {message}", text=_short(text),
                                                message=finding.message), flow, finding.severity)


def condition_problem(text: str, pack: Pack, dictionary: Dictionary | None = None,
                      flow_id: str | None = None) -> Problem | None:
    """The first thing intake would say about one gateway condition (on `flow_id`, in context), if anything."""
    flow = etree.Element(f"{{{BPMN}}}sequenceFlow", **({"id": flow_id} if flow_id else {}))
    problems = sorted(condition_problems(text.strip(), flow, pack, dictionary), key=lambda p: p.severity != "error")
    return problems[0] if problems else None


def _scripts(root: etree._Element, pack: Pack, dictionary: Dictionary) -> Iterator[Problem]:
    for process in root.iterfind("bpmn:process", NS):
        parameters = process_parameters(root, process.get("id", ""))
        for task in process.iterfind(".//bpmn:scriptTask", NS):
            script = task.find("bpmn:script", NS)
            if script is None or not (script.text or "").strip():
                yield problem_at("empty_script", Text("script task has no script"), task)
                continue
            yield from _script_problems(script.text, task, parameters, pack, dictionary)
        for hook in process.xpath(".//spiffworkflow:preScript | .//spiffworkflow:postScript", namespaces=NS):
            yield from _script_problems(hook.text or "", hook.getparent().getparent(), parameters, pack, dictionary)


def _script_problems(text: str, owner: etree._Element, parameters: dict[str, Any], pack: Pack,
                     dictionary: Dictionary) -> Iterator[Problem]:
    spaced = separators(text)
    program, problem = _compile(text, "exec", owner, pack)
    if problem:
        yield problem_at(spaced.code, spaced.message, owner) if spaced and problem.code == "sandbox" else problem
    elif program is not None:
        yield from _parameter_assignments(program, parameters, owner)
        for finding in findings_for("exec", program.tree, text, dictionary, dictionary.at(owner.get("id"))):
            yield problem_at(finding.code, Text("script: {message}", message=finding.message), owner, finding.severity)


def _parameter_assignments(program: Program, parameters: dict[str, Any], task: etree._Element) -> Iterator[Problem]:
    """A script never sets a process parameter: the model fixes its value (an analyst changes it as a threshold)."""
    assigned = {node.id for node in ast.walk(program.tree) if isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Store)}
    for name in sorted(assigned & parameters.keys()):
        yield problem_at("parameter_assigned", Text("the script sets '{name}', a process parameter; parameters keep "
                                                    "the value the model gives them: use another name, or change the "
                                                    "parameter itself", name=name),
                         task)


def _timers(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for timer in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event = timer.getparent()
        parts = [p for p in timer if isinstance(p.tag, str) and local_name(p) in timers.KINDS]
        if not parts or not any((p.text or "").strip() for p in parts):
            yield problem_at("empty_timer", Text("timer has no duration, date or cycle"), event)
        elif _is_schedule(event):
            yield from _schedule_problems(parts, event)
            continue
        for part in parts:
            yield from _timer_problems(part, event, pack)


def _is_schedule(event: etree._Element) -> bool:
    """A process's own start event with a timer: the process starts on that schedule."""
    return (local_name(event) == "startEvent" and local_name(event.getparent()) == "process"
            and event.find("bpmn:timerEventDefinition", NS) is not None)


def _schedule_problems(parts: list[etree._Element], event: etree._Element) -> Iterator[Problem]:
    """A timer start event makes the process start on its own: its value is a schedule written out in full."""
    for part in parts:
        text = (part.text or "").strip()
        if local_name(part) == "timeDuration":
            yield problem_at("bad_timer", Text("start timer '{text}' is a duration, but a process starts at a moment: "
                                               "write the date (2027-01-01T09:00:00+08:00) or a cycle from a first "
                                               "date (R/2027-01-01T00:00:00+08:00/P1M for the first of every month)",
                                               text=_short(text)), event)
        elif _CRON.fullmatch(text):
            yield problem_at("bad_timer", Text("start timer '{text}' is a cron expression (as Camunda writes them); "
                                               "crmflow reads ISO 8601 cycles from a first firing: "
                                               "R/2026-12-01T09:00:00+08:00/P1D for every day at 9:00 from that date "
                                               "(R/P1D alone does not say from when)", text=_short(text)), event)
        elif text and (problem := timers.schedule_problem(text)) is not None:
            yield problem_at("bad_timer", Text("start timer '{text}' {problem}", text=_short(text),
                                               problem=problem), event)
    starts = [e for e in event.getparent() if isinstance(e.tag, str) and local_name(e) == "startEvent"]
    if len(starts) > 1:
        yield problem_at("bad_schedule", Text("a process that starts on a timer has that one start event: it cannot "
                                              "also be started another way; split the other start into its own process"), event)
    if property_values(event).get(FORM_KEY.name):
        yield problem_at("bad_schedule", Text("a start on a timer has nobody to fill its start form: remove the form "
                                              "and ask for the data in the first task"), event)


def _start_for(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for event in root.iterfind(".//bpmn:startEvent", NS):
        group = property_values(event).get(START_FOR.name)
        if group is None:
            continue
        if not _is_schedule(event):
            yield problem_at("bad_schedule", Text("{name} starts a case per member of a group at each firing of a "
                                                  "schedule: it stands on a process's timer start event only",
                                                  name=START_FOR.name), event)
        elif not group.strip():
            yield problem_at("bad_schedule", Text("{name} names no group", name=START_FOR.name), event)


def _timer_problems(part: etree._Element, event: etree._Element, pack: Pack) -> Iterator[Problem]:
    kind, text = local_name(part), (part.text or "").strip()
    value = timers.unquoted(text)
    bare = text.upper() if value is None else value.upper()
    if timers.literal(bare, kind):
        if kind == "timeCycle" and timers.endless(bare) and local_name(event) != "boundaryEvent":
            yield problem_at("bad_timer", Text("timer cycle '{text}' {bare}", text=_short(text),
                                               bare=timers.cycle_problem(bare)), event)
        return
    expected = f"an ISO 8601 {timers.KINDS[kind]}"
    if _CRON.fullmatch(text):
        yield problem_at("bad_timer", Text("timer '{text}' is a cron expression (as Camunda writes them); crmflow "
                                           "reads ISO 8601 cycles: write R/P1D for every day, or "
                                           "R/2026-12-01T09:00:00+08:00/P1D for every day at 9:00 from that date",
                                           text=_short(text)), event)
    elif kind == "timeCycle" and bare.startswith("R") and "/" in bare:
        yield problem_at("bad_timer", Text("timer cycle '{text}' {bare}", text=_short(text),
                                           bare=timers.cycle_problem(bare)), event)
    elif value is not None or timers.is_bare_name(text) or timers.looks_iso(bare) or not text:
        yield problem_at("bad_timer", Text("timer '{text}' is not {expected}; cron expressions and free text are not "
                                           "supported", text=_short(text), expected=expected), event)
    else:
        _, problem = _compile(text, "eval", event, pack)
        if problem is not None:
            yield problem_at("bad_timer", Text("timer '{text}' is neither {expected} nor an expression over case data "
                                               "(such as sla['duration']): {message}", text=_short(text),
                                               expected=expected, message=problem.message), event)


def _services(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for operator in root.iterfind(".//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS):
        task = operator.getparent().getparent()
        if operator.get("id") not in pack.services:
            yield problem_at("unknown_service", Text("service '{id}' is not provided by the '{name}' pack",
                                                     id=operator.get('id'), name=pack.name), task)
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        if task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS) is None:
            yield problem_at("no_service", Text("service task names no service operator"), task)


def _service_parameters(root: etree._Element, pack: Pack, dictionary: Dictionary) -> Iterator[Problem]:
    """Each value a service task hands its operator is compiled by the sandbox and checked against what the case
    holds at that step (a step removed before it may have been the one that set a name it reads)."""
    for operator in root.iterfind(".//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS):
        task = operator.getparent().getparent()
        for parameter in operator.iterfind(".//spiffworkflow:parameter", NS):
            text = (parameter.get("value") or "").strip()
            yield from _value_problems(text, task, pack, dictionary,
                                       template("service parameter {id} = '{text}': {message}"),
                                       id=parameter.get("id"), text=_short(text))


def _value_problems(expression: str, owner: etree._Element, pack: Pack, dictionary: Dictionary, said: str,
                    **where: Any) -> Iterator[Problem]:
    """A value expression on `owner` (a service parameter, a decision table's input): compiled by the sandbox and
    checked against what the case holds there, each finding said by the template `said` (its `message`, and
    `where`). A value, not a condition: any type may stand there."""
    program, problem = _compile(expression, "eval", owner, pack)
    if problem is not None:
        yield problem
        return
    if program is None or not expression:
        return
    for finding in findings_for("eval", program.tree, expression, dictionary, dictionary.at(owner.get("id"))):
        if finding.code not in ("not_a_condition", "type_mismatch"):
            yield problem_at(finding.code, Text(said, message=finding.message, **where), owner, finding.severity)


def _human_tasks(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    lanes = {ref.text for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}
    # A plain or manual task needs nobody named (whoever works the case confirms it); a user task with nobody to do
    # it deploys, and waits in the administrators' queue.
    for task in root.xpath(".//bpmn:userTask | .//bpmn:manualTask | .//bpmn:task", namespaces=NS):
        properties = property_values(task)
        if (local_name(task) == "userTask" and task.get("id") not in lanes
                and not any(properties.get(k) for k in ASSIGNMENT)):
            yield problem_at("no_assignment", Text("user task is in no lane and names no assignee or candidate group: "
                                                   "it will wait in the administrators' queue"), task, "warning")
        due_in = properties.get(DUE_IN.name)
        if due_in:
            try:
                parse_duration(due_in)
            except InvalidData:
                yield problem_at("bad_duration", Text("{name} '{due_in}' is not an ISO 8601 duration such as P3D or "
                                                      "PT4H", name=DUE_IN.name, due_in=due_in), task)
        for name in (properties.get(SEPARATE_FROM.name) or "").split(","):
            if name.strip() and name.strip() != "starter" and not root.xpath("//*[@id=$id]", id=name.strip()):
                yield problem_at("bad_separation", Text("separateFrom names '{strip}', which is neither 'starter' nor "
                                                        "a step of this model", strip=name.strip()), task)
        form_key = properties.get(FORM_KEY.name)
        if form_key and not form_key.startswith(MODEL_FORM_PREFIX) and not pack.knows_form(form_key):
            yield problem_at("unknown_form", Text("form '{form_key}' is not provided by the '{name}' pack",
                                                  form_key=form_key, name=pack.name), task)


def _step_names(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    """Two steps of one process with the same name read as one in task lists, reports and the audit trail."""
    for process in root.iterfind("bpmn:process", NS):
        first: dict[str, str] = {}
        for step in process.iter(f"{{{BPMN}}}*"):
            name = (step.get("name") or "").strip()
            if not name or not local_name(step).endswith("Task") and local_name(step) not in ("subProcess",
                                                                                            "callActivity"):
                continue
            if name.casefold() in first:
                yield problem_at("duplicate_name", Text("another step ('{first}') is also called '{name}'; task lists "
                                                        "and reports could not tell them apart",
                                                        first=first[name.casefold()], name=name), step, "warning")
            else:
                first[name.casefold()] = step.get("id")


def _model_forms(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    return lint_model_forms(root)


def _message_forms(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for message in root.iterfind("bpmn:message", NS):
        props = property_values(message)
        key = props.get(FORM_KEY.name) or ""
        if FORM_KEY.name in props and not pack.knows_form(key):
            yield problem_at("unknown_form", Text("message '{name}' names form '{key}', which the '{name2}' pack does "
                                                  "not provide", name=message.get('name'), key=key,
                                                  name2=pack.name), message)


def _start_forms(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for prop in root.iterfind("bpmn:process/bpmn:startEvent/bpmn:extensionElements/spiffworkflow:properties/"
                              f"spiffworkflow:property[@name='{FORM_KEY.name}']", NS):
        key = prop.get("value") or ""
        if not key.startswith(MODEL_FORM_PREFIX) and not pack.knows_form(key):
            event = prop.getparent().getparent().getparent()
            yield problem_at("unknown_form", Text("start form '{value}' is not provided by the '{name}' pack",
                                                  value=prop.get('value'), name=pack.name), event)


def _reachability(root: etree._Element, pack: Pack) -> Iterator[Problem]:
    for container in root.iter(*(f"{{{BPMN}}}{name}" for name in _CONTAINERS)):
        if container.get("triggeredByEvent") == "true":
            continue
        seen = reachable(container)
        for node in container:
            if (isinstance(node.tag, str) and node.get("id") and local_name(node) not in NOT_FLOW_NODES
                    and node.get("id") not in seen):
                yield problem_at("unreachable", Text("no path from a start event reaches this element"), node)


def reachable(container: etree._Element) -> set[str]:
    """Ids of the flow nodes of a process (or subprocess) that its start events reach: through sequence flows,
    from a task to its boundary events, from a link throw event to the link catch event of the same name.
    Compensation handlers and event subprocesses count as starts (compensation and events reach them)."""
    edges: dict[str, list[str]] = {}
    for flow in container.iterfind("bpmn:sequenceFlow", NS):
        edges.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for event in container.iterfind("bpmn:boundaryEvent", NS):
        edges.setdefault(event.get("attachedToRef"), []).append(event.get("id"))
    catches: dict[str, list[str]] = {}
    for event in container.iterfind("bpmn:intermediateCatchEvent", NS):
        link = event.find("bpmn:linkEventDefinition", NS)
        if link is not None:
            catches.setdefault(link.get("name") or "", []).append(event.get("id"))
    for event in container.iterfind("bpmn:intermediateThrowEvent", NS):
        link = event.find("bpmn:linkEventDefinition", NS)
        if link is not None:
            edges.setdefault(event.get("id"), []).extend(catches.get(link.get("name") or "", []))
    start = [e.get("id") for e in container if isinstance(e.tag, str) and e.get("id") and (
        local_name(e) == "startEvent" or e.get("isForCompensation") == "true"
        or (local_name(e) == "subProcess" and e.get("triggeredByEvent") == "true"))]
    seen, stack = set(start), list(start)
    while stack:
        for target in edges.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _compiled_problems(text: str, mode: str, element: etree._Element, pack: Pack) -> Iterator[Problem]:
    _, problem = _compile(text, mode, element, pack)
    if problem:
        yield problem


def _compile(text: str, mode: str, element: etree._Element, pack: Pack) -> tuple[Program | None, Problem | None]:
    try:
        program = compile_expression(text) if mode == "eval" else compile_script(text)
    except SandboxViolation as exc:
        kind = "condition" if mode == "eval" else "script"
        return None, problem_at("sandbox", Text("{kind} '{text}' refused: {exc}", kind=kind, text=_short(text),
                                                exc=exc), element)
    unknown = sorted(called_names(program) - set(pack.functions) - set(SAFE_BUILTINS))
    if unknown:
        return program, problem_at("unknown_function", Text("'{text}' calls {names}, which the '{name}' pack does not "
                                                            "provide", text=_short(text), names=', '.join(unknown),
                                                            name=pack.name), element)
    return program, None


def _constant_false(program: Program) -> bool:
    body = getattr(program.tree, "body", None)
    return isinstance(body, ast.Constant) and not body.value


def called_names(program: Program) -> set[str]:
    """Names a program calls as functions."""
    return {n.func.id for n in ast.walk(program.tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def decisions_unread(root: etree._Element, dictionary: Dictionary) -> Iterator[Problem]:
    """A decision a step records (a form field the pack marks as one) must be read by a gateway after the step,
    before another step records it again or the case ends; otherwise a refusal would change nothing."""
    flows: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        flows.setdefault(flow.get("sourceRef", ""), []).append(flow)
    for step_id, fields in dictionary.decisions.items():
        step = root.find(f".//*[@id='{step_id}']")
        for name in fields:
            if step is not None and not _read_after(step_id, name, flows, dictionary):
                yield problem_at("decision_unread", Text("this step records the decision '{name}', but no gateway "
                                                         "after it reads it, so a refusal changes nothing: add a "
                                                         "gateway on it (insert_task takes on_refusal)",
                                                         name=name), step)


def _read_after(step_id: str, name: str, flows: dict[str, list[etree._Element]], dictionary: Dictionary) -> bool:
    seen, todo = {step_id}, [step_id]
    while todo:
        for flow in flows.get(todo.pop(), []):
            expression = flow.find("bpmn:conditionExpression", NS)
            if expression is not None and name in _names_read(expression.text or ""):
                return True
            target = flow.get("targetRef", "")
            if target not in seen and name not in dictionary.decisions.get(target, []):
                seen.add(target)
                todo.append(target)
    return False


def _names_read(text: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(text.strip(), mode="eval")) if isinstance(n, ast.Name)}
    except (SyntaxError, ValueError, RecursionError):
        return set()
