"""Copy a model under a new process key, and change it through structured edit operations.

A key user never hand-edits XML: each operation is a small dict (`{"op": "insert_task",
"after": "Task_CreditLimitReview", "name": ...}`). A batch is applied to a copy of the
tree; the first invalid operation aborts the batch and is named in the error, so either
every operation lands or none does. The diagram is laid out again afterwards, so the
result still opens cleanly in a modeler.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from ..errors import FieldError, InvalidData
from ..intake.xml import BPMN, NS, SPIFF, local_name, reparse, serialize
from .layout import layout

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,127}$")
MAX_OPERATIONS = 100


class OperationError(Exception):
    """One operation of a batch cannot be applied; `field` names the offending key."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def copy_model(bpmn: bytes, source_key: str, new_key: str, name: str | None = None) -> bytes:
    """The same model under a new process id; participants and call activities follow. :raises InvalidData:"""
    if not isinstance(new_key, str) or not _ID.match(new_key):
        raise InvalidData([FieldError("process_key", f"'{new_key}' is not a valid process key "
                                                     "(letters, digits, _ and -; starts with a letter)")])
    root = reparse(bpmn)
    process = _process(root, source_key)
    process.set("id", new_key)
    if name:
        process.set("name", name)
    for participant in root.iterfind(".//bpmn:participant", NS):
        if participant.get("processRef") == source_key:
            participant.set("processRef", new_key)
            if name:
                participant.set("name", name)
    for call in root.iterfind(".//bpmn:callActivity", NS):
        if call.get("calledElement") == source_key:
            call.set("calledElement", new_key)
    return serialize(root)


def apply_operations(bpmn: bytes, process_key: str, operations: Any) -> bytes:
    """Apply a batch of edit operations atomically. :raises InvalidData: naming the failing operation"""
    if not isinstance(operations, list) or not operations:
        raise InvalidData([FieldError("operations", "must be a non-empty list of operations")])
    if len(operations) > MAX_OPERATIONS:
        raise InvalidData([FieldError("operations", f"at most {MAX_OPERATIONS} operations per batch")])
    root = reparse(bpmn)
    process = _process(root, process_key)
    for index, operation in enumerate(operations):
        try:
            if not isinstance(operation, dict) or operation.get("op") not in OPERATIONS:
                raise OperationError("op", f"unknown operation; use one of {', '.join(sorted(OPERATIONS))}")
            OPERATIONS[operation["op"]](_Edit(process, operation))
        except OperationError as exc:
            raise InvalidData([FieldError(f"operations[{index}].{exc.field}", exc.message)],
                              f"operation {index + 1} ({operation.get('op') if isinstance(operation, dict) else '?'}) "
                              f"was not applied, nor any other: {exc.message}") from None
    layout(root)
    return serialize(root)


class _Edit:
    """One operation's view of the process, with argument checking."""

    def __init__(self, process: etree._Element, operation: dict[str, Any]):
        self.process, self.op = process, operation

    def arg(self, name: str, required: bool = True, kind: type = str) -> Any:
        value = self.op.get(name)
        if value is None:
            if required:
                raise OperationError(name, "is required")
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise OperationError(name, f"must be a {kind.__name__}")
        return value

    def element(self, name: str) -> etree._Element:
        element_id = self.arg(name)
        found = self.process.find(f".//*[@id='{element_id}']") if _ID.match(element_id) else None
        if found is None or etree.QName(found).namespace != BPMN:
            raise OperationError(name, f"no element '{element_id}' in this process")
        return found

    def flows(self, attribute: str, element_id: str) -> list[etree._Element]:
        return [f for f in self.process.iterfind("bpmn:sequenceFlow", NS) if f.get(attribute) == element_id]

    def new_id(self, prefix: str, name: str) -> str:
        base = prefix + "_" + ("".join(w.title() for w in re.findall(r"[A-Za-z0-9]+", name)) or "Step")
        return _unused_id(self.process, base)


