"""Structured edit operations: how a key user changes a draft without touching XML.

Each operation is a small dict (`{"op": "insert_task", "after": "Task_CreditLimitReview",
"name": ...}`). A batch is applied to a copy of the tree; the first invalid operation
aborts the batch and is named in the error, so either every operation lands or none
does. The diagram is laid out again afterwards, so the result opens cleanly in a modeler.

`OPERATIONS` (at the bottom) declares every operation once: its fields, titles in English
and Chinese, the function that applies it and the business-diff kinds it shows up as. The
pages, the OpenAPI document and the translations read that table; adding an operation is
adding one function and one entry.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from lxml import etree

from ..errors import FieldError, InvalidData, SandboxViolation, Text, template
from ..intake.layout import layout
from ..intake.lint import reachable
from ..intake.properties import ASSIGNEE, ASSIGNMENT, CANDIDATE_GROUP, DUE_IN, FORM_KEY, NAME_ZH, PROPERTIES
from ..intake.xml import BPMN, NS, local_name, process_parameters, properties, put_property, reparse, serialize, set_property
from ..scripting.sandbox import compile_expression
from . import table_edits
from .model_tree import ID, OperationError, check_id, lane_of, process_of, set_lane, unused_id

MAX_OPERATIONS = 100
_VALIDATOR = Draft202012Validator({})


def apply_operations(bpmn: bytes, process_key: str, operations: Any,
                     decisions: Mapping[str, list[str]] | None = None) -> bytes:
    """Apply a batch of edit operations of the process atomically (see `apply_edits`). :raises InvalidData:"""
    return apply_edits(bpmn, process_key, operations, decisions)[0]


def apply_edits(bpmn: bytes, process_key: str, operations: Any, decisions: Mapping[str, list[str]] | None = None,
                documents: Mapping[str, bytes] | None = None) -> tuple[bytes, dict[str, bytes]]:
    """Apply a batch of edit operations atomically, to the process and to its decision tables (`documents`: decision
    id -> DMN); `decisions` says which decision fields each form key records (for `on_refusal`). Returns the BPMN and
    the tables as the batch leaves them. :raises InvalidData: naming the failing operation"""
    if not isinstance(operations, list) or not operations:
        raise InvalidData([FieldError("operations", Text("must be a non-empty list of operations"))])
    if len(operations) > MAX_OPERATIONS:
        raise InvalidData([FieldError("operations", Text("at most {max_operations} operations per batch",
                                                         max_operations=MAX_OPERATIONS))])
    root = reparse(bpmn)
    process = process_of(root, process_key)
    for index, operation in enumerate(operations):  # every field of every operation, before any is applied
        with _naming(index, operation):
            if not isinstance(operation, dict) or not isinstance(operation.get("op"), str) \
                    or operation["op"] not in OPERATIONS:
                raise OperationError("op", Text("unknown operation; use one of {names}",
                                                names=', '.join(sorted(OPERATIONS))))
            OPERATIONS[operation["op"]].check(operation)
    tables = dict(documents or {})
    for index, operation in enumerate(operations):
        with _naming(index, operation):
            OPERATIONS[operation["op"]].apply(_Edit(process, operation, decisions or {}, tables))
    layout(root)
    return serialize(root), tables


@contextmanager
def _naming(index: int, operation: Any) -> Iterator[None]:
    """An operation's refusal as the batch's: the field named by the operation's place in it."""
    try:
        yield
    except OperationError as exc:
        op = operation.get("op") if isinstance(operation, dict) else None
        raise InvalidData([FieldError(f"operations[{index}].{exc.field}", exc.message)],
                          Text("operation {index} ({op}) was not applied, nor any other: {message}", index=index + 1,
                               op=op if isinstance(op, str) else '?', message=exc.message)) from None


class _Edit:
    """One operation's view of the process, with argument checking."""

    def __init__(self, process: etree._Element, operation: dict[str, Any], decisions: Mapping[str, list[str]],
                 tables: dict[str, bytes] | None = None):
        self.process, self.op, self.decisions = process, operation, decisions
        self.tables = tables if tables is not None else {}  # the draft's decision tables, edited in place

    def arg(self, name: str, required: bool = True, kind: type = str) -> Any:
        value = self.op.get(name)
        if value is None:
            if required:
                raise OperationError(name, Text("is required"))
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise OperationError(name, Text("must be a {name}", name=kind.__name__))
        return value

    def element(self, name: str) -> etree._Element:
        element_id = self.arg(name)
        found = self.process.find(f".//*[@id='{element_id}']") if ID.match(element_id) else None
        if found is None or etree.QName(found).namespace != BPMN:
            raise OperationError(name, Text("no element '{element_id}' in this process", element_id=element_id))
        return found

    def flows(self, attribute: str, element_id: str) -> list[etree._Element]:
        return [f for f in self.process.iterfind("bpmn:sequenceFlow", NS) if f.get(attribute) == element_id]

    def new_id(self, prefix: str, name: str) -> str:
        base = prefix + "_" + ("".join(w.title() for w in re.findall(r"[A-Za-z0-9]+", name)) or "Step")
        return unused_id(self.process, base)


def _insert_task(edit: _Edit) -> None:
    """A user task on the one flow after (or before) an element; with `when`, behind a gateway that skips it."""
    after, before = edit.op.get("after"), edit.op.get("before")
    if (after is None) == (before is None):
        raise OperationError("after", Text("give exactly one of 'after' or 'before'"))
    anchor = edit.element("after" if after else "before")
    name = edit.arg("name")
    when = edit.arg("when", required=False)
    if when is not None:
        _check_condition(when, "when")
    task_id = edit.arg("id", required=False) or edit.new_id("Task", name)
    check_id(task_id, "id")
    if edit.process.getroottree().getroot().find(f".//*[@id='{task_id}']") is not None:
        raise OperationError("id", Text("id '{task_id}' is already used", task_id=task_id))
    rewired = edit.flows("sourceRef" if after else "targetRef", anchor.get("id"))
    if len(rewired) != 1:
        side = Text("outgoing") if after else Text("incoming")
        raise OperationError("after" if after else "before", Text("'{id}' has {count} {side} flows; insert next to an "
                                                                  "element with exactly one", id=anchor.get('id'),
                                                                  count=len(rewired), side=side))
    flow = rewired[0]
    lane = edit.arg("lane", required=False) or lane_of(edit.process, anchor.get("id"))
    task = etree.Element(f"{{{BPMN}}}userTask", id=task_id, name=name)
    anchor.addnext(task)
    set_lane(edit.process, task_id, lane)
    if when is None:
        _connect(edit, task_id, flow.get("targetRef"), after=flow)
        flow.set("targetRef", task_id)
    else:  # flow source -> split -(when)-> task -> join -> flow target; split -(otherwise)-> join
        split, join = (edit.new_id("Gateway", f"{name} needed"), edit.new_id("Gateway", f"{name} done"))
        task.addprevious(etree.Element(f"{{{BPMN}}}exclusiveGateway", id=split, name=f"{name}?"))
        task.addnext(etree.Element(f"{{{BPMN}}}exclusiveGateway", id=join))
        for gateway in (split, join):
            set_lane(edit.process, gateway, lane)
        _connect(edit, join, flow.get("targetRef"), after=flow)
        skip = _connect(edit, split, join, after=flow, name="otherwise")
        etree.SubElement(_connect(edit, split, task_id, after=flow, name="yes"),
                         f"{{{BPMN}}}conditionExpression").text = when
        _connect(edit, task_id, join, after=flow)
        edit.process.find(f"bpmn:exclusiveGateway[@id='{split}']", NS).set("default", skip.get("id"))
        flow.set("targetRef", split)
    for prop in (FORM_KEY, ASSIGNEE, CANDIDATE_GROUP, DUE_IN, NAME_ZH):
        if edit.op.get(prop.field) is not None:
            set_property(task, prop.name, edit.arg(prop.field))
    if edit.op.get("on_refusal") is not None:
        _on_refusal(edit, task, lane)


