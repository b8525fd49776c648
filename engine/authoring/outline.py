"""A model in business terms — steps, lanes, conditions, forms, timers, thresholds — and diffs of two.

Read from the XML (not the spec), so the diff speaks the words analysts see in the
modeler, and layout changes never show up as business changes.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from ..intake.pipeline import process_parameters
from ..intake.xml import NS, local_name, reparse

_NOT_STEPS = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference",
              "textAnnotation", "association", "extensionElements", "documentation", "boundaryEvent"}
# Each kind of business change, with its title in English and Chinese (the diff's headings).
CHANGES: dict[str, tuple[str, str]] = {
    "steps_added": ("Steps added", "新增步骤"), "steps_removed": ("Steps removed", "删除步骤"),
    "steps_renamed": ("Steps renamed", "步骤改名"), "lanes_changed": ("Lanes changed", "泳道变更"),
    "assignments_changed": ("Who does it", "处理人规则变更"), "forms_changed": ("Forms changed", "表单变更"),
    "conditions_changed": ("Conditions changed", "条件变更"), "timers_changed": ("Timers changed", "定时器变更"),
    "thresholds_changed": ("Thresholds changed", "阈值变更"), "services_changed": ("Services changed", "服务变更"),
}
CHANGE_KINDS = tuple(CHANGES)


def outline(bpmn: bytes, process_key: str) -> dict[str, Any]:
    """The business view of one process in a model."""
    root = reparse(bpmn)
    process = root.find(f"bpmn:process[@id='{process_key}']", NS)
    if process is None:
        return {"process_key": process_key, "name": None, "parameters": {}, "steps": {}, "flows": {}, "lanes": []}
    lanes = {ref.text: ref.getparent().get("name") for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}
    defaults = {e.get("default") for e in process if e.get("default")}
    steps = {e.get("id"): _step(process, e, lanes) for e in process
             if isinstance(e.tag, str) and e.get("id") and local_name(e) not in _NOT_STEPS}
    flows = {f.get("id"): {"from": f.get("sourceRef"), "to": f.get("targetRef"), "name": f.get("name"),
                           "condition": _text(f.find("bpmn:conditionExpression", NS)),
                           "default": f.get("id") in defaults}
             for f in process.iterfind("bpmn:sequenceFlow", NS)}
    return {"process_key": process_key, "name": process.get("name"), "parameters": process_parameters(root, process_key),
            "steps": steps, "flows": flows, "lanes": sorted({lane for lane in lanes.values() if lane})}


def _step(process: etree._Element, element: etree._Element, lanes: dict[str, str]) -> dict[str, Any]:
    properties = {p.get("name"): p.get("value") for p in
                  element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
    operator = element.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    timers = [{"id": event.get("id"), "name": event.get("name"),
               "duration": _text(event.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS)),
               "interrupting": event.get("cancelActivity", "true") != "false"}
              for event in process.iterfind(f"bpmn:boundaryEvent[@attachedToRef='{element.get('id')}']", NS)
              if event.find("bpmn:timerEventDefinition", NS) is not None]
    return {
        "type": local_name(element), "name": element.get("name"), "lane": lanes.get(element.get("id")),
        "form": properties.get("formKey"), "due_in": properties.get("dueIn"),
        "assignment": {k: properties[k] for k in ("assignee", "candidateGroup", "assigneeFrom") if properties.get(k)},
        "service": operator.get("id") if operator is not None else None, "timers": timers,
    }


def _text(element: etree._Element | None) -> str | None:
    return element.text.strip() if element is not None and element.text else None


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two outlines, in business terms, with a count per kind."""
    before, after = old["steps"], new["steps"]
    changes: dict[str, list[Any]] = {kind: [] for kind in CHANGE_KINDS}
    changes["steps_added"] = [_brief(i, after[i]) for i in after if i not in before]
    changes["steps_removed"] = [_brief(i, before[i]) for i in before if i not in after]
    for step_id in before.keys() & after.keys():
        a, b = before[step_id], after[step_id]
        for field, kind in (("name", "steps_renamed"), ("lane", "lanes_changed"), ("assignment", "assignments_changed"),
                            ("form", "forms_changed"), ("timers", "timers_changed"), ("service", "services_changed")):
            if a[field] != b[field]:
                changes[kind].append({"element_id": step_id, "name": b["name"], "from": a[field], "to": b[field]})
    for flow_id, flow in new["flows"].items():
        was = old["flows"].get(flow_id)
        if flow["condition"] and (was is None or was["condition"] != flow["condition"]):
            changes["conditions_changed"].append({"flow_id": flow_id, "from": was and was["condition"],
                                                  "to": flow["condition"]})
    for flow_id, flow in old["flows"].items():
        if flow["condition"] and flow_id not in new["flows"]:
            changes["conditions_changed"].append({"flow_id": flow_id, "from": flow["condition"], "to": None})
    for name in sorted(old["parameters"].keys() | new["parameters"].keys()):
        if old["parameters"].get(name) != new["parameters"].get(name):
            changes["thresholds_changed"].append({"name": name, "from": old["parameters"].get(name),
                                                  "to": new["parameters"].get(name)})
    return {"summary": {kind: len(items) for kind, items in changes.items()}, **changes}


def _brief(step_id: str, step: dict[str, Any]) -> dict[str, Any]:
    return {"element_id": step_id, "name": step["name"], "type": step["type"], "lane": step["lane"],
            "form": step["form"]}
