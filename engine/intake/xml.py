"""BPMN XML: the namespaces every module reads models with, the hardened parser, and serialization.

The one place where model bytes become an lxml tree: size cap, compressed input and any
DOCTYPE refused, entities never resolved, nothing fetched from the network.
"""
from __future__ import annotations

import json
from typing import Any

from lxml import etree

from ..errors import InvalidModel, ModelTooLarge, Problem, Text

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "spiffworkflow": SPIFF}
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# Children of a process that are not steps a token can be at.
NOT_FLOW_NODES = frozenset({
    "sequenceFlow", "laneSet", "lane", "flowNodeRef", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "extensionElements", "documentation", "ioSpecification", "property",
    "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "incoming", "outgoing",
    "dataInputAssociation", "dataOutputAssociation", "group", "conditionExpression", "script",
    "timerEventDefinition", "messageEventDefinition", "signalEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "conditionalEventDefinition", "terminateEventDefinition", "linkEventDefinition",
    "compensateEventDefinition", "cancelEventDefinition", "timeDuration", "timeDate", "timeCycle",
    "loopCardinality", "completionCondition", "inputDataItem", "outputDataItem", "loopDataInputRef",
    "loopDataOutputRef", "dataInput", "dataOutput", "inputSet", "outputSet", "dataInputRefs", "dataOutputRefs",
    "sourceRef", "targetRef", "assignment", "from", "to", "text", "category", "categoryValue",
})
MIN_LXML = (6, 1)
_COMPRESSED = {b"\x1f\x8b": "gzip", b"PK": "zip", b"BZ": "bzip2", b"\xfd7": "xz", b"(\xb5": "zstd"}


def check_lxml_version() -> None:
    """Refuse to start with an lxml older than 6.1 (older releases lack hardening we rely on)."""
    if etree.LXML_VERSION[:2] < MIN_LXML:
        raise RuntimeError(f"crmflow needs lxml >= {'.'.join(map(str, MIN_LXML))}, found {etree.__version__}")


def parse_xml(bpmn: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Hardened parse of raw bytes into the root `bpmn:definitions`. :raises InvalidModel:"""
    root = parse_document(bpmn, max_bytes)
    if root.tag != f"{{{BPMN}}}definitions":
        raise InvalidModel([Problem("not_bpmn", Text("the document is not BPMN 2.0 (root must be bpmn:definitions)"),
                                    line=root.sourceline)])
    return root


def parse_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Hardened parse of raw bytes (a BPMN model, a DMN table) into its root element. :raises InvalidModel:"""
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidModel([Problem("not_bytes", Text("the model must be given as bytes"))])
    if len(data) > max_bytes:
        raise ModelTooLarge([Problem("model_too_large",
                                     Text("the model is {count} bytes; the limit is {max_bytes} bytes",
                                          count=len(data), max_bytes=max_bytes))])
    kind = _COMPRESSED.get(bytes(data[:2]))
    if kind:
        raise InvalidModel([Problem("compressed", Text("the upload is {kind}-compressed; upload the plain XML",
                                                       kind=kind))])
    if b"<!DOCTYPE" in data:
        raise InvalidModel([Problem("doctype", Text("DOCTYPE declarations are not allowed in a model"))])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             dtd_validation=False, remove_pis=True)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidModel([Problem("xml_syntax", Text("not well-formed XML: {msg}", msg=exc.msg),
                                    line=exc.lineno)]) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidModel([Problem("doctype", Text("DOCTYPE declarations are not allowed in a model"))])
    return root


def reparse(bpmn: bytes) -> etree._Element:
    """Parse bytes that already passed intake (stored versions and drafts): hardened, no size cap."""
    return parse_xml(bpmn, max_bytes=len(bpmn) + 1)


def serialize(root: etree._Element) -> bytes:
    """Indented UTF-8 XML with a declaration, as crmflow writes every model."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def set_called_decision(element: etree._Element, decision_id: str) -> None:
    """Name the decision table a business rule task runs (spiffworkflow:calledDecisionId), unless it names one."""
    if element.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS) is None:
        etree.SubElement(extension_elements(element), f"{{{SPIFF}}}calledDecisionId").text = decision_id


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (`userTask`)."""
    return etree.QName(element).localname


def properties(owner: etree._Element, create: bool) -> etree._Element | None:
    """The spiffworkflow:properties holder of an element (made when `create`)."""
    holder = owner.find("bpmn:extensionElements/spiffworkflow:properties", NS)
    if holder is None and create:
        holder = etree.SubElement(extension_elements(owner), f"{{{SPIFF}}}properties")
    return holder


