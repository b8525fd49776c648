"""Automatic diagram layout (BPMN DI) for a process, so any model opens cleanly in a modeler.

Lanes become horizontal bands; flow nodes are placed in columns by their longest path
from a start event (loops do not push nodes right); several nodes in one lane and column
stack downwards; sequence flows are drawn as orthogonal lines; boundary events sit on
the bottom edge of their task. Used for the shipped models and after structured edits.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from .xml import BPMN, BPMNDI, DC, DI, NS, local_name, parse_xml, serialize

SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
COLUMN_WIDTH, ROW_HEIGHT, LANE_HEADER, POOL_HEADER, LEFT = 160, 120, 30, 30, 160
SKIP = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "textAnnotation", "association",
        "extensionElements", "documentation", "boundaryEvent"}


@dataclass
class Box:
    """A shape's bounds."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


def _kind(local: str) -> str:
    if local.endswith("Event"):
        return "event"
    if local.endswith("Gateway"):
        return "gateway"
    return "task"


def layout(root: etree._Element) -> None:
    """Replace the diagram of every process (or its collaboration) in `root` with a computed one."""
    for diagram in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(diagram)
    collaboration = root.find("bpmn:collaboration", NS)
    for index, process in enumerate(root.findall("bpmn:process", NS)):
        participant = None
        if collaboration is not None:
            participant = collaboration.find(f"bpmn:participant[@processRef='{process.get('id')}']", NS)
        plane_owner = collaboration if collaboration is not None and index == 0 else process
        if collaboration is not None and index > 0:
            continue  # one collaboration diagram holds every pool; extra pools are laid out below
        _layout_process(root, process, participant, plane_owner)
    flow_refs(root)


# What may precede bpmn:incoming in a flow node (the BPMN XSD's order).
_BEFORE_REFS = {"documentation", "extensionElements", "auditing", "monitoring", "categoryValueRef"}


def flow_refs(root: etree._Element) -> None:
    """Write every flow node's bpmn:incoming and bpmn:outgoing references (bpmnlint and other tools read them)."""
    for container in root.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction",
                               f"{{{BPMN}}}adHocSubProcess"):
        flows = container.findall("bpmn:sequenceFlow", NS)
        for node in container:
            if not isinstance(node.tag, str) or local_name(node) in SKIP and local_name(node) != "boundaryEvent":
                continue
            for old in node.findall("bpmn:incoming", NS) + node.findall("bpmn:outgoing", NS):
                node.remove(old)
            refs = [("incoming", f.get("id")) for f in flows if f.get("targetRef") == node.get("id")]
            refs += [("outgoing", f.get("id")) for f in flows if f.get("sourceRef") == node.get("id")]
            position = sum(1 for child in node if isinstance(child.tag, str) and local_name(child) in _BEFORE_REFS)
            for offset, (kind, flow_id) in enumerate(refs):
                ref = etree.Element(f"{{{BPMN}}}{kind}")
                ref.text = flow_id
                node.insert(position + offset, ref)


def has_diagram(root: etree._Element) -> bool:
    """Whether the model carries diagram interchange for its flow nodes."""
    return root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane/bpmndi:BPMNShape", NS) is not None


def with_diagram(root: etree._Element) -> etree._Element:
    """The model laid out (a model without layout would show an empty diagram); returns the root to use."""
    for prefix, uri in (("bpmndi", BPMNDI), ("dc", DC), ("di", DI)):
        if uri not in root.nsmap.values():
            root = _with_namespace(root, prefix, uri)
    layout(root)
    return root