def _on_refusal(edit: _Edit, task: etree._Element, lane: str | None) -> None:
    """After a step that records a decision: a gateway on it, approval going on, refusal ending the case through the
    process's rejection end (`end`) or going back to a named step."""
    refusal, form_key = edit.arg("on_refusal"), edit.op.get("form_key")
    fields = edit.decisions.get(form_key or "", [])
    if not fields:
        raise OperationError("on_refusal", Text("the step's form '{form_key}' records no decision to refuse with; "
                                                "give a form_key whose form does (e.g. general_manager_approval)",
                                                form_key=form_key))
    [leaving] = edit.flows("sourceRef", task.get("id"))
    gateway_id = edit.new_id("Gateway", f"{task.get('name')} approved")
    task.addnext(etree.Element(f"{{{BPMN}}}exclusiveGateway", id=gateway_id, name=f"{task.get('name')}?"))
    set_lane(edit.process, gateway_id, lane)
    approved = _connect(edit, gateway_id, leaving.get("targetRef"), after=leaving, name="approved")
    target = _refusal_end(edit, lane) if refusal == "end" else edit.element("on_refusal").get("id")
    refused = _connect(edit, gateway_id, target, after=approved, name="refused")
    etree.SubElement(refused, f"{{{BPMN}}}conditionExpression").text = f"not {fields[0]}"
    edit.process.find(f"bpmn:exclusiveGateway[@id='{gateway_id}']", NS).set("default", approved.get("id"))
    leaving.set("targetRef", gateway_id)


def _refusal_end(edit: _Edit, lane: str | None) -> str:
    """The end event a refused case ends at: the process's own rejection end, else a new one."""
    for end in edit.process.iterfind("bpmn:endEvent", NS):
        if re.search(r"reject|refus|denied|declin", f"{end.get('id')} {end.get('name') or ''}", re.I):
            return end.get("id", "")
    end_id = edit.new_id("EndEvent", "Refused")
    edit.process.append(etree.Element(f"{{{BPMN}}}endEvent", id=end_id, name="Refused"))
    set_lane(edit.process, end_id, lane)
    return end_id


def _connect(edit: _Edit, source: str, target: str, after: etree._Element, name: str | None = None) -> etree._Element:
    """A new sequence flow from `source` to `target`, written after the flow `after`."""
    flow = etree.Element(f"{{{BPMN}}}sequenceFlow", id=edit.new_id("Flow", f"{source} to {target}"),
                         sourceRef=source, targetRef=target)
    if name:
        flow.set("name", name)
    after.addnext(flow)
    return flow


def _check_condition(condition: str, field: str) -> None:
    try:
        compile_expression(condition)
    except SandboxViolation as exc:
        raise OperationError(field, Text("'{condition}' is not a condition crmflow can run: {message}",
                                         condition=condition[:80], message=exc.message)) from None


def _remove_task(edit: _Edit) -> None:
    step = edit.element("element_id")
    step_id = step.get("id")
    if local_name(step) in ("startEvent", "endEvent") or local_name(step).endswith("Gateway"):
        raise OperationError("element_id", Text("'{step_id}' is a {step}; only tasks and intermediate events can be "
                                                "removed this way", step_id=step_id, step=local_name(step)))
    incoming, outgoing = edit.flows("targetRef", step_id), edit.flows("sourceRef", step_id)
    if len(incoming) != 1 or len(outgoing) != 1:
        raise OperationError("element_id", Text("'{step_id}' has {count} incoming and {count2} outgoing flows; only a "
                                                "step with one of each can be removed and reconnected",
                                                step_id=step_id, count=len(incoming), count2=len(outgoing)))
    if edit.process.find(f"bpmn:boundaryEvent[@attachedToRef='{step_id}']", NS) is not None:
        raise OperationError("element_id", Text("'{step_id}' has timers or other boundary events; remove them first",
                                                step_id=step_id))
    if incoming[0].get("sourceRef") == outgoing[0].get("targetRef"):
        raise OperationError("element_id", Text("removing '{step_id}' would leave '{sourceref}' flowing into itself",
                                                step_id=step_id, sourceref=incoming[0].get('sourceRef')))
    reachable_before = reachable(edit.process) - {step_id}
    incoming[0].set("targetRef", outgoing[0].get("targetRef"))
    for element in (outgoing[0], step):
        element.getparent().remove(element)
    for ref in edit.process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text == step_id:
            ref.getparent().remove(ref)
    cut_off = sorted(reachable_before - reachable(edit.process))
    if cut_off:
        raise OperationError("element_id", Text("removing '{step_id}' would disconnect {names} from the start",
                                                step_id=step_id, names=', '.join(cut_off[:5])))


def _set_condition(edit: _Edit) -> None:
    flow = edit.element("flow_id")
    if local_name(flow) != "sequenceFlow":
        raise OperationError("flow_id", Text("'{id}' is not a sequence flow", id=flow.get('id')))
    condition = edit.arg("condition")
    _check_condition(condition, "condition")
    expression = flow.find("bpmn:conditionExpression", NS)
    if expression is None:
        expression = etree.SubElement(flow, f"{{{BPMN}}}conditionExpression")
    expression.text = condition