def extension_elements(owner: etree._Element) -> etree._Element:
    """An element's bpmn:extensionElements, made where the XSD wants it (first, after any documentation)."""
    extensions = owner.find("bpmn:extensionElements", NS)
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        documentation = owner.find("bpmn:documentation", NS)
        (documentation.addnext if documentation is not None else lambda e: owner.insert(0, e))(extensions)
    return extensions


def problem_at(code: str, message: str, element: etree._Element, severity: str = "error") -> Problem:
    """A finding about one element of a model: its id, name and line."""
    return Problem(code, message, element.get("id"), element.get("name"), element.sourceline, severity)


def property_values(owner: etree._Element) -> dict[str, str | None]:
    """The crmflow properties of an element, name -> value."""
    return {p.get("name"): p.get("value") for p in
            owner.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def set_property(owner: etree._Element, name: str, value: str | None) -> None:
    """Set (or, with None, remove) one crmflow property of an element."""
    holder = properties(owner, create=value is not None)
    if holder is None:
        return
    if value is None:
        for prop in holder.iterfind(f"spiffworkflow:property[@name='{name}']", NS):
            holder.remove(prop)
    else:
        put_property(holder, name, value)


def put_property(holder: etree._Element, name: str, value: str) -> None:
    """Set one property in a holder."""
    prop = holder.find(f"spiffworkflow:property[@name='{name}']", NS)
    if prop is None:
        prop = etree.SubElement(holder, f"{{{SPIFF}}}property", name=name)
    prop.set("value", value)


PROCESS_NAME_ZH = "nameZh"  # a property of the process element: its name in Chinese (as a step's nameZh)


def process_name_zh(root: etree._Element, process_key: str) -> str | None:
    """The process's name in Chinese, where the model gives one."""
    found = root.find(f"bpmn:process[@id='{process_key}']/bpmn:extensionElements/spiffworkflow:properties/"
                      f"spiffworkflow:property[@name='{PROCESS_NAME_ZH}']", NS)
    name = (found.get("value") or "").strip()[:256] if found is not None else ""
    return name or None


def process_parameters(root: etree._Element, process_key: str) -> dict[str, Any]:
    """Named values declared on the process (thresholds, limits): visible to expressions, read-only.

    Declared as spiffworkflow:property elements in the process's extensionElements; values
    are read as JSON (numbers, true/false, quoted strings) and otherwise kept as text.
    """
    path = (f"bpmn:process[@id='{process_key}']/bpmn:extensionElements/"
            "spiffworkflow:properties/spiffworkflow:property")
    parameters = {}
    for prop in root.iterfind(path, NS):
        if prop.get("name") == PROCESS_NAME_ZH:  # the process's name in Chinese, not a value cases read
            continue
        value = prop.get("value", "")
        try:
            parameters[prop.get("name")] = json.loads(value)
        except ValueError:
            parameters[prop.get("name")] = value
    return parameters


_CONTAINERS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})
# Elements the engine refers to by id: what a container holds (but its settings), lanes, processes, messages, pools.
_NAMED_ALWAYS = frozenset({"process", "lane", "message", "participant", "signal", "error", "escalation"})
_NEVER_NAMED = frozenset({"extensionElements", "documentation", "ioSpecification", "property", "laneSet",
                          "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "auditing", "monitoring",
                          "incoming", "outgoing", "dataInputAssociation", "dataOutputAssociation"})


def name_unnamed(root: etree._Element) -> int:
    """Give every element the engine refers to, and the model left without an id (BPMN lets it), a readable one
    (`Flow_<source>_<target>`, `UserTask_2`); returns how many were named."""
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    named = 0
    for element in root.iter(f"{{{BPMN}}}*"):
        local, parent = local_name(element), element.getparent()
        wanted = local in _NAMED_ALWAYS or (parent is not None and isinstance(parent.tag, str)
                                            and local_name(parent) in _CONTAINERS and local not in _NEVER_NAMED)
        if not wanted or element.get("id"):
            continue
        base = (f"Flow_{element.get('sourceRef')}_{element.get('targetRef')}" if local == "sequenceFlow"
                else local[0].upper() + local[1:])
        base = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in base)[:100]
        candidate, n = (base, 1) if local == "sequenceFlow" else (f"{base}_1", 1)
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        element.set("id", candidate)
        named += 1
    return named
