"""DMN intake: decision-table bytes -> checked tables, through the same hardening as BPMN.

A DMN document (DMN 1.1 to 1.3, as Camunda Modeler, dmn-js or Signavio write it) is parsed by the hardened parser
(size cap, no DOCTYPE, no entities, nothing fetched), validated against the DMN XSD SpiffWorkflow ships, and each
decision table is read cell by cell (`scripting/decisions.py`): a cell crmflow cannot read is a problem naming the
decision, the rule and the column, with the fix. Input expressions are compiled by the sandbox here, at deploy time.

crmflow keeps one decision per document (`split`), keyed by the decision id a business rule task names, so a table
is read, edited (dmn-js, `PUT /api/drafts/{id}/decisions/{decision_id}`), compared and versioned on its own.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import os
from collections.abc import Callable, Iterator

from lxml import etree
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

from ..errors import InvalidModel, Problem, SandboxViolation, Text
from ..scripting.decisions import (
    AGGREGATIONS,
    HIT_POLICIES,
    CellError,
    Column,
    Output,
    Rule,
    Table,
    read_entry,
    read_literal,
    read_output,
    read_values,
)
from ..scripting.sandbox import compile_expression
from .xml import parse_document

MAX_DMN_BYTES = 512 * 1024
MAX_RULES = 1_000
MAX_COLUMNS = 30
MAX_DECISIONS = 50
MAX_ELEMENTS = 60_000
_Report = Callable[[str, Text, etree._Element], None]  # how a table's reader reports a problem
NAMESPACES = frozenset(SCHEMAS)  # DMN 1.1, 1.2 and 1.3
_DRG = ("decision", "inputData", "businessKnowledgeModel", "knowledgeSource", "decisionService")


def read(data: bytes, max_bytes: int = MAX_DMN_BYTES) -> dict[str, Table]:
    """Every decision table of a DMN document, by decision id. :raises InvalidModel: listing every problem"""
    root = _root(data, max_bytes)
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    digest = hashlib.sha256(data).hexdigest()[:16]
    for decision in _decisions(root):
        table = _table(decision, digest, problems)
        if table is not None:
            tables[table.decision_id] = table
    if not tables and not problems:
        problems.append(Problem("no_decision", Text("the DMN document holds no decision table"), line=root.sourceline))
    if problems:
        raise InvalidModel(problems)
    return tables


def split(data: bytes, max_bytes: int = MAX_DMN_BYTES) -> dict[str, bytes]:
    """One document per decision (its table and its own shape of the diagram), by decision id, each checked.

    :raises InvalidModel: the document, or one of its tables, has problems
    """
    read(data, max_bytes)
    root = _root(data, max_bytes)
    documents: dict[str, bytes] = {}
    for decision in _decisions(root):
        single = copy.deepcopy(root)
        for other in list(single):
            kind = etree.QName(other).localname
            if kind == "DMNDI" or kind in _DRG and not (kind == "decision" and other.get("id") == decision.get("id")):
                single.remove(other)  # the other decisions, and the diagram (dmn-js lays a lone table out itself)
        etree.indent(single, space="  ")
        documents[str(decision.get("id"))] = etree.tostring(single, xml_declaration=True, encoding="UTF-8") + b"\n"
    return documents


def _root(data: bytes, max_bytes: int) -> etree._Element:
    root = parse_document(data, max_bytes)
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in NAMESPACES:
        raise InvalidModel([Problem("not_dmn", Text("the document is not DMN 1.1 to 1.3 (root must be dmn:definitions "
                                                    "in the DMN namespace)"), line=root.sourceline)])
    if sum(1 for _ in root.iter()) > MAX_ELEMENTS:
        raise InvalidModel([Problem("model_too_large", Text("the DMN document has more than {most:,} XML elements",
                                                            most=MAX_ELEMENTS))])
    schema = _schema(namespace)
    if schema is not None and not schema.validate(root):
        raise InvalidModel([Problem("schema", Text("not valid DMN: {problem}", problem=str(error.message)[:300]),
                                    line=error.line) for error in list(schema.error_log)[:10]])
    return root


@functools.cache
def _schema(namespace: str) -> etree.XMLSchema | None:
    path = SCHEMAS.get(namespace)
    if path is None or not os.path.exists(path):
        return None
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(path, parser))


def _decisions(root: etree._Element) -> Iterator[etree._Element]:
    namespace = etree.QName(root).namespace
    found = root.findall(f"{{{namespace}}}decision")
    yield from found[:MAX_DECISIONS]


def _table(decision: etree._Element, digest: str, problems: list[Problem]) -> Table | None:
    ns = etree.QName(decision).namespace
    decision_id, name = str(decision.get("id") or ""), decision.get("name") or ""

    def problem(code: str, message: Text, element: etree._Element) -> None:
        problems.append(Problem(code, message, decision_id, name or None, element.sourceline))

    table = decision.find(f"{{{ns}}}decisionTable")
    if table is None:
        problem("not_a_table", Text("decision '{decision}' is not a decision table (crmflow runs decision tables; "
                                    "literal expressions and knowledge models are not supported)",
                                    decision=name or decision_id), decision)
        return None
    hit_policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
    aggregation = (table.get("aggregation") or "").strip().upper() or None
    if hit_policy not in HIT_POLICIES:
        problem("hit_policy", Text("hit policy {policy} is not one crmflow runs: use {known}", policy=hit_policy,
                                   known=", ".join(HIT_POLICIES)), table)
    if aggregation is not None and (aggregation not in AGGREGATIONS or hit_policy != "COLLECT"):
        problem("hit_policy", Text("aggregation {aggregation} goes with COLLECT only, as one of {known}",
                                   aggregation=aggregation, known=", ".join(AGGREGATIONS)), table)
    columns = [_column(element, ns, problem) for element in table.findall(f"{{{ns}}}input")]
    outputs = [_output(element, ns, problem, len(table.findall(f"{{{ns}}}output")))
               for element in table.findall(f"{{{ns}}}output")]
    if not columns or not outputs:
        problem("table_shape", Text("a decision table needs at least one input and one output column"), table)
    if len(columns) > MAX_COLUMNS or len(outputs) > MAX_COLUMNS:
        problem("table_shape", Text("a table has at most {most} inputs and {most} outputs", most=MAX_COLUMNS), table)
    if aggregation is not None and len(outputs) != 1:
        problem("hit_policy", Text("COLLECT with {aggregation} needs exactly one output column",
                                   aggregation=aggregation), table)
    rules_found = table.findall(f"{{{ns}}}rule")
    if len(rules_found) > MAX_RULES:
        problem("table_too_large", Text("the table has {count:,} rules; the limit is {most:,}: split it",
                                        count=len(rules_found), most=MAX_RULES), table)
        return None
    rules = [_rule(number, element, ns, columns, outputs, problem)
             for number, element in enumerate(rules_found, start=1)]
    if any(c is None for c in columns) or any(o is None for o in outputs) or any(r is None for r in rules) \
            or hit_policy not in HIT_POLICIES:
        return None
    return Table(decision_id, name, hit_policy, aggregation, tuple(c for c in columns if c),
                 tuple(o for o in outputs if o), tuple(r for r in rules if r), digest)


def _column(element: etree._Element, ns: str, problem: _Report) -> Column | None:
    label = element.get("label") or ""
    expression_element = element.find(f"{{{ns}}}inputExpression")
    text = (expression_element.findtext(f"{{{ns}}}text") if expression_element is not None else None) or ""
    name = label or text.strip() or str(element.get("id") or "")
    if not text.strip():
        problem("input_expression", Text("input “{column}” reads nothing: give its expression, the case data field "
                                         "it reads (e.g. requested_credit_limit)", column=name), element)
        return None
    try:
        compile_expression(text.strip())
    except SandboxViolation as exc:
        problem("input_expression", Text("input “{column}”: '{text}' is not an expression crmflow can run: {problem}",
                                         column=name, text=text.strip()[:80], problem=exc.message), element)
        return None
    values = element.find(f"{{{ns}}}inputValues")
    try:
        allowed = read_values(values.findtext(f"{{{ns}}}text")) if values is not None else None
    except CellError as exc:
        problem("input_values", Text("input “{column}”, its allowed values: {problem}", column=name,
                                     problem=exc.args[0]), element)
        return None
    type_ref = expression_element.get("typeRef") if expression_element is not None else None
    return Column(str(element.get("id") or name), name, text.strip(), type_ref, allowed)


def _output(element: etree._Element, ns: str, problem: _Report, count: int) -> Output | None:
    name = element.get("name") or ""
    label = element.get("label") or name
    if not name:
        if count == 1:  # a single output may leave its name to the business rule task's result (Camunda does)
            name = str(element.get("id") or "result")
        else:
            problem("output_name", Text("output “{column}” has no name: give the case data field it sets",
                                        column=label or element.get("id")), element)
            return None
    values = element.find(f"{{{ns}}}outputValues")
    default = element.find(f"{{{ns}}}defaultOutputEntry")
    try:
        allowed = read_values(values.findtext(f"{{{ns}}}text")) if values is not None else None
        fallback = read_literal(default.findtext(f"{{{ns}}}text")) if default is not None else None
    except CellError as exc:
        problem("output_values", Text("output “{column}”: {problem}", column=label, problem=exc.args[0]), element)
        return None
    return Output(str(element.get("id") or name), name, label, element.get("typeRef"), allowed, fallback,
                  default is not None)


def _rule(number: int, element: etree._Element, ns: str, columns: list[Column | None],
          outputs: list[Output | None], problem: _Report) -> Rule | None:
    inputs = element.findall(f"{{{ns}}}inputEntry")
    results = element.findall(f"{{{ns}}}outputEntry")
    if len(inputs) != len(columns) or len(results) != len(outputs):
        problem("table_shape", Text("rule {rule} has {cells} input and {results} output cells; the table has {inputs} "
                                    "inputs and {outputs} outputs", rule=number, cells=len(inputs),
                                    results=len(results), inputs=len(columns), outputs=len(outputs)), element)
        return None
    entries, values, texts, ok = [], [], [], True
    for cell, column in zip(inputs, columns, strict=True):
        text = cell.findtext(f"{{{ns}}}text") or ""
        try:
            entries.append(read_entry(text))
        except CellError as exc:
            ok = False
            problem("rule_cell", Text("rule {rule}, input “{column}”: {problem}", rule=number,
                                      column=column.label if column else "?", problem=exc.args[0]), cell)
    for cell, output in zip(results, outputs, strict=True):
        text = cell.findtext(f"{{{ns}}}text") or ""
        try:
            values.append(read_output(text))
            texts.append(text.strip())
        except CellError as exc:
            ok = False
            problem("rule_cell", Text("rule {rule}, output “{column}”: {problem}", rule=number,
                                      column=output.label if output else "?", problem=exc.args[0]), cell)
    if not ok:
        return None
    description = (element.findtext(f"{{{ns}}}description") or "").strip()[:500]
    return Rule(number, str(element.get("id") or f"rule_{number}"), description, tuple(entries), tuple(values),
                tuple(texts))