# A number as people write it: 3000000, 3,000,000 (also with a full-width comma), -2.5
_NUMBER = re.compile(r"^-?(\d{1,3}([,，]\d{3})+|\d+)(\.\d+)?$")


def _set_parameter(edit: _Edit) -> None:
    """Change a threshold, keeping its kind: a number stays a number (text like "3,000,000" is read as one)."""
    name = edit.arg("name")
    check_id(name, "name")
    holder = properties(edit.process, create=True)
    current = process_parameters(edit.process.getroottree().getroot(), edit.process.get("id"))
    if name not in current and not edit.arg("add", required=False, kind=bool):
        known = ", ".join(sorted(current)) or "none"
        raise OperationError("name", Text("'{name}' is not a parameter of this process (it has: {known}); give \"add\": "
                                          "true to add a new one", name=name, known=known))
    value = edit.op.get("value")
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        text = value.strip().replace(",", "").replace("，", "")
        value = float(text) if "." in text else int(text)
    if value is None or not isinstance(value, (int, float, str, bool)) or isinstance(value, str) and not value.strip():
        raise OperationError("value", Text("must be a number (3000000 or \"3,000,000\"), text or true/false"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if name in current and _kind(current[name]) != _kind(value):
        raise OperationError("value", Text("'{name}' is {current} ({current2}); {value} is {value2}", name=name,
                                           current=_kind(current[name]), current2=repr(current[name]),
                                           value=repr(value), value2=_kind(value)))
    put_property(holder, name, value if isinstance(value, str) else json.dumps(value))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return Text("true/false")
    return Text("a number") if isinstance(value, (int, float)) else Text("text")


def _remove_parameter(edit: _Edit) -> None:
    name = edit.arg("name")
    holder = properties(edit.process, create=False)
    prop = holder.find(f"spiffworkflow:property[@name='{name}']", NS) if holder is not None and ID.match(name) else None
    if holder is None or prop is None:
        raise OperationError("name", Text("'{name}' is not a parameter of this process", name=name))
    used = re.compile(rf"\b{re.escape(name)}\b")
    for text in edit.process.xpath(".//bpmn:conditionExpression | .//bpmn:script", namespaces=NS):
        if text.text and used.search(text.text):
            owner = text.getparent()
            raise OperationError("name", Text("'{name}' is still used by '{name2}' ({strip}); change that first",
                                              name=name, name2=owner.get('name') or owner.get('id'),
                                              strip=text.text.strip()[:80]))
    holder.remove(prop)


def _change_lane(edit: _Edit) -> None:
    element = edit.element("element_id")
    set_lane(edit.process, element.get("id"), edit.arg("lane"))


def _set_assignment(edit: _Edit) -> None:
    task = _user_task(edit)
    ways = [PROPERTIES[name] for name in ASSIGNMENT]
    if not any(edit.op.get(prop.field) is not None for prop in ways):
        raise OperationError("assignee", "give " + ", ".join(prop.field for prop in ways[:-1]) + f" or {ways[-1].field}")
    for prop in ways:
        if prop.field in edit.op:
            set_property(task, prop.name, edit.arg(prop.field, required=False))


def _set_form(edit: _Edit) -> None:
    set_property(_user_task(edit), FORM_KEY.name, edit.arg("form_key"))


def _rename(edit: _Edit) -> None:
    element = edit.element("element_id")
    element.set("name", edit.arg("name"))
    if edit.op.get("name_zh") is not None:
        set_property(element, NAME_ZH.name, edit.arg("name_zh"))


def _set_timer(edit: _Edit) -> None:
    task = edit.element("element_id")
    duration = edit.arg("duration")
    if not re.match(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$", duration):
        raise OperationError("duration", Text("'{duration}' is not an ISO 8601 duration such as P3D or PT4H",
                                              duration=duration))
    timer = edit.process.find(f"bpmn:boundaryEvent[@attachedToRef='{task.get('id')}']/bpmn:timerEventDefinition", NS)
    if timer is None:
        target = edit.element("target")
        event = etree.Element(f"{{{BPMN}}}boundaryEvent", id=edit.new_id("Timer", edit.op.get("name") or duration),
                              name=edit.op.get("name") or duration, attachedToRef=task.get("id"))
        if not edit.op.get("interrupting", True):
            event.set("cancelActivity", "false")
        timer = etree.SubElement(event, f"{{{BPMN}}}timerEventDefinition", id=event.get("id") + "_Definition")
        task.addnext(event)
        flow = etree.Element(f"{{{BPMN}}}sequenceFlow", id=edit.new_id("Flow", f"{event.get('id')} to target"),
                             sourceRef=event.get("id"), targetRef=target.get("id"))
        edit.process.append(flow)
        set_lane(edit.process, event.get("id"), lane_of(edit.process, task.get("id")))
    for child in list(timer):
        timer.remove(child)
    etree.SubElement(timer, f"{{{BPMN}}}timeDuration").text = json.dumps(duration)


def _user_task(edit: _Edit) -> etree._Element:
    task = edit.element("element_id")
    if local_name(task) not in ("userTask", "manualTask"):
        raise OperationError("element_id", Text("'{id}' is not a user task", id=task.get('id')))
    return task


@dataclass(frozen=True)
class Field:
    """An input of edit operations; one name means one kind of value in every operation."""

    name: str
    kind: str  # element, flow, text, expression, value, lane, form, duration, flag
    title_en: str
    title_zh: str

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this field's value: what `check` holds each value to."""
        if self.kind == "flag":
            return {"type": "boolean"}
        if self.kind == "expression":  # conditions may span lines
            text = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": _NO_CONTROL_BUT_LINES}
        else:
            text = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": _NO_CONTROL}
        if self.kind == "value":
            return {"anyOf": [{"type": "number"}, {"type": "boolean"}, text]}
        if self.kind == "rule":  # a rule's number, or its id
            return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100_000}, text]}
        return text


