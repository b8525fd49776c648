"""The diagrams crmflow lays out (the shipped models, a model uploaded without one, a draft after guided edits) can be
worked in a modeler: no line runs through a shape it does not start or end at."""
from __future__ import annotations

import pytest
from lxml import etree

from designer_api.wiring import shipped, shipped_models
from engine import Engine
from tests.engine.bpmn_builder import gateway_model

DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI", "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
FLOW_NODES = ("task", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask", "receiveTask",
              "manualTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
              "eventBasedGateway", "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent")


def crossings(bpmn: bytes) -> list[tuple[str, str]]:
    """(flow, shape) for every segment of a flow's line that runs through the inside of a shape it does not join."""
    root = etree.fromstring(bpmn)
    kinds = {e.get("id"): etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    shapes = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", DI):
        if kinds.get(shape.get("bpmnElement")) in FLOW_NODES:
            b = shape.find("dc:Bounds", DI)
            shapes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//bpmn:sequenceFlow", DI)}
    found = []
    for edge in root.iterfind(".//bpmndi:BPMNEdge", DI):
        flow = edge.get("bpmnElement")
        ends = set(flows.get(flow, ()))
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", DI)]
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            for shape_id, (x, y, w, h) in shapes.items():
                if shape_id in ends:
                    continue
                inside_x = min(x1, x2) < x + w - 1 and max(x1, x2) > x + 1
                inside_y = min(y1, y2) < y + h - 1 and max(y1, y2) > y + 1
                if inside_x and inside_y:
                    found.append((flow, shape_id))
    return found


@pytest.mark.parametrize("path", shipped_models(), ids=lambda p: p.stem)
def test_no_line_of_a_shipped_diagram_runs_through_a_shape(path):
    assert crossings(shipped(path)[0]) == []


def test_a_draft_laid_out_after_guided_edits_keeps_its_lines_off_the_shapes(engine: Engine):
    engine.deploy(gateway_model(), author="ann")
    draft = engine.authoring.copy("test_process", "gateway_adapted", author="ann")
    engine.authoring.edit(draft.id, [
        {"op": "insert_task", "after": "Task_Review", "name": "Second review", "when": "amount > 300"},
        {"op": "insert_task", "after": "Task_Check", "name": "Counter check"}], "ann")
    assert crossings(engine.authoring.bpmn(f"draft:{draft.id}")[0]) == []
