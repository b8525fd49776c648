"""BPMN's implicit gateways made explicit: a step with several outgoing flows and no gateway.

BPMN lets a task (or an intermediate event, a sub-process) have several outgoing flows: without conditions
all of them are taken (an implicit parallel split). SpiffWorkflow runs only gateways that way, so intake
rewrites the step into step -> parallel gateway -> the same flows, in the stored model, where the diagram,
the outline, the diff and every later step see it. Flows with conditions leaving a task would be an implicit
inclusive choice; crmflow asks for the gateway to be drawn instead.
"""
from __future__ import annotations

from lxml import etree

from ..errors import Problem, Text
from .xml import BPMN, BPMNDI, DC, DI, NOT_FLOW_NODES, NS, local_name, problem_at

_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def split_implicit(root: etree._Element) -> tuple[bool, list[Problem]]:
    """Insert a parallel gateway after every step that splits without one. Returns (changed, problems)."""
    changed, problems = False, []
    for container in root.iter(*(f"{{{BPMN}}}{c}" for c in _CONTAINERS)):
        flows = container.findall("bpmn:sequenceFlow", NS)
        for node in list(container):
            if not isinstance(node.tag, str) or not node.get("id") or _branches_itself(node):
                continue
            leaving = [f for f in flows if f.get("sourceRef") == node.get("id")]
            if len(leaving) < 2:
                continue
            if any(f.find("bpmn:conditionExpression", NS) is not None for f in leaving):
                problems.append(problem_at("implicit_choice", Text("{count} flows leave this step and some carry "
                                                                   "conditions; add an inclusive gateway after it and "
                                                                   "put the conditions on the gateway's flows",
                                                                   count=len(leaving)), node))
                continue
            gateway = _insert_gateway(root, container, node, leaving)
            problems.append(problem_at("implicit_split", Text("{count} flows leave this step without a gateway, so "
                                                              "all of them are taken: crmflow drew the parallel "
                                                              "gateway '{gateway}' after it", count=len(leaving),
                                                              gateway=gateway), node, "warning"))
            changed = True
    return changed, problems


def _branches_itself(node: etree._Element) -> bool:
    """Gateways and start events branch on their own; what is not a flow node does not flow at all."""
    local = local_name(node)
    return local.endswith("Gateway") or local == "startEvent" or local in NOT_FLOW_NODES


def _insert_gateway(root: etree._Element, container: etree._Element, node: etree._Element,
                    leaving: list[etree._Element]) -> str:
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str)}
    gateway_id = _unused(f"Gateway_{node.get('id')}_Split", taken)
    flow_id = _unused(f"Flow_{node.get('id')}_ToSplit", taken | {gateway_id})
    gateway = etree.Element(f"{{{BPMN}}}parallelGateway", id=gateway_id)
    node.addnext(gateway)
    flow = etree.SubElement(container, f"{{{BPMN}}}sequenceFlow", id=flow_id, sourceRef=node.get("id"),
                            targetRef=gateway_id)
    for leaving_flow in leaving:
        leaving_flow.set("sourceRef", gateway_id)
    for lane in root.iterfind(".//bpmn:lane", NS):  # the gateway stands in the lane of its step
        if any((ref.text or "").strip() == node.get("id") for ref in lane.iterfind("bpmn:flowNodeRef", NS)):
            etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = gateway_id
    _draw(root, node.get("id"), gateway_id, flow.get("id"))
    return gateway_id


def _draw(root: etree._Element, node_id: str, gateway_id: str, flow_id: str) -> None:
    """Where the model has a diagram: the gateway just right of its step, joined to it by a short edge."""
    shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{node_id}']", NS)
    bounds = shape.find("dc:Bounds", NS) if shape is not None else None
    if bounds is None:
        return  # no diagram (intake draws one) or a step without a shape: nothing to place it by
    x, y = float(bounds.get("x", 0)) + float(bounds.get("width", 100)), float(bounds.get("y", 0))
    middle = y + float(bounds.get("height", 80)) / 2
    plane = shape.getparent()
    gateway = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{gateway_id}_di", bpmnElement=gateway_id)
    etree.SubElement(gateway, f"{{{DC}}}Bounds", x=str(x + 15), y=str(middle - 25), width="50", height="50")
    edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x), y=str(middle))
    etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x + 15), y=str(middle))


def _unused(base: str, taken: set[str | None]) -> str:
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate
