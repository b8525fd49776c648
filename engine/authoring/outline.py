"""A model in business terms — steps, lanes, conditions, forms, timers, thresholds — and diffs of two.

Read from the XML (not the spec), so the diff speaks the words analysts see in the
modeler, and layout changes never show up as business changes.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from ..intake.dictionary import decision_ref
from ..intake.properties import ASSIGNEE_FROM, ASSIGNMENT, CANDIDATE_GROUP, DUE_IN, FORM_KEY, NAME_ZH
from ..intake.xml import NS, local_name, process_name_zh, process_parameters, property_values, reparse
from ..scripting.decisions import Entry, ParameterRef, Table

_NOT_STEPS = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference",
              "textAnnotation", "association", "extensionElements", "documentation", "boundaryEvent"}
# Each kind of business change, with its title in English and Chinese (the diff's headings).
CHANGES: dict[str, tuple[str, str]] = {
    "steps_added": ("Steps added", "新增步骤"), "steps_removed": ("Steps removed", "删除步骤"),
    "steps_renamed": ("Steps renamed", "步骤改名"), "lanes_changed": ("Lanes changed", "泳道变更"),
    "assignments_changed": ("Who does it", "处理人规则变更"), "forms_changed": ("Forms changed", "表单变更"),
    "conditions_changed": ("Conditions changed", "条件变更"), "timers_changed": ("Timers changed", "定时器变更"),
    "thresholds_changed": ("Thresholds changed", "阈值变更"), "services_changed": ("Services changed", "服务变更"),
    "rules_changed": ("Decision rules changed", "决策规则变更"),
}
CHANGE_KINDS = tuple(CHANGES)


def outline(bpmn: bytes, process_key: str, tables: Mapping[str, Table] | None = None) -> dict[str, Any]:
    """The business view of one process in a model, and of the decision tables it carries."""
    root = reparse(bpmn)
    process = root.find(f"bpmn:process[@id='{process_key}']", NS)
    decisions = {decision_id: table_outline(table) for decision_id, table in sorted((tables or {}).items())}
    if process is None:
        return {"process_key": process_key, "name": None, "parameters": {}, "steps": {}, "flows": {}, "lanes": [],
                "decisions": decisions}
    lanes = {ref.text: ref.getparent().get("name") for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}
    defaults = {e.get("default") for e in process if e.get("default")}
    steps = {e.get("id"): _step(process, e, lanes) for e in process
             if isinstance(e.tag, str) and e.get("id") and local_name(e) not in _NOT_STEPS}
    flows = {f.get("id"): {"from": f.get("sourceRef"), "to": f.get("targetRef"), "name": f.get("name"),
                           "condition": _text(f.find("bpmn:conditionExpression", NS)),
                           "default": f.get("id") in defaults}
             for f in process.iterfind("bpmn:sequenceFlow", NS)}
    return {"process_key": process_key, "name": process.get("name"), "name_zh": process_name_zh(root, process_key),
            "parameters": process_parameters(root, process_key),
            "steps": steps, "flows": flows, "lanes": sorted({lane for lane in lanes.values() if lane}),
            "decisions": decisions}


def table_outline(table: Table) -> dict[str, Any]:
    """A decision table as analysts read it: its columns, and each rule's cells as written and in words."""
    return {"name": table.name, "hit_policy": table.hit_policy, "aggregation": table.aggregation,
            "inputs": [{"label": c.label, "expression": c.expression} for c in table.columns],
            "outputs": [{"name": o.name, "label": o.label, "values": list(o.values) if o.values else None}
                        for o in table.outputs],
            "rules": [{"number": rule.number, "id": rule.id, "description": rule.description,
                       "inputs": [entry.text for entry in rule.entries], "outputs": list(rule.output_texts),
                       "when": [w for w in (cell_words(c.label, e) for c, e in zip(table.columns, rule.entries,
                                                                                   strict=True)) if w],
                       "then": [_value_words(v) for v in rule.outputs]} for rule in table.rules]}


def cell_words(label: str, entry: Entry) -> str:
    """An input cell in words: "requested credit limit > 1,000,000", "region east or west", "" for any value."""
    if entry.anything:
        return ""
    parts = []
    for test in entry.tests:
        if test.op == "range":
            parts.append(f"{'[' if test.low_closed else '('}{_value_words(test.low)}.."
                         f"{_value_words(test.high)}{']' if test.high_closed else ')'}")
        elif test.op == "=":
            parts.append(_value_words(test.value))
        else:
            parts.append(f"{test.op} {_value_words(test.value)}")
    said = " or ".join(parts)
    return f"{label} not {said}" if entry.negated else f"{label} {said}"


