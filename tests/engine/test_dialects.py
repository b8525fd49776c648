"""Models as Camunda Modeler and Flowable write them: their attributes and ${...} conditions run in crmflow."""
from __future__ import annotations

import re

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
    # two candidate groups: the first is used; amount, region and text come with the start data, which no form declares
    assert [w["code"] for w in version.warnings if w["code"] != "unknown_name"] == ["dialect_partial"]
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


def form_data_model() -> bytes:
    return model(CAMUNDA, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:userTask id="Task_Quote" name="Write quote" camunda:assignee="alice">
        <bpmn:extensionElements>
          <camunda:formData>
            <camunda:formField id="amount" label="Amount" type="long">
              <camunda:validation><camunda:constraint name="required" /><camunda:constraint name="min" config="1" />
              </camunda:validation>
            </camunda:formField>
            <camunda:formField id="note" label="Note" type="string" defaultValue="none">
              <camunda:validation><camunda:constraint name="maxlength" config="20" /></camunda:validation>
            </camunda:formField>
            <camunda:formField id="valid_until" label="Valid until" type="date" />
            <camunda:formField id="tier" label="Tier" type="enum">
              <camunda:value id="gold" name="Gold" /><camunda:value id="silver" name="Silver" />
            </camunda:formField>
            <camunda:formField id="customer" label="Customer" type="string">
              <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
            </camunda:formField>
          </camunda:formData>
        </bpmn:extensionElements>
      </bpmn:userTask>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Quote" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Quote" targetRef="EndEvent_1" />""")


def test_camunda_form_data_becomes_a_form_that_labels_and_checks_the_fields(engine: Engine):
    engine.deploy(form_data_model(), author="root")
    case = engine.start("vendor_process", {"customer": "ACME"}, "Q-1", "bob")
    [task] = engine.tasks(instance_id=case.id)
    schema = engine.form_schema(task.form_key)
    assert schema is not None and task.form_key.startswith("model:")
    fields = schema["properties"]
    assert {name: spec["title"] for name, spec in fields.items()} == {
        "amount": "Amount", "note": "Note", "valid_until": "Valid until", "tier": "Tier"}  # readonly: shown only
    assert schema["required"] == ["amount"] and fields["tier"]["enum"] == ["gold", "silver"]
    refused = engine.validate_form(task.form_key, {"amount": 0, "note": "x" * 21, "valid_until": "tomorrow",
                                                   "tier": "bronze", "extra": 1})
    assert sorted(f.field for f in refused) == ["amount", "extra", "note", "tier", "valid_until"]
    with pytest.raises(Exception) as missing:
        engine.complete(task.id, "alice", {"note": "n"})
    assert "amount" in str(getattr(missing.value, "fields", missing.value))
    engine.complete(task.id, "alice", {"amount": 1200, "valid_until": "2026-12-31", "tier": "gold"})
    assert engine.instance(case.id).status == "completed"


def test_the_same_form_in_another_version_keeps_its_key_and_a_forged_schema_is_refused(engine: Engine):
    first = engine.check(form_data_model())
    again = engine.check(form_data_model().replace(b"Write quote", b"Write the quote"))
    assert first.forms and set(first.forms) != set(again.forms)  # the title is part of the form
    own = re.sub(rb"<camunda:formData>.*?</camunda:formData>", b"", first.bpmn, flags=re.S)  # crmflow's only
    assert engine.check(own).forms == first.forms
    forged = own.replace(b"&quot;maxLength&quot;:20", b"&quot;maxLength&quot;:20,&quot;pattern&quot;:&quot;(a+)+$&quot;")
    assert forged != own
    with pytest.raises(InvalidModel) as refused:
        engine.check(forged)
    assert refused.value.problems[0].code == "form_schema" and refused.value.problems[0].element_id == "Task_Quote"


def test_flowable_form_properties_become_a_start_form(engine: Engine):
    engine.deploy(model(FLOWABLE, """
      <bpmn:startEvent id="StartEvent_1">
        <bpmn:extensionElements>
          <flowable:formProperty id="amount" name="Amount" type="double" required="true" />
          <flowable:formProperty id="urgent" name="Urgent" type="boolean" default="false" />
        </bpmn:extensionElements>
      </bpmn:startEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />"""), author="root")
    key = engine.start_form("vendor_process")
    assert key is not None and key.startswith("model:")
    with pytest.raises(Exception, match="amount"):
        engine.start("vendor_process", {}, "F-1", "bob")
    case = engine.start("vendor_process", {"amount": 9.5}, "F-2", "bob")
    assert engine.history(case.id)[0].data["data"] == {"amount": 9.5, "urgent": False}


def test_a_form_field_outside_the_dialect_subset_is_refused_by_name(engine: Engine):
    with pytest.raises(InvalidModel) as refused:
        engine.check(form_data_model().replace(b'type="date"', b'type="com.acme.Money"'))
    problem = refused.value.problems[0]
    assert problem.code == "form_field" and "valid_until" in problem.message and "long, double" in problem.message


def test_a_default_of_the_wrong_type_is_left_out_with_a_warning(engine: Engine):
    model_ = engine.check(form_data_model().replace(b'defaultValue="none"', b'defaultValue="none"').replace(
        b'type="date" />', b'type="date" defaultValue="soon" />'))
    [warning] = [w for w in model_.warnings if w.code == "form_default"]
    assert "valid_until" in warning.message and "soon" in warning.message
    [schema] = model_.forms.values()
    assert "default" not in schema["properties"]["valid_until"] and schema["properties"]["note"]["default"] == "none"


def test_model_forms_kept_in_memory_are_bounded_and_a_deployed_one_dropped_is_read_again(engine: Engine):
    from engine.runtime.forms import Forms

    engine.deploy(form_data_model(), author="root")
    [deployed] = engine.check(form_data_model()).forms
    forms = Forms(engine.pack, keep=3)
    drafts = {f"model:draft{i}": {"type": "object", "properties": {}, "additionalProperties": False} for i in range(5)}
    with engine.store.read() as session:
        assert forms.schema(session, deployed) is not None
        forms.remember(drafts)  # five simulations' forms: the deployed one and the two oldest go
        assert [forms.schema(session, key) is not None for key in drafts] == [False, False, True, True, True]
        assert [f.field for f in forms.validate(session, "model:draft0", {})] == ["form"]  # unknown, never "anything"
        assert forms.schema(session, deployed) is not None  # read from its row again
        assert forms.validate(session, deployed, {"amount": 5}) == []


def start_form_model(added: str = "", after_check: str = "") -> bytes:
    """Camunda: a start form, a check by alice, then (when given) more flow after it."""
    return model(CAMUNDA, f"""
      <bpmn:startEvent id="StartEvent_1"><bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="Amount" type="long" />{added}
      </camunda:formData></bpmn:extensionElements></bpmn:startEvent>
      <bpmn:userTask id="Task_Check" name="Check" camunda:assignee="alice" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Check" />
      {after_check or '<bpmn:endEvent id="EndEvent_1" />'}
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Check" targetRef="{"Gateway_Urgent" if after_check else "EndEvent_1"}" />""",
                 key="checked_requests")