def _layout_process(root: etree._Element, process: etree._Element, participant: etree._Element | None,
                    plane_owner: etree._Element) -> None:
    nodes = {e.get("id"): e for e in process if isinstance(e.tag, str) and e.get("id")
             and local_name(e) not in SKIP}
    hosts = {e.get("id"): e.get("attachedToRef") for e in process.findall("bpmn:boundaryEvent", NS)}
    # A flow leaving a boundary event is placed as if it left the event's task.
    edges = [(hosts.get(f.get("sourceRef"), f.get("sourceRef")), f.get("targetRef"))
             for f in process.findall("bpmn:sequenceFlow", NS)]
    columns = _columns(nodes, [(a, b) for a, b in edges if a in nodes and b in nodes])
    lanes = _lanes(process, nodes)
    boxes, lane_boxes = _place(nodes, columns, lanes)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"BPMNDiagram_{process.get('id')}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"BPMNPlane_{process.get('id')}",
                             bpmnElement=plane_owner.get("id"))
    width = max((b.right for b in boxes.values()), default=400) + 80 - LEFT + POOL_HEADER + LANE_HEADER
    height = sum(h for _, _, h in lane_boxes)
    if participant is not None:
        _shape(plane, participant.get("id"), Box(LEFT - POOL_HEADER - LANE_HEADER, 60, width, height),
               isHorizontal="true")
    for lane_id, top, lane_height in lane_boxes:
        if lane_id:
            _shape(plane, lane_id, Box(LEFT - LANE_HEADER, top, width - POOL_HEADER, lane_height), isHorizontal="true")
    for node_id, box in boxes.items():
        extra = {"isMarkerVisible": "true"} if local_name(nodes[node_id]) == "exclusiveGateway" else {}
        _shape(plane, node_id, box, **extra)
    for event in process.findall("bpmn:boundaryEvent", NS):
        host = boxes.get(event.get("attachedToRef"))
        if host is not None:
            siblings = process.findall(f"bpmn:boundaryEvent[@attachedToRef='{event.get('attachedToRef')}']", NS)
            offset = siblings.index(event)
            boxes[event.get("id")] = Box(host.x + 12 + offset * 44, host.y + host.height - 18, 36, 36)
            _shape(plane, event.get("id"), boxes[event.get("id")])
    for flow in process.findall("bpmn:sequenceFlow", NS):
        source, target = boxes.get(flow.get("sourceRef")), boxes.get(flow.get("targetRef"))
        if source is not None and target is not None:
            _edge(plane, flow.get("id"), _route(source, target, boxes.values()))