def _insert_task(edit: _Edit) -> None:
    after, before = edit.op.get("after"), edit.op.get("before")
    if (after is None) == (before is None):
        raise OperationError("after", "give exactly one of 'after' or 'before'")
    anchor = edit.element("after" if after else "before")
    name = edit.arg("name")
    task_id = edit.arg("id", required=False) or edit.new_id("Task", name)
    _check_id(task_id, "id")
    if edit.process.getroottree().getroot().find(f".//*[@id='{task_id}']") is not None:
        raise OperationError("id", f"id '{task_id}' is already used")
    rewired = edit.flows("sourceRef" if after else "targetRef", anchor.get("id"))
    if len(rewired) != 1:
        side = "outgoing" if after else "incoming"
        raise OperationError("after" if after else "before", f"'{anchor.get('id')}' has {len(rewired)} {side} flows; "
                             "insert next to an element with exactly one")
    task = etree.Element(f"{{{BPMN}}}userTask", id=task_id, name=name)
    anchor.addnext(task)
    flow = etree.Element(f"{{{BPMN}}}sequenceFlow", id=edit.new_id("Flow", f"To {name}" if after else f"From {name}"))
    if after:
        rewired[0].set("sourceRef", task_id)
        flow.set("sourceRef", anchor.get("id"))
        flow.set("targetRef", task_id)
    else:
        rewired[0].set("targetRef", task_id)
        flow.set("sourceRef", task_id)
        flow.set("targetRef", anchor.get("id"))
    rewired[0].addnext(flow)
    _set_lane(edit.process, task_id, edit.arg("lane", required=False) or _lane_of(edit.process, anchor.get("id")))
    for key, prop in (("form_key", "formKey"), ("assignee", "assignee"), ("candidate_group", "candidateGroup"),
                      ("due_in", "dueIn")):
        if edit.op.get(key) is not None:
            _set_property(task, prop, edit.arg(key))


def _remove_step(edit: _Edit) -> None:
    step = edit.element("element_id")
    step_id = step.get("id")
    incoming, outgoing = edit.flows("targetRef", step_id), edit.flows("sourceRef", step_id)
    if len(incoming) != 1 or len(outgoing) != 1:
        raise OperationError("element_id", f"'{step_id}' has {len(incoming)} incoming and {len(outgoing)} outgoing "
                             "flows; only a step with one of each can be removed and reconnected")
    if edit.process.find(f"bpmn:boundaryEvent[@attachedToRef='{step_id}']", NS) is not None:
        raise OperationError("element_id", f"'{step_id}' has timers or other boundary events; remove them first")
    incoming[0].set("targetRef", outgoing[0].get("targetRef"))
    for element in (outgoing[0], step):
        element.getparent().remove(element)
    for ref in edit.process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text == step_id:
            ref.getparent().remove(ref)


def _set_condition(edit: _Edit) -> None:
    flow = edit.element("flow_id")
    if local_name(flow) != "sequenceFlow":
        raise OperationError("flow_id", f"'{flow.get('id')}' is not a sequence flow")
    condition = edit.arg("condition")
    expression = flow.find("bpmn:conditionExpression", NS)
    if expression is None:
        expression = etree.SubElement(flow, f"{{{BPMN}}}conditionExpression")
    expression.text = condition


