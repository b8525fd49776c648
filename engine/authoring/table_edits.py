"""Guided edits of a draft's decision tables: change one cell, add a rule, remove a rule.

Each edit works on the DMN document the draft keeps for the decision (as dmn-js would save it: ids and layout kept),
and the table it leaves is read again through intake (`intake/dmn.py`): a cell crmflow cannot read is refused here,
naming the operation's field and saying what to write instead.
"""
from __future__ import annotations

import uuid
from typing import Any

from lxml import etree

from ..errors import InvalidModel, Text
from ..intake import dmn
from ..intake.xml import parse_document
from .model_tree import OperationError

MAX_CELLS = 60  # cells one add_rule may give (inputs and outputs together)


class TableEdit:
    """One operation's view of one decision table of the draft."""

    def __init__(self, documents: dict[str, bytes], decision_id: Any):
        if not isinstance(decision_id, str) or decision_id not in documents:
            raise OperationError("decision", Text("the draft has no decision table '{decision}' (it has: {known})",
                                                  decision=str(decision_id)[:80],
                                                  known=", ".join(sorted(documents)) or "none"))
        self.documents, self.decision_id = documents, decision_id
        self.root = parse_document(documents[decision_id], len(documents[decision_id]) + 1)
        self.ns = etree.QName(self.root).namespace
        decision = self.root.find(f"{{{self.ns}}}decision")
        table = decision.find(f"{{{self.ns}}}decisionTable") if decision is not None else None
        if table is None:
            raise OperationError("decision", Text("'{decision}' holds no decision table", decision=decision_id))
        self.table = table

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    @property
    def rules(self) -> list[etree._Element]:
        return self.table.findall(self.tag("rule"))

    @property
    def inputs(self) -> list[etree._Element]:
        return self.table.findall(self.tag("input"))

    @property
    def outputs(self) -> list[etree._Element]:
        return self.table.findall(self.tag("output"))

    def rule(self, which: Any) -> etree._Element:
        """A rule by its number (1-based, as the table shows it) or its id. :raises OperationError:"""
        rules = self.rules
        if isinstance(which, int) and not isinstance(which, bool) or isinstance(which, str) and which.isdigit():
            number = int(which)
            if 1 <= number <= len(rules):
                return rules[number - 1]
        for rule in rules:
            if rule.get("id") == which:
                return rule
        raise OperationError("rule", Text("the table '{decision}' has no rule {rule} (it has rules 1 to {count})",
                                          decision=self.decision_id, rule=str(which)[:40], count=len(rules)))

    def column(self, which: Any) -> tuple[str, int]:
        """("inputEntry" or "outputEntry", index) of a column named by its label, expression or output name."""
        text = str(which).strip() if which is not None else ""
        for index, element in enumerate(self.inputs):
            expression = element.findtext(f"{self.tag('inputExpression')}/{self.tag('text')}") or ""
            if text in (element.get("label"), expression.strip(), element.get("id")):
                return "inputEntry", index
        for index, element in enumerate(self.outputs):
            if text in (element.get("name"), element.get("label"), element.get("id")):
                return "outputEntry", index
        known = [e.get("label") or e.findtext(f"{self.tag('inputExpression')}/{self.tag('text')}") for e in self.inputs]
        known += [e.get("name") or e.get("label") for e in self.outputs]
        raise OperationError("column", Text("the table '{decision}' has no column '{column}' (its columns: {known})",
                                            decision=self.decision_id, column=text[:80],
                                            known=", ".join(str(k) for k in known)))

    def entry(self, kind: str, text: str) -> etree._Element:
        entry = etree.Element(self.tag(kind), id=f"{'Unary' if kind == 'inputEntry' else 'Literal'}Expression_"
                                                 f"{uuid.uuid4().hex[:7]}")
        etree.SubElement(entry, self.tag("text")).text = text
        return entry

    def save(self, field: str) -> None:
        """Keep the edited document, once intake reads it. :raises OperationError: naming `field`"""
        etree.indent(self.root, space="  ")
        document = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8") + b"\n"
        try:
            dmn.read(document)
        except InvalidModel as refused:
            raise OperationError(field, refused.problems[0].message) from None
        self.documents[self.decision_id] = document


def set_rule_cell(documents: dict[str, bytes], op: dict[str, Any]) -> None:
    """One cell of one rule: `rule` (its number or id), `column` (an input's label or expression, an output's
    name), `cell` (what to write: a unary test for an input, a value for an output; "-" for any value)."""
    edit = TableEdit(documents, op.get("decision"))
    rule = edit.rule(op.get("rule"))
    kind, index = edit.column(op.get("column"))
    cells = rule.findall(edit.tag(kind))
    text = cells[index].find(edit.tag("text"))
    if text is None:
        text = etree.SubElement(cells[index], edit.tag("text"))
    text.text = str(op.get("cell", "")).strip()
    edit.save("cell")


def add_rule(documents: dict[str, bytes], op: dict[str, Any]) -> None:
    """A rule from `cells` (the input cells then the output cells, in column order, separated by |), as rule
    number `rule` (default: the last)."""
    edit = TableEdit(documents, op.get("decision"))
    cells = [cell.strip() for cell in str(op.get("cells", "")).split("|")][:MAX_CELLS + 1]
    inputs, outputs = edit.inputs, edit.outputs
    if len(cells) != len(inputs) + len(outputs):
        raise OperationError("cells", Text("give {count} cells separated by | ({inputs} inputs, then {outputs} "
                                           "outputs); {given} were given", count=len(inputs) + len(outputs),
                                           inputs=len(inputs), outputs=len(outputs), given=len(cells)))
    rule = etree.Element(edit.tag("rule"), id=f"DecisionRule_{uuid.uuid4().hex[:7]}")
    for cell in cells[:len(inputs)]:
        rule.append(edit.entry("inputEntry", cell or "-"))
    for cell in cells[len(inputs):]:
        rule.append(edit.entry("outputEntry", cell))
    rules = edit.rules
    position = op.get("rule")
    if position is not None and rules:
        anchor = edit.rule(position)
        anchor.addprevious(rule)
    elif rules:
        rules[-1].addnext(rule)
    else:
        (outputs[-1] if outputs else inputs[-1]).addnext(rule)
    edit.save("cells")


def remove_rule(documents: dict[str, bytes], op: dict[str, Any]) -> None:
    """The rule `rule` (its number or id)."""
    edit = TableEdit(documents, op.get("decision"))
    edit.table.remove(edit.rule(op.get("rule")))
    edit.save("rule")