def _value_words(value: Any) -> str:
    if isinstance(value, ParameterRef):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _number(value)


def _step(process: etree._Element, element: etree._Element, lanes: dict[str, str]) -> dict[str, Any]:
    properties = property_values(element)
    operator = element.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    timers = [{"id": event.get("id"), "name": event.get("name"),
               "duration": _text(event.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS)),
               "interrupting": event.get("cancelActivity", "true") != "false"}
              for event in process.iterfind(f"bpmn:boundaryEvent[@attachedToRef='{element.get('id')}']", NS)
              if event.find("bpmn:timerEventDefinition", NS) is not None]
    return {
        "type": local_name(element), "name": element.get("name"), "name_zh": properties.get(NAME_ZH.name),
        "decision": decision_ref(element) if local_name(element) == "businessRuleTask" else None,
        "lane": lanes.get(element.get("id")),
        "form": properties.get(FORM_KEY.name), "due_in": properties.get(DUE_IN.name),
        "assignment": {k: properties[k] for k in ASSIGNMENT if properties.get(k)},
        "service": operator.get("id") if operator is not None else None, "timers": timers,
        "inputs": {p.get("id"): p.get("value") for p in operator.iterfind(
            "spiffworkflow:parameters/spiffworkflow:parameter", NS)} if operator is not None else {},
    }