def test_a_case_migrated_to_a_version_whose_start_form_added_a_field_gets_its_default(engine: Engine):
    engine.deploy(start_form_model(), author="root")
    case = engine.start("checked_requests", {"amount": 5}, "R-1", "bob")
    engine.deploy(start_form_model('<camunda:formField id="priority" label="Priority" type="string" '
                                   'defaultValue="normal" />', """
      <bpmn:exclusiveGateway id="Gateway_Urgent" name="Urgent?" default="Flow_Normal" />
      <bpmn:userTask id="Task_Escalate" name="Escalate" camunda:assignee="alice" />
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_Urgent" sourceRef="Gateway_Urgent" targetRef="Task_Escalate">
        <bpmn:conditionExpression>${priority == 'urgent'}</bpmn:conditionExpression></bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_Normal" sourceRef="Gateway_Urgent" targetRef="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Escalate" targetRef="EndEvent_1" />"""), author="root")
    # its outgoing flow changed, so the administrator maps the step onto itself
    [outcome] = engine.authoring.migrate("checked_requests", 1, 2, "root", {"Task_Check": "Task_Check"})
    assert outcome["migrated"], (outcome["verdict"], outcome["reason"])
    assert engine.history(case.id)[-1].data["defaults"] == ["priority"]
    [check] = engine.tasks(instance_id=case.id)
    engine.complete(check.id, "alice", {})
    done = engine.instance(case.id)  # the gateway read the priority a start on version 2 would have had
    assert (done.status, done.incident) == ("completed", None)


ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