def _columns(nodes: dict[str, etree._Element], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from the starts, ignoring edges that close a loop."""
    outgoing: dict[str, list[str]] = {}
    for source, target in edges:
        outgoing.setdefault(source, []).append(target)
    starts = [i for i, n in nodes.items() if local_name(n) == "startEvent"] or list(nodes)[:1]
    back_edges: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(start: str) -> None:  # iterative DFS marking back edges
        stack = [(start, iter(outgoing.get(start, [])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back_edges.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(outgoing.get(child, []))))

    for start in starts:
        if start not in state:
            visit(start)
    column = dict.fromkeys(starts, 0)
    order = _topological(nodes, outgoing, back_edges, starts)
    for node in order:
        for child in outgoing.get(node, []):
            if (node, child) not in back_edges:
                column[child] = max(column.get(child, 0), column.get(node, 0) + 1)
    return {node_id: column.get(node_id, 0) for node_id in nodes}


def _topological(nodes: dict[str, etree._Element], outgoing: dict[str, list[str]], back_edges: set[tuple[str, str]],
                 starts: list[str]) -> list[str]:
    incoming = dict.fromkeys(nodes, 0)
    for source, targets in outgoing.items():
        for target in targets:
            if (source, target) not in back_edges and target in incoming:
                incoming[target] += 1
    ready = [n for n in nodes if incoming[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for target in outgoing.get(node, []):
            if (node, target) not in back_edges and target in incoming:
                incoming[target] -= 1
                if incoming[target] == 0:
                    ready.append(target)
    return order


def _lanes(process: etree._Element, nodes: dict[str, etree._Element]) -> list[tuple[str | None, list[str]]]:
    lanes = []
    placed: set[str] = set()
    for lane in process.iterfind(".//bpmn:lane", NS):
        members = [ref.text for ref in lane.findall("bpmn:flowNodeRef", NS) if ref.text in nodes]
        placed.update(members)
        lanes.append((lane.get("id"), members))
    rest = [n for n in nodes if n not in placed]
    if rest or not lanes:
        lanes.append((None, rest))
    return lanes


def _place(nodes: dict[str, etree._Element], columns: dict[str, int], lanes: list[tuple[str | None, list[str]]]
           ) -> tuple[dict[str, Box], list[tuple[str | None, float, float]]]:
    boxes: dict[str, Box] = {}
    lane_boxes: list[tuple[str | None, float, float]] = []
    top = 60.0
    for lane_id, members in lanes:
        slots: dict[int, int] = {}
        for node_id in sorted(members, key=lambda n: (columns[n], list(nodes).index(n))):
            column = columns[node_id]
            row = slots.get(column, 0)
            slots[column] = row + 1
            width, height = SIZES[_kind(local_name(nodes[node_id]))]
            center_x = LEFT + 60 + column * COLUMN_WIDTH
            center_y = top + ROW_HEIGHT / 2 + row * ROW_HEIGHT
            boxes[node_id] = Box(center_x - width / 2, center_y - height / 2, width, height)
        lane_height = float(max(slots.values(), default=1) * ROW_HEIGHT)
        lane_boxes.append((lane_id, top, lane_height))
        top += lane_height
    return boxes, lane_boxes


def _route(source: Box, target: Box, shapes: Iterable[Box] = ()) -> list[tuple[float, float]]:
    """Orthogonal lines: forward along the source's row and down (or up) just before the target; where that row
    holds other shapes on the way, along the boundary of the source's row instead and down the gap between the
    columns, so a line never runs through a shape (a modeler could not click it)."""
    start = (source.right, source.middle)
    end = (target.x, target.middle)
    if target.x > source.right:
        elbow = target.x - 20
        blocked = any(box is not source and box is not target and box.y < source.middle < box.y + box.height
                      and box.x < elbow and box.right > source.right for box in shapes)
        if not blocked:
            if abs(source.middle - target.middle) < 1:
                return [start, end]
            return [start, (elbow, start[1]), (elbow, end[1]), end]
        leave = source.x + source.width / 2 + COLUMN_WIDTH / 2  # the middle of the gap after the source's column
        arrive = target.x + target.width / 2 - COLUMN_WIDTH / 2  # and before the target's
        channel = source.middle + (ROW_HEIGHT / 2 if target.middle >= source.middle else -ROW_HEIGHT / 2)
        return [start, (leave, start[1]), (leave, channel), (arrive, channel), (arrive, end[1]), end]
    # a loop back: leave from the bottom, along the boundary under the source's row, up or down the gap before the
    # target's column, along the boundary under the target's row, enter from below
    source_x, target_x = source.x + source.width / 2, target.x + target.width / 2
    under_source, under_target = source.middle + ROW_HEIGHT / 2, target.middle + ROW_HEIGHT / 2
    out_of, into = (source_x, source.y + source.height), (target_x, target.y + target.height)
    if abs(under_source - under_target) < 1:
        return [out_of, (source_x, under_source), (target_x, under_target), into]
    gap = target_x - COLUMN_WIDTH / 2
    return [out_of, (source_x, under_source), (gap, under_source), (gap, under_target), (target_x, under_target), into]


def _shape(plane: etree._Element, element_id: str, box: Box, **attributes: str) -> None:
    shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id,
                             **attributes)
    etree.SubElement(shape, f"{{{DC}}}Bounds", x=_n(box.x), y=_n(box.y), width=_n(box.width), height=_n(box.height))


def _edge(plane: etree._Element, flow_id: str, points: list[tuple[float, float]]) -> None:
    edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    for x, y in points:
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y))


def _n(value: float) -> str:
    return str(int(round(value)))


def layout_bytes(bpmn: bytes) -> bytes:
    """Parse (hardened), lay out, and serialize a model."""
    return serialize(with_diagram(parse_xml(bpmn, max_bytes=len(bpmn))))


def _with_namespace(root: etree._Element, prefix: str, uri: str) -> etree._Element:
    """lxml cannot add a prefix to an existing element; rebuild the root with it declared."""
    new_root = etree.Element(root.tag, nsmap={**root.nsmap, prefix: uri}, attrib=dict(root.attrib))
    new_root.extend(list(root))
    return new_root