def _text(element: etree._Element | None) -> str | None:
    return element.text.strip() if element is not None and element.text else None


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two outlines, in business terms, with a count per kind.

    Every change carries `text_en` and `text_zh`: the sentence an analyst or manager reads
    ("Step 'Key account review' added after 'Credit limit review', only when ...").
    """
    before, after = old["steps"], new["steps"]
    changes: dict[str, list[Any]] = {kind: [] for kind in CHANGE_KINDS}
    changes["steps_added"] = [_added(i, new) for i in after if i not in before and not _is_gateway(after[i])]
    changes["steps_removed"] = [_removed(i, old) for i in before if i not in after and not _is_gateway(before[i])]
    for step_id in before.keys() & after.keys():
        a, b = before[step_id], after[step_id]
        for field, kind in (("name", "steps_renamed"), ("lane", "lanes_changed"), ("assignment", "assignments_changed"),
                            ("form", "forms_changed"), ("timers", "timers_changed"), ("service", "services_changed")):
            if a[field] != b[field] or field == "name" and a["name_zh"] != b["name_zh"]:
                changes[kind].append(_changed(kind, step_id, b, a[field], b[field], a["name_zh"], b["name_zh"]))
    for flow_id, flow in new["flows"].items():
        was = old["flows"].get(flow_id)
        if flow["condition"] and (was is None or was["condition"] != flow["condition"]):
            changes["conditions_changed"].append(_condition(flow_id, new, was and was["condition"], flow["condition"]))
    for flow_id, flow in old["flows"].items():
        if flow["condition"] and flow_id not in new["flows"]:
            changes["conditions_changed"].append(_condition(flow_id, old, flow["condition"], None))
    for name in sorted(old["parameters"].keys() | new["parameters"].keys()):
        if old["parameters"].get(name) != new["parameters"].get(name):
            changes["thresholds_changed"].append(_threshold(name, old["parameters"], new["parameters"]))
    changes["rules_changed"] = _rule_changes(old.get("decisions", {}), new.get("decisions", {}))
    return {"summary": {kind: len(items) for kind, items in changes.items()}, **changes}


def overlap(theirs: dict[str, Any], ours: dict[str, Any]) -> list[dict[str, Any]]:
    """The elements, flows and thresholds two diffs from the same base both changed."""
    def touched(changes: dict[str, Any]) -> dict[str, str]:
        return {item.get("element_id") or item.get("flow_id") or item.get("name")
                or f"{item.get('decision')} rule {item.get('rule_id') or '(table)'}": kind
                for kind in CHANGE_KINDS for item in changes[kind]}

    mine = touched(ours)
    return [{"id": key, "theirs": kind, "ours": mine[key]} for key, kind in touched(theirs).items() if key in mine]


def _is_gateway(step: dict[str, Any]) -> bool:
    return str(step["type"]).endswith("Gateway")


def _label(step_id: str | None, outline: dict[str, Any]) -> str:
    step = outline["steps"].get(step_id or "")
    return (step and step["name"]) or step_id or "?"


def _anchor(step_id: str, outline: dict[str, Any]) -> tuple[str | None, str | None]:
    """The step before `step_id` (looking through unnamed or generated gateways) and the condition on the way."""
    condition, seen = None, {step_id}
    node = step_id
    while True:
        into = [f for f in outline["flows"].values() if f["to"] == node]
        if len(into) != 1 or into[0]["from"] in seen:
            return None, condition
        condition = condition or into[0]["condition"]
        node = into[0]["from"]
        seen.add(node)
        step = outline["steps"].get(node)
        if step is None or not _is_gateway(step):
            return node, condition


def _added(step_id: str, new: dict[str, Any]) -> dict[str, Any]:
    step = new["steps"][step_id]
    anchor, condition = _anchor(step_id, new)
    where_en = f" after '{_label(anchor, new)}'" if anchor else ""
    where_zh = f"，位于“{_label(anchor, new)}”之后" if anchor else ""
    when_en = f", only when {condition}" if condition else ""
    when_zh = f"，仅当 {condition} 时执行" if condition else ""
    return {"element_id": step_id, "name": step["name"], "type": step["type"], "lane": step["lane"],
            "form": step["form"], "after": anchor, "when": condition,
            "text_en": f"Step '{step['name'] or step_id}' added{where_en}{when_en}",
            "text_zh": f"新增步骤“{step['name'] or step_id}”{where_zh}{when_zh}"}


def _removed(step_id: str, old: dict[str, Any]) -> dict[str, Any]:
    step = old["steps"][step_id]
    anchor, _ = _anchor(step_id, old)
    where_en = f" (it came after '{_label(anchor, old)}')" if anchor else ""
    where_zh = f"（原在“{_label(anchor, old)}”之后）" if anchor else ""
    return {"element_id": step_id, "name": step["name"], "type": step["type"], "lane": step["lane"],
            "form": step["form"], "text_en": f"Step '{step['name'] or step_id}' removed{where_en}",
            "text_zh": f"删除步骤“{step['name'] or step_id}”{where_zh}"}


_WHAT = {"lanes_changed": ("Lane", "泳道"), "assignments_changed": ("Assignee", "处理人"),
         "forms_changed": ("Form", "表单"), "timers_changed": ("Timers", "定时器"),
         "services_changed": ("Service", "服务")}


def _changed(kind: str, step_id: str, step: dict[str, Any], was: Any, now: Any, was_zh: str | None,
             now_zh: str | None) -> dict[str, Any]:
    item = {"element_id": step_id, "name": step["name"], "from": was, "to": now}
    if kind == "steps_renamed":
        old_name, new_name = " / ".join(filter(None, (was, was_zh))), " / ".join(filter(None, (now, now_zh)))
        return {**item, "from_zh": was_zh, "to_zh": now_zh, "text_en": f"'{old_name}' renamed '{new_name}'",
                "text_zh": f"“{old_name}”改名为“{new_name}”"}
    en, zh = _WHAT[kind]
    return {**item, "text_en": f"{en} of '{step['name'] or step_id}': {_words(kind, was, 'en')} -> "
                               f"{_words(kind, now, 'en')}",
            "text_zh": f"“{step['name'] or step_id}”的{zh}：{_words(kind, was, 'zh')} → {_words(kind, now, 'zh')}"}


def _words(kind: str, value: Any, language: str) -> str:
    zh = language == "zh"
    if value in (None, {}, []):
        return {"assignments_changed": "由泳道决定" if zh else "the lane decides"}.get(kind, "无" if zh else "none")
    if kind == "assignments_changed":
        parts = [("用户 " if zh else "user ") + value["assignee"] if value.get("assignee") else "",
                 ("组 " if zh else "group ") + value[CANDIDATE_GROUP.name] if value.get(CANDIDATE_GROUP.name) else "",
                 ("数据字段 " if zh else "the person in field ") + value[ASSIGNEE_FROM.name]
                 if value.get(ASSIGNEE_FROM.name) else ""]
        return ", ".join(p for p in parts if p)
    if kind == "timers_changed":
        return ", ".join(f"{t['name'] or t['id']} {str(t['duration'] or '').strip(chr(34))}"
                         + ("" if t["interrupting"] else (" (不中断)" if zh else " (non-interrupting)"))
                         for t in value)
    return str(value)


def _condition(flow_id: str, outline: dict[str, Any], was: str | None, now: str | None) -> dict[str, Any]:
    flow = outline["flows"][flow_id]
    path = f"'{_label(flow['from'], outline)}' -> '{_label(flow['to'], outline)}'"
    path_zh = f"“{_label(flow['from'], outline)}”→“{_label(flow['to'], outline)}”"
    return {"flow_id": flow_id, "from": was, "to": now,
            "text_en": f"Condition on {path}: {was or 'none'} -> {now or 'removed'}",
            "text_zh": f"{path_zh} 的条件：{was or '无'} → {now or '已删除'}"}


def _threshold(name: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    was, now = old.get(name), new.get(name)
    if name not in old:
        en, zh = f"Threshold {name} added: {_number(now)}", f"新增阈值 {name}：{_number(now)}"
    elif name not in new:
        en, zh = f"Threshold {name} removed (was {_number(was)})", f"删除阈值 {name}（原为 {_number(was)}）"
    else:
        en, zh = f"Threshold {name} {_number(was)} -> {_number(now)}", f"阈值 {name}：{_number(was)} → {_number(now)}"
    return {"name": name, "from": was, "to": now, "text_en": en, "text_zh": zh}


def _rule_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per decision table, each rule added, removed or changed (rules matched by their ids), in words."""
    changes: list[dict[str, Any]] = []
    for decision_id in sorted(old.keys() | new.keys()):
        before, after = old.get(decision_id), new.get(decision_id)
        if before is None or after is None:
            added = before is None
            changes.append({"decision": decision_id, "rule_id": None, "change": "table_added" if added else
                            "table_removed", "text_en": f"Decision table {decision_id} {'added' if added else 'removed'}",
                            "text_zh": f"{'新增' if added else '删除'}决策表 {decision_id}"})
            continue
        if before["hit_policy"] != after["hit_policy"] or before["aggregation"] != after["aggregation"]:
            was, now = _policy(before), _policy(after)
            changes.append({"decision": decision_id, "rule_id": None, "change": "hit_policy",
                            "text_en": f"{decision_id}: hit policy {was} -> {now}",
                            "text_zh": f"{decision_id}：命中策略 {was} → {now}"})
        was_rules = {rule["id"]: rule for rule in before["rules"]}
        for rule in after["rules"]:
            old_rule = was_rules.pop(rule["id"], None)
            if old_rule is None:
                changes.append(_rule_change(decision_id, rule, "added", None))
            elif (old_rule["inputs"], old_rule["outputs"]) != (rule["inputs"], rule["outputs"]):
                changes.append(_rule_change(decision_id, rule, "changed", old_rule))
        changes += [_rule_change(decision_id, rule, "removed", None) for rule in was_rules.values()]
    return changes