# Texts an operation writes into the model hold no control characters (conditions may hold line breaks and tabs).
_NO_CONTROL = "^[^\\x00-\\x1f\\x7f]*$"
_NO_CONTROL_BUT_LINES = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
# What a field of an operation is refused for, by the JSON Schema keyword that refuses it.
_PLAIN = {"type": template("must be {expected}"), "minLength": template("must not be empty"),
          "maxLength": template("is too long (at most {limit} characters)"),
          "pattern": template("must not contain control characters (tabs, line breaks, invisible characters)"),
          "required": template("is required"),
          "anyOf": template("must be a number, true/false or text without control characters")}
_KIND_WORDS = {"boolean": Text("true or false"), "string": Text("text")}


FIELDS = {f.name: f for f in (
    Field("element_id", "element", "Element", "元素"),
    Field("after", "element", "After", "插在此后"),
    Field("before", "element", "Before", "插在此前"),
    Field("flow_id", "flow", "Flow", "连线"),
    Field("name", "text", "Name", "名称"),
    Field("name_zh", "text", "Name in Chinese", "中文名称"),
    Field("when", "expression", "Only when (condition, e.g. amount > 1000000)", "仅当（条件，如 amount > 1000000）"),
    Field("add", "flag", "Add it if new", "不存在时新增"),
    Field("id", "text", "Id (optional)", "标识（可选）"),
    Field("condition", "expression", "Condition", "条件"),
    Field("value", "value", "Value", "值"),
    Field("lane", "lane", "Lane", "泳道"),
    Field("form_key", "form", "Form", "表单"),
    Field("assignee", "text", "Assignee", "处理人"),
    Field("candidate_group", "text", "Candidate group", "候选组"),
    Field("assignee_from", "text", "Assignee from data field", "处理人取自数据字段"),
    Field("due_in", "duration", "Due in (e.g. P3D)", "期限（如 P3D）"),
    Field("duration", "duration", "Duration (e.g. P3D)", "时长（如 P3D）"),
    Field("target", "element", "Timer leads to", "超时后转到"),
    Field("interrupting", "flag", "Interrupts the step", "中断当前步骤"),
    Field("on_refusal", "text", "If refused: end, or the step to go back to", "若被拒绝：end（结束）或退回的步骤"),
    Field("decision", "decision", "Decision table", "决策表"),
    Field("rule", "rule", "Rule (its number)", "规则（编号）"),
    Field("column", "text", "Column (input or output)", "列（输入或输出）"),
    Field("cell", "text", "Cell (e.g. > 1000000, \"east\", -)", "单元格（如 > 1000000、\"east\"、-）"),
    Field("cells", "expression", "Cells, inputs then outputs, separated by |", "单元格：先输入后输出，用 | 分隔"),
)}