def _set_parameter(edit: _Edit) -> None:
    name = edit.arg("name")
    _check_id(name, "name")
    value = edit.op.get("value")
    if not isinstance(value, (int, float, str, bool)):
        raise OperationError("value", "must be a number, text or true/false")
    holder = _properties(edit.process, create=True)
    _put_property(holder, name, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def _set_lane(process: etree._Element, element_id: str, lane_name: str | None) -> None:
    if not lane_name:
        return
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text == element_id:
            ref.getparent().remove(ref)
    lane = next((lane for lane in process.iterfind(".//bpmn:lane", NS) if lane.get("name") == lane_name), None)
    if lane is None:
        lane_set = process.find("bpmn:laneSet", NS)
        if lane_set is None:
            lane_set = etree.Element(f"{{{BPMN}}}laneSet", id=f"LaneSet_{process.get('id')}")
            _after_extensions(process, lane_set)
        lane = etree.SubElement(lane_set, f"{{{BPMN}}}lane", id=_unused_id(process, f"Lane_{_camel(lane_name)}"),
                                name=lane_name)
    etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = element_id


def _change_lane(edit: _Edit) -> None:
    element = edit.element("element_id")
    _set_lane(edit.process, element.get("id"), edit.arg("lane"))


def _set_assignment(edit: _Edit) -> None:
    task = _user_task(edit)
    keys = {"assignee": "assignee", "candidate_group": "candidateGroup", "assignee_from": "assigneeFrom"}
    if not any(edit.op.get(k) is not None for k in keys):
        raise OperationError("assignee", "give assignee, candidate_group or assignee_from")
    for key, prop in keys.items():
        if key in edit.op:
            _set_property(task, prop, edit.arg(key, required=False))


def _set_form(edit: _Edit) -> None:
    _set_property(_user_task(edit), "formKey", edit.arg("form_key"))


def _rename(edit: _Edit) -> None:
    edit.element("element_id").set("name", edit.arg("name"))


def _set_timer(edit: _Edit) -> None:
    task = edit.element("element_id")
    duration = edit.arg("duration")
    if not re.match(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$", duration):
        raise OperationError("duration", f"'{duration}' is not an ISO 8601 duration such as P3D or PT4H")
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
        _set_lane(edit.process, event.get("id"), _lane_of(edit.process, task.get("id")))
    for child in list(timer):
        timer.remove(child)
    etree.SubElement(timer, f"{{{BPMN}}}timeDuration").text = json.dumps(duration)


OPERATIONS: dict[str, Callable[[_Edit], None]] = {
    "insert_task": _insert_task, "remove_step": _remove_step, "set_condition": _set_condition,
    "set_parameter": _set_parameter, "set_lane": _change_lane, "set_assignment": _set_assignment,
    "set_form": _set_form, "rename": _rename, "set_timer": _set_timer,
}


def _user_task(edit: _Edit) -> etree._Element:
    task = edit.element("element_id")
    if local_name(task) not in ("userTask", "manualTask"):
        raise OperationError("element_id", f"'{task.get('id')}' is not a user task")
    return task


def _properties(owner: etree._Element, create: bool) -> etree._Element | None:
    holder = owner.find("bpmn:extensionElements/spiffworkflow:properties", NS)
    if holder is None and create:
        extensions = owner.find("bpmn:extensionElements", NS)
        if extensions is None:
            extensions = etree.Element(f"{{{BPMN}}}extensionElements")
            documentation = owner.find("bpmn:documentation", NS)
            (documentation.addnext if documentation is not None else lambda e: owner.insert(0, e))(extensions)
        holder = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    return holder


def _set_property(owner: etree._Element, name: str, value: str | None) -> None:
    holder = _properties(owner, create=value is not None)
    if holder is None:
        return
    if value is None:
        for prop in holder.iterfind(f"spiffworkflow:property[@name='{name}']", NS):
            holder.remove(prop)
    else:
        _put_property(holder, name, value)


def _put_property(holder: etree._Element, name: str, value: str) -> None:
    prop = holder.find(f"spiffworkflow:property[@name='{name}']", NS)
    if prop is None:
        prop = etree.SubElement(holder, f"{{{SPIFF}}}property", name=name)
    prop.set("value", value)


def _lane_of(process: etree._Element, element_id: str) -> str | None:
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text == element_id:
            return ref.getparent().get("name")
    return None


def _after_extensions(process: etree._Element, element: etree._Element) -> None:
    anchors = [c for c in process if local_name(c) in ("documentation", "extensionElements")]
    (anchors[-1].addnext if anchors else lambda e: process.insert(0, e))(element)


def _process(root: etree._Element, key: str) -> etree._Element:
    process = root.find(f"bpmn:process[@id='{key}']", NS) if _ID.match(key) else None
    if process is None:
        raise InvalidData([FieldError("process_key", f"the model has no process '{key}'")])
    return process


def _check_id(value: str, field: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise OperationError(field, f"'{value}' is not a valid id (letters, digits, _ and -; starts with a letter)")


def _unused_id(process: etree._Element, base: str) -> str:
    """`base`, or `base2`, `base3` ... whichever no element of the whole model uses yet."""
    root, candidate, n = process.getroottree().getroot(), base, 2
    while root.find(f".//*[@id='{candidate}']") is not None:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def _camel(text: str) -> str:
    return "".join(w.title() for w in re.findall(r"[A-Za-z0-9]+", text)) or "Lane"


