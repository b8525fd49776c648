"""Intake never fails past its own boundary: any model, however broken, is taken in or refused naming what is wrong.

Hypothesis mutates real models (the shipped processes, the test fixtures, models as other modelers export them):
it drops, duplicates and renames attributes and elements, points references at the wrong thing and truncates the
bytes. Every mutant must come out of `take_in` as a model or as `InvalidModel` with problems, nothing else.
"""
from __future__ import annotations

import copy
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from domain import CrmPack
from engine import InvalidModel
from engine.intake import take_in
from tests.engine import bpmn_builder
from tests.engine.test_dialects import camunda, form_data_model, model
from tests.engine.test_edges import paid_model

ROOT = Path(__file__).parents[2]
SEEDS = [path.read_bytes() for path in sorted((ROOT / "bpmn").glob("*.bpmn"))] + [
    (ROOT / "tests" / "fixtures" / "order_review.bpmn").read_bytes(),
    bpmn_builder.gateway_model(), bpmn_builder.timer_model(), bpmn_builder.parallel_model(),
    bpmn_builder.reminder_model(), paid_model(), camunda(), form_data_model(),
    model('xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"', """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:serviceTask id="Task_Charge" name="Charge"><bpmn:extensionElements>
        <zeebe:taskDefinition type="notify" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Charge" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Charge" targetRef="EndEvent_1" />""")]
TAGS = ["userTask", "serviceTask", "scriptTask", "startEvent", "endEvent", "exclusiveGateway", "parallelGateway",
        "boundaryEvent", "intermediateCatchEvent", "subProcess", "callActivity", "sequenceFlow", "lane",
        "timerEventDefinition", "messageEventDefinition", "conditionExpression", "process", "bogus"]
ATTRIBUTES = ["id", "sourceRef", "targetRef", "attachedToRef", "default", "messageRef", "calledElement",
              "cancelActivity", "name", "value", "processRef", "bpmnElement"]
TRIED = {"models": 0, "refused": 0, "uploaded": 0}  # printed at the end of the run (tests/conftest.py)
PACK = CrmPack()


@st.composite
def mutants(draw) -> bytes:
    """A seed model with one to three things broken in it."""
    seed = draw(st.sampled_from(SEEDS))
    if draw(st.integers(0, 9)) == 0:  # cut short somewhere
        return seed[:draw(st.integers(0, len(seed)))]
    root = etree.fromstring(seed)
    for _ in range(draw(st.integers(1, 3))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        target = draw(st.sampled_from(elements))
        ids = [e.get("id") for e in elements if e.get("id")] or ["X"]
        how = draw(st.sampled_from(["drop_attribute", "set_attribute", "drop", "duplicate", "rename", "text"]))
        if how == "drop_attribute" and target.attrib:
            del target.attrib[draw(st.sampled_from(sorted(target.attrib)))]
        elif how == "set_attribute":
            name = draw(st.sampled_from(ATTRIBUTES))
            target.set(name, draw(st.one_of(st.sampled_from(ids), st.text(max_size=12).filter(_xml_text))))
        elif how == "drop" and target.getparent() is not None:
            target.getparent().remove(target)
        elif how == "duplicate" and target.getparent() is not None:
            target.addnext(copy.deepcopy(target))
        elif how == "rename":
            namespace = etree.QName(target).namespace
            local = draw(st.sampled_from(TAGS))
            target.tag = f"{{{namespace}}}{local}" if namespace else local
        elif how == "text":
            target.text = draw(st.text(max_size=30).filter(_xml_text))
    return etree.tostring(root)


def _xml_text(text: str) -> bool:
    try:
        etree.Element("x").text = text
        return True
    except ValueError:
        return False


FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(FUZZ, max_examples=600)
@given(mutants())
def test_intake_takes_in_or_refuses_every_mutated_model_and_raises_nothing_else(bpmn):
    TRIED["models"] += 1
    try:
        take_in(bpmn, PACK)
    except InvalidModel as refused:
        TRIED["refused"] += 1
        assert refused.problems and all(p.message for p in refused.problems)


def test_an_upload_of_a_mutated_model_is_never_a_server_error(as_user):
    root = as_user("root")

    @settings(FUZZ, max_examples=60)
    @given(mutants())
    def upload(bpmn):
        TRIED["uploaded"] += 1
        response = root.post("/api/processes", data=bpmn, headers={"Content-Type": "application/xml"})
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        if response.status_code >= 400:
            assert set(response.json["error"]) == {"code", "message", "details"}

    upload()
