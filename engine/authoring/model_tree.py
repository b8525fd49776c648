"""Small changes to a BPMN tree: extension properties, lanes, fresh ids, and copying under a new key.

The edit operations (operations.py) are written with these; nothing here knows an operation.
"""
from __future__ import annotations

import re

from lxml import etree

from ..errors import FieldError, InvalidData, Text
from ..intake.xml import BPMN, NS, local_name, reparse, serialize

ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,127}$")


class OperationError(Exception):
    """One operation of a batch cannot be applied; `field` names the offending key."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def copy_model(bpmn: bytes, source_key: str, new_key: str, name: str | None = None) -> bytes:
    """The same model under a new process id; participants and call activities follow. :raises InvalidData:"""
    if not isinstance(new_key, str) or not ID.match(new_key):
        raise InvalidData([FieldError("process_key", Text("'{new_key}' is not a valid process key (letters, digits, _ "
                                                          "and -; starts with a letter)", new_key=new_key))])
    root = reparse(bpmn)
    process = process_of(root, source_key)
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


def set_lane(process: etree._Element, element_id: str, lane_name: str | None) -> None:
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
            after_extensions(process, lane_set)
        lane = etree.SubElement(lane_set, f"{{{BPMN}}}lane", id=unused_id(process, f"Lane_{camel(lane_name)}"),
                                name=lane_name)
    etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = element_id


def lane_of(process: etree._Element, element_id: str) -> str | None:
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text == element_id:
            return ref.getparent().get("name")
    return None


def after_extensions(process: etree._Element, element: etree._Element) -> None:
    anchors = [c for c in process if local_name(c) in ("documentation", "extensionElements")]
    (anchors[-1].addnext if anchors else lambda e: process.insert(0, e))(element)


def process_of(root: etree._Element, key: str) -> etree._Element:
    process = root.find(f"bpmn:process[@id='{key}']", NS) if ID.match(key) else None
    if process is None:
        raise InvalidData([FieldError("process_key", Text("the model has no process '{key}'", key=key))])
    return process


def check_id(value: str, field: str) -> None:
    if not isinstance(value, str) or not ID.match(value):
        raise OperationError(field, Text("'{value}' is not a valid id (letters, digits, _ and -; starts with a letter)",
                                         value=value))


def unused_id(process: etree._Element, base: str) -> str:
    """`base`, or `base2`, `base3` ... whichever no element of the whole model uses yet."""
    root, candidate, n = process.getroottree().getroot(), base, 2
    while root.find(f".//*[@id='{candidate}']") is not None:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def camel(text: str) -> str:
    return "".join(w.title() for w in re.findall(r"[A-Za-z0-9]+", text)) or "Lane"