@dataclass(frozen=True)
class Operation:
    """One kind of structured edit, declared once."""

    op: str
    title_en: str
    title_zh: str
    apply: Callable[[_Edit], None]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    changes: tuple[str, ...]  # the business-diff kinds (outline.CHANGES) it shows up as

    @property
    def fields(self) -> tuple[Field, ...]:
        """Its inputs, required first."""
        return tuple(FIELDS[name] for name in (*self.required, *self.optional))

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of one such operation in a batch."""
        return {"type": "object", "title": self.title_en, "required": ["op", *self.required],
                "additionalProperties": False,
                "properties": {"op": {"const": self.op}, **{f.name: f.json_schema() for f in self.fields}}}

    def check(self, operation: dict[str, Any]) -> None:
        """Every field present, of its kind, and no other, before anything is applied. :raises OperationError:"""
        unknown = sorted(set(operation) - {"op", *self.required, *self.optional})
        if unknown:
            known = ", ".join((*self.required, *self.optional))
            raise OperationError(str(unknown[0])[:60], Text("is not a field of '{op}'; it takes {known}", op=self.op,
                                                            known=known))
        schema = self.json_schema()
        for name in (*self.required, *self.optional):
            if operation.get(name) is None:
                if name in self.required:
                    raise OperationError(name, Text(_PLAIN["required"]))
                continue
            error = next(_VALIDATOR.evolve(schema=schema["properties"][name]).iter_errors(operation[name]), None)
            if error is not None:
                expected = _KIND_WORDS.get(str(error.validator_value)) or Text("of another kind")
                limit = error.validator_value if error.validator == "maxLength" else ""
                found = _PLAIN.get(str(error.validator))
                raise OperationError(name, Text(found, expected=expected, limit=limit) if found
                                     else Text("has a value of the wrong kind"))


OPERATIONS: dict[str, Operation] = {o.op: o for o in (
    Operation("insert_task", "Insert a step", "插入步骤", _insert_task, ("name",),
              ("after", "before", "when", "name_zh", "id", "lane", "form_key", "assignee", "candidate_group", "due_in",
               "on_refusal"),
              ("steps_added",)),
    Operation("remove_task", "Remove a step", "删除步骤", _remove_task, ("element_id",), (), ("steps_removed",)),
    Operation("set_condition", "Change a condition", "修改条件", _set_condition, ("flow_id", "condition"), (),
              ("conditions_changed",)),
    Operation("set_parameter", "Change a threshold", "修改阈值", _set_parameter, ("name", "value"), ("add",),
              ("thresholds_changed",)),
    Operation("remove_parameter", "Remove a threshold", "删除阈值", _remove_parameter, ("name",), (),
              ("thresholds_changed",)),
    Operation("set_lane", "Change the lane", "修改泳道", _change_lane, ("element_id", "lane"), (), ("lanes_changed",)),
    Operation("set_assignment", "Change who does it", "修改处理人规则", _set_assignment, ("element_id",),
              ("assignee", "candidate_group", "assignee_from"), ("assignments_changed",)),
    Operation("set_form", "Change the form", "修改表单", _set_form, ("element_id", "form_key"), (), ("forms_changed",)),
    Operation("rename", "Rename", "重命名", _rename, ("element_id", "name"), ("name_zh",), ("steps_renamed",)),
    Operation("set_timer", "Set a timer", "设置定时器", _set_timer, ("element_id", "duration"),
              ("target", "name", "interrupting"), ("timers_changed",)),
    Operation("set_rule_cell", "Change a rule's cell", "修改规则单元格",
              lambda edit: table_edits.set_rule_cell(edit.tables, edit.op), ("decision", "rule", "column", "cell"), (),
              ("rules_changed",)),
    Operation("add_rule", "Add a rule", "新增规则", lambda edit: table_edits.add_rule(edit.tables, edit.op),
              ("decision", "cells"), ("rule",), ("rules_changed",)),
    Operation("remove_rule", "Remove a rule", "删除规则", lambda edit: table_edits.remove_rule(edit.tables, edit.op),
              ("decision", "rule"), (), ("rules_changed",)),
)}


def batch_schema() -> dict[str, Any]:
    """The JSON Schema of a batch of operations, generated from `OPERATIONS`."""
    return {"type": "array", "minItems": 1, "maxItems": MAX_OPERATIONS,
            "items": {"oneOf": [operation.json_schema() for operation in OPERATIONS.values()]}}