def zeebe(condition: str = '=amount &gt; 100 and region = "east"', service: str = "note", mapping: str = "") -> bytes:
    return model(ZEEBE, f"""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:serviceTask id="Service_Note" name="Note it"><bpmn:extensionElements>
        <zeebe:taskDefinition type="{service}" retries="3" />{mapping}</bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:exclusiveGateway id="Gateway_Big" default="Flow_Small" />
      <bpmn:userTask id="Task_Review" name="Review"><bpmn:extensionElements>
        <zeebe:assignmentDefinition assignee="=owner" /><zeebe:formDefinition formKey="review" />
      </bpmn:extensionElements></bpmn:userTask>
      <bpmn:userTask id="Task_Escalate" name="Escalate"><bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="managers" /></bpmn:extensionElements></bpmn:userTask>
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


def test_a_camunda_8_model_runs_its_job_types_assignments_forms_and_feel_conditions(engine: Engine):
    engine.deploy(zeebe(), author="root")
    big = engine.start("vendor_process", {"amount": 500, "region": "east", "text": "hi", "owner": "carol"}, "Z-1")
    [review] = engine.tasks(instance_id=big.id)
    assert (review.element_id, review.assignee, review.form_key) == ("Task_Review", "carol", "review")
    assert "noted" in [e.type for e in engine.history(big.id)]  # job type 'note' ran the pack's service
    small = engine.start("vendor_process", {"amount": 500, "region": "west", "text": "hi", "owner": "carol"}, "Z-2")
    [escalate] = engine.tasks(instance_id=small.id)
    assert (escalate.element_id, escalate.candidate_group) == ("Task_Escalate", "managers")


@pytest.mark.parametrize("bpmn, code, element, words", [
    (zeebe(service="charge-card"), "unknown_service", "Service_Note", "charge-card"),
    (zeebe(condition="=count(items) &gt; 1"), "dialect", "Flow_Big", "FEEL function"),
    (zeebe(mapping='<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled" /></zeebe:ioMapping>'),
     "dialect", "Service_Note", "does not rename or compute"),
])
def test_what_crmflow_cannot_run_of_a_camunda_8_model_is_refused_with_the_reason(engine: Engine, bpmn, code, element,
                                                                                 words):
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(bpmn)
    [problem] = [p for p in caught.value.problems if p.code == code]
    assert problem.element_id == element and words in problem.message


def test_form_fields_of_any_id_textarea_and_empty_enums_deploy_with_warnings(engine: Engine):
    version = engine.deploy(model(FLOWABLE, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:userTask id="Task_Agree" name="Agree" flowable:assignee="alice"><bpmn:extensionElements>
        <flowable:formProperty id="Do you agree?" name="Do you agree?" type="boolean" />
        <flowable:formProperty id="person.dog_friendly" name="Dog friendly" type="boolean" />
        <flowable:formProperty id="notes" name="Notes" type="textarea" />
        <flowable:formProperty id="tier" name="Tier" type="enum" />
      </bpmn:extensionElements></bpmn:userTask>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Agree" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Agree" targetRef="EndEvent_1" />"""), author="root")
    codes = sorted(w["code"] for w in version.warnings)
    assert codes == ["form_enum_empty", "form_field_renamed", "form_field_renamed"]
    case = engine.start("vendor_process", {}, "F-1", "bob")
    [task] = engine.tasks(instance_id=case.id)
    fields = engine.form_schema(task.form_key)["properties"]
    assert fields["do_you_agree"]["title"] == "Do you agree?" and fields["person_dog_friendly"]["type"] == "boolean"
    assert fields["notes"]["type"] == "string" and fields["tier"] == {"type": "string", "maxLength": 2000,
                                                                      "title": "Tier"}
    engine.complete(task.id, "alice", {"do_you_agree": True, "notes": "line one\nline two", "tier": "gold"})
    assert engine.instance(case.id).status == "completed"


@pytest.mark.parametrize("key", ["embedded:app:forms/review.html", "camunda-forms:bpmn:UserTaskForm_1",
                                 "app:review.form"])
