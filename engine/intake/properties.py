"""crmflow's BPMN vocabulary: the properties (`spiffworkflow:property`) a model may set, said once.

Each says where it may stand, what kind of value it holds, the edit operations' name for it and its labels. Lint,
the dialects, the runtime, the outline and its diff, the guided edits and the modeler's panel all read this table:
a new property is one row here (and the code that gives it its meaning).
"""
from __future__ import annotations

from dataclasses import dataclass

HUMAN = ("userTask", "manualTask", "task")  # the steps a person does
NAMED = (*HUMAN, "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
         "serviceTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess",
         "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "lane", "participant")


@dataclass(frozen=True)
class Property:
    """One crmflow property of a BPMN element."""

    name: str  # as the model writes it: <spiffworkflow:property name="...">
    field: str  # as the guided edits and the outline call it
    where: tuple[str, ...]  # the BPMN element types (local names) it may stand on
    kind: str  # form | duration | user | group | data_name | separation | text
    label: str
    label_zh: str
    assignment: bool = False  # one of the ways a step names who does it
    hint: str = ""

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "field": self.field, "where": list(self.where), "kind": self.kind,
                "label": self.label, "label_zh": self.label_zh, "hint": self.hint}


NAME_ZH = Property("nameZh", "name_zh", NAMED, "text", "Name in Chinese", "中文名称")
CANDIDATE_GROUP = Property("candidateGroup", "candidate_group", HUMAN, "group", "Candidate group", "候选组",
                           assignment=True)
ASSIGNEE = Property("assignee", "assignee", HUMAN, "user", "Assignee", "处理人", assignment=True)
ASSIGNEE_FROM = Property("assigneeFrom", "assignee_from", HUMAN, "data_name", "Assignee from the field", "处理人取自字段",
                         assignment=True, hint="the case data field holding the user name")
FORM_KEY = Property("formKey", "form_key", (*HUMAN, "startEvent", "message"), "form", "Form", "表单")
DUE_IN = Property("dueIn", "due_in", HUMAN, "duration", "Due in (e.g. P3D)", "期限（如 P3D）",
                  hint="an ISO 8601 duration: P3D, PT4H")
SEPARATE_FROM = Property("separateFrom", "separate_from", HUMAN, "separation", "Not by (four eyes)", "不得由（四眼原则）",
                         hint="starter, or the ids of steps whose doer may not do this one")
START_FOR = Property("startFor", "start_for", ("startEvent",), "group", "One case for each member of", "为每位成员各发起一个案件",
                     hint="on a timer start event: each firing starts one case per member of this group, the "
                          "member's user name in the field 'member'")
MEMBER = "member"  # the field a case started for each member of a group holds the member's user name in

PROPERTIES: dict[str, Property] = {p.name: p for p in (
    NAME_ZH, CANDIDATE_GROUP, ASSIGNEE, ASSIGNEE_FROM, FORM_KEY, DUE_IN, SEPARATE_FROM, START_FOR)}
ASSIGNMENT = tuple(p.name for p in PROPERTIES.values() if p.assignment)  # assignee, candidateGroup, assigneeFrom


def panel() -> list[dict[str, object]]:
    """The table as the modeler's panel reads it."""
    return [p.to_json() for p in PROPERTIES.values()]
