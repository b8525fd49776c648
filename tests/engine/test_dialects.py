"""Models as Camunda Modeler and Flowable write them: their attributes and ${...} conditions run in crmflow."""
from __future__ import annotations

import pytest

from engine import Engine, InvalidModel

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
FLOWABLE = 'xmlns:flowable="http://flowable.org/bpmn" xmlns:activiti="http://activiti.org/bpmn"'


def model(namespaces: str, body: str, key: str = "vendor_process") -> bytes:
    """A model as another modeler exports it: no spiffworkflow namespace, no diagram."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
            f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {namespaces} id="Definitions_1" '
            f'targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="{key}" isExecutable="true">'
            f'{body}</bpmn:process></bpmn:definitions>').encode()


def camunda(condition: str = "${amount > 100 &amp;&amp; region == 'east'}",
            service: str = 'camunda:class="com.acme.crm.NoteDelegate"') -> bytes:
    return model(CAMUNDA, f"""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:serviceTask id="Service_Note" name="Note it" {service} />
      <bpmn:exclusiveGateway id="Gateway_Big" name="Big?" default="Flow_Small" />
      <bpmn:userTask id="Task_Review" name="Review" camunda:assignee="alice" camunda:formKey="review"
                     camunda:dueDate="P2D" />
      <bpmn:userTask id="Task_Escalate" name="Escalate" camunda:candidateGroups="managers,sales" />
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Service_Note" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Service_Note" targetRef="Gateway_Big" />
      <bpmn:sequenceFlow id="Flow_Big" sourceRef="Gateway_Big" targetRef="Task_Review">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{condition}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Big" targetRef="Task_Escalate" />
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Review" targetRef="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_Escalate" targetRef="EndEvent_1" />""")


def test_a_camunda_model_runs_with_its_assignees_forms_due_dates_conditions_and_services(engine: Engine):
    version = engine.deploy(camunda(), author="root")
    assert [w["code"] for w in version.warnings] == ["dialect_partial"]  # two candidate groups: the first is used
    big = engine.start("vendor_process", {"amount": 500, "region": "east", "text": "hello"}, "C-1", "bob")
    [review] = engine.tasks(instance_id=big.id)
    assert (review.element_id, review.assignee, review.form_key) == ("Task_Review", "alice", "review")
    assert review.due_at is not None
    assert "noted" in [e.type for e in engine.history(big.id)]  # camunda:class NoteDelegate ran the 'note' service
    small = engine.start("vendor_process", {"amount": 500, "region": "west", "text": "hi"}, "C-2", "bob")
    [escalate] = engine.tasks(instance_id=small.id)
    assert (escalate.element_id, escalate.candidate_group) == ("Task_Escalate", "managers")


def test_what_is_stored_is_laid_out_and_carries_flow_references(engine: Engine):
    engine.deploy(camunda(), author="root")
    bpmn, _ = engine.authoring.bpmn("vendor_process@1")
    assert b'bpmnElement="Task_Review"' in bpmn  # a diagram computed at intake: it never renders empty
    assert b"<bpmn:incoming>Flow_Big</bpmn:incoming>" in bpmn and b"<bpmn:outgoing>Flow_3</bpmn:outgoing>" in bpmn
    assert b"amount &gt; 100 and region == 'east'" in bpmn


@pytest.mark.parametrize("juel,python", [
    ("${amount gt 100 and not empty region}", "amount > 100 and region"),
    ("${empty region or amount le 5}", "not region or amount <= 5"),
    ("${!approved || customer.tier == 'A'}", "not approved or customer['tier'] == 'A'"),
    ("${(amount * 2) >= limit}", "(amount * 2) >= limit"),
])
def test_the_common_juel_subset_becomes_a_sandbox_condition(engine: Engine, juel: str, python: str):
    engine.deploy(camunda(condition=juel.replace("&", "&amp;")), author="root")
    flows = engine.authoring.outline("vendor_process@1")["flows"]
    assert flows["Flow_Big"]["condition"] == python


def test_a_flowable_model_reads_its_own_attributes(engine: Engine):
    bpmn = model(FLOWABLE, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:serviceTask id="Service_Note" activiti:class="org.example.Note" />
      <bpmn:userTask id="Task_Own" name="Owner reviews" flowable:assignee="${owner}" />
      <bpmn:userTask id="Task_Team" name="Team reviews" flowable:candidateGroups="sales" />
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Service_Note" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Service_Note" targetRef="Task_Own" />
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Own" targetRef="Task_Team" />
      <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_Team" targetRef="EndEvent_1" />""")
    engine.deploy(bpmn, author="root")
    case = engine.start("vendor_process", {"owner": "dora", "text": "x"}, "F-1", "bob")
    [own] = engine.tasks(instance_id=case.id)
    assert own.assignee == "dora"
    engine.complete(own.id, "dora", {})
    [team] = engine.tasks(instance_id=case.id)
    assert team.candidate_group == "sales"


def test_what_crmflow_cannot_translate_is_refused_naming_the_element_and_what_to_write(engine: Engine):
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(camunda(condition="${execution.getVariable('amount') > 1}",
                              service='camunda:delegateExpression="${chargeCardDelegate}"'))
    problems = {p.code: p for p in caught.value.problems}
    assert problems["dialect"].element_id == "Flow_Big" and problems["dialect"].line
    assert "calls a method" in problems["dialect"].message and "amount > 1000000" in problems["dialect"].message
    assert problems["unknown_service"].element_id == "Service_Note"
    assert "note" in problems["unknown_service"].message  # the services that do exist


def test_link_events_and_plain_tasks_deploy(engine: Engine):
    bpmn = model(CAMUNDA, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:task id="Task_Plain" name="Call the customer" />
      <bpmn:intermediateThrowEvent id="Link_Out"><bpmn:linkEventDefinition id="L1" name="Next" />
      </bpmn:intermediateThrowEvent>
      <bpmn:intermediateCatchEvent id="Link_In"><bpmn:linkEventDefinition id="L2" name="Next" />
      </bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Plain" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Plain" targetRef="Link_Out" />
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Link_In" targetRef="EndEvent_1" />""")
    assert engine.check(bpmn).warnings == []


def test_a_camunda_cron_timer_is_refused_with_the_iso_cycle_to_write_instead(engine: Engine):
    bpmn = model(CAMUNDA, """
      <bpmn:startEvent id="StartEvent_1" name="Every morning">
        <bpmn:timerEventDefinition id="Timer_1"><bpmn:timeCycle>0 0 9 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />""")
    with pytest.raises(InvalidModel) as caught:
        engine.check(bpmn)
    [problem] = caught.value.problems
    assert (problem.code, problem.element_id) == ("bad_timer", "StartEvent_1")
    assert "cron expression" in problem.message and "R/P1D" in problem.message