def test_a_form_of_another_tool_s_task_list_becomes_the_form_of_the_fields_the_process_reads(engine: Engine, key):
    version = engine.deploy(model(CAMUNDA, f"""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:userTask id="Task_Review" name="Review" camunda:assignee="alice" camunda:formKey="{key}" />
      <bpmn:exclusiveGateway id="Gateway_Ok" default="Flow_No" />
      <bpmn:endEvent id="EndEvent_Yes" /><bpmn:endEvent id="EndEvent_No" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Review" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Review" targetRef="Gateway_Ok" />
      <bpmn:sequenceFlow id="Flow_Yes" sourceRef="Gateway_Ok" targetRef="EndEvent_Yes">
        <bpmn:conditionExpression>${{approved &amp;&amp; amount &lt; 1000}}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_No" sourceRef="Gateway_Ok" targetRef="EndEvent_No" />"""), author="root")
    [warning] = [w for w in version.warnings if w["code"] == "foreign_form"]
    assert warning["element_id"] == "Task_Review" and key[:20] in warning["message"]
    case = engine.start("vendor_process", {}, "F-2", "bob")
    [task] = engine.tasks(instance_id=case.id)
    fields = engine.form_schema(task.form_key)["properties"]
    assert {name: spec["type"] for name, spec in fields.items()} == {"approved": "boolean", "amount": "number"}
    engine.complete(task.id, "alice", {"approved": True, "amount": 500})
    assert "EndEvent_Yes" in [e.element_id for e in engine.history(case.id)]


def test_a_misspelt_form_of_the_pack_is_still_refused(engine: Engine):
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(camunda().replace(b'camunda:formKey="review"', b'camunda:formKey="reveiw"'))
    assert "unknown_form" in {p.code for p in caught.value.problems}


def test_a_camunda_8_feel_script_task_and_a_linked_form_are_read(engine: Engine):
    version = engine.deploy(model(ZEEBE, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:scriptTask id="Task_Total" name="Total"><bpmn:extensionElements>
        <zeebe:script expression="=amount * 2" resultVariable="doubled" /></bpmn:extensionElements></bpmn:scriptTask>
      <bpmn:userTask id="Task_Review" name="Review"><bpmn:extensionElements>
        <zeebe:assignmentDefinition assignee="alice" /><zeebe:formDefinition formId="invoice-review" />
      </bpmn:extensionElements></bpmn:userTask>
      <bpmn:exclusiveGateway id="Gateway_Big" default="Flow_Small" />
      <bpmn:endEvent id="EndEvent_Big" /><bpmn:endEvent id="EndEvent_Small" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Total" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Total" targetRef="Task_Review" />
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Review" targetRef="Gateway_Big" />
      <bpmn:sequenceFlow id="Flow_Big" sourceRef="Gateway_Big" targetRef="EndEvent_Big">
        <bpmn:conditionExpression>=doubled &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Big" targetRef="EndEvent_Small" />"""), author="root")
    assert "foreign_form" in {w["code"] for w in version.warnings}  # the form lives in Camunda's form store
    case = engine.start("vendor_process", {"amount": 60}, "Z-3")
    [task] = engine.tasks(instance_id=case.id)
    engine.complete(task.id, "alice", {})
    assert "EndEvent_Big" in [e.element_id for e in engine.history(case.id)]  # 60 * 2 > 100


def test_a_camunda_8_call_activity_starts_the_process_its_called_element_names(engine: Engine):
    caller = model(ZEEBE, """
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:callActivity id="Call_Sub" name="Sub"><bpmn:extensionElements>
        <zeebe:calledElement processId="vendor_sub" propagateAllChildVariables="true" /></bpmn:extensionElements>
      </bpmn:callActivity>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Call_Sub" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Call_Sub" targetRef="EndEvent_1" />""")
    with pytest.raises(InvalidModel) as caught:  # the called process is not in the file
        engine.deploy(caller, author="root")
    assert "vendor_sub" in caught.value.problems[0].message and "same model" in caught.value.problems[0].message
    both = caller.replace(b"</bpmn:definitions>", b"""<bpmn:process id="vendor_sub" isExecutable="true">
      <bpmn:startEvent id="Sub_Start" />
      <bpmn:scriptTask id="Sub_Note"><bpmn:script>noted = True</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="Sub_End" />
      <bpmn:sequenceFlow id="Sub_1" sourceRef="Sub_Start" targetRef="Sub_Note" />
      <bpmn:sequenceFlow id="Sub_2" sourceRef="Sub_Note" targetRef="Sub_End" /></bpmn:process></bpmn:definitions>""")
    engine.deploy(both, process_key="vendor_process", author="root")
    assert engine.start("vendor_process", {}, "Z-4").status == "completed"