def _rule_change(decision_id: str, rule: dict[str, Any], change: str, was: dict[str, Any] | None) -> dict[str, Any]:
    said = f"{' and '.join(rule['when']) or 'any case'} → {', '.join(rule['then'])}"
    item = {"decision": decision_id, "rule_id": rule["id"], "number": rule["number"], "change": change,
            "from": was and {"inputs": was["inputs"], "outputs": was["outputs"]},
            "to": {"inputs": rule["inputs"], "outputs": rule["outputs"]}}
    if change == "added":
        return {**item, "text_en": f"{decision_id} rule {rule['number']} added: {said}",
                "text_zh": f"{decision_id} 新增规则 {rule['number']}：{said}"}
    if change == "removed":
        return {**item, "from": item["to"], "to": None,
                "text_en": f"{decision_id} rule {rule['number']} removed (was {said})",
                "text_zh": f"{decision_id} 删除规则 {rule['number']}（原为 {said}）"}
    assert was is not None
    before = [w for w, n in zip(was["when"], rule["when"], strict=False) if w != n] if len(was["when"]) == len(
        rule["when"]) else was["when"]
    before += [t for t, n in zip(was["then"], rule["then"], strict=True) if t != n]
    old_words = ", ".join(before) or ", ".join(was["when"] + was["then"])
    return {**item, "text_en": f"{decision_id} rule {rule['number']}: {said} (was {old_words})",
            "text_zh": f"{decision_id} 规则 {rule['number']}：{said}（原为 {old_words}）"}


def _policy(table: dict[str, Any]) -> str:
    return f"{table['hit_policy']} {table['aggregation']}" if table["aggregation"] else table["hit_policy"]


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
