"""What an analyst writes is checked against what the case holds where it stands, before it can deploy."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from engine import Engine, InvalidData, InvalidModel
from tests.engine.bpmn_builder import HEAD


def approval(condition: str, script: str = "checked = True", start_form: str = "approval", gateway_reads: str = "",
             extra: str = "") -> bytes:
    """Parameter limit = 100. start (form) -> script -> Task_Approve (form approval) -> gateway(condition) -> ends."""
    form = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
            f'value="{start_form}"/></spiffworkflow:properties></bpmn:extensionElements>') if start_form else ""
    decision = (f'<bpmn:sequenceFlow id="Flow_Refused" sourceRef="Gateway_Check" targetRef="EndEvent_No">'
                f'<bpmn:conditionExpression>{escape(gateway_reads)}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                if gateway_reads else "")
    body = f"""
  <bpmn:process id="checked" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="limit" value="100"/>
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Approve</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1">{form}</bpmn:startEvent>
    <bpmn:scriptTask id="Task_Prepare" name="Prepare"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Task_Approve" name="Approve"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="approval"/></spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_Check" default="Flow_Other" />
    <bpmn:endEvent id="EndEvent_Yes" /><bpmn:endEvent id="EndEvent_No" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Prepare" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Prepare" targetRef="Task_Approve" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Approve" targetRef="Gateway_Check" />
    <bpmn:sequenceFlow id="Flow_Checked" sourceRef="Gateway_Check" targetRef="EndEvent_Yes">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Other" sourceRef="Gateway_Check" targetRef="EndEvent_No" />
    {decision}{extra}
  </bpmn:process>"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def problems(engine: Engine, bpmn: bytes) -> list:
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(bpmn)
    return caught.value.problems


def only(engine: Engine, bpmn: bytes, code: str):
    [problem] = [p for p in problems(engine, bpmn) if p.code == code]
    return problem


def test_a_condition_the_case_can_run_deploys(engine):
    assert engine.deploy(approval("approved and amount > limit and region == 'east'")).warnings == []


def test_an_unknown_name_is_an_error_naming_the_flow_and_the_nearest_names(engine):
    problem = only(engine, approval("aproved and amount > limit"), "unknown_name")
    assert problem.element_id == "Flow_Checked" and "did you mean approved" in problem.message


@pytest.mark.parametrize("condition, words", [
    ("region > 100", "compares 'region' (a choice) with '100' (a number)"),
    ("amount > '100'", "write 100 without quotes"),
    ("amount > checked_text", "compares 'amount' (a number) with 'checked_text' (text)"),
    ("region == 'eest'", "'eest' is not one of the choices here: east, west"),
    ("(1, 2) < amount", "tuple"),
    ("amount + region == 3", "mixes a number and a choice"),
    ("approved == 'yes'", "a yes/no is read as it is: write approved"),
])
def test_a_comparison_of_incompatible_types_is_an_error_naming_both(engine, condition, words):
    problem = only(engine, approval(condition, script="checked_text = 'x'"), "type_mismatch")
    assert problem.element_id == "Flow_Checked" and words in problem.message


@pytest.mark.parametrize("condition", ["region", "amount", "limit + 1", "'yes'"])
def test_a_condition_that_is_not_true_or_false_is_an_error(engine, condition):
    assert "not true or false" in only(engine, approval(condition), "not_a_condition").message


@pytest.mark.parametrize("written", ["1,000,000", "1，000，000", "1 000 000"])
def test_a_number_written_with_separators_is_refused_with_the_fix(engine, written):
    problem = only(engine, approval(f"amount > {written}"), "number_separator")
    assert problem.element_id == "Flow_Checked" and "write 1000000" in problem.message


def test_a_name_set_only_on_some_paths_is_a_warning_naming_the_step(engine):
    branch = """
    <bpmn:exclusiveGateway id="Gateway_Split" default="Flow_Plain" />
    <bpmn:scriptTask id="Task_Bonus" name="Bonus"><bpmn:script>bonus = 5</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Join" />"""
    bpmn = approval("bonus > 1", gateway_reads="not approved", extra=branch).replace(
        b'<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Prepare" />',
        b'<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Gateway_Split" />'
        b'<bpmn:sequenceFlow id="Flow_Big" sourceRef="Gateway_Split" targetRef="Task_Bonus">'
        b'<bpmn:conditionExpression>amount &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>'
        b'<bpmn:sequenceFlow id="Flow_Plain" sourceRef="Gateway_Split" targetRef="Gateway_Join" />'
        b'<bpmn:sequenceFlow id="Flow_Bonus" sourceRef="Task_Bonus" targetRef="Gateway_Join" />'
        b'<bpmn:sequenceFlow id="Flow_Joined" sourceRef="Gateway_Join" targetRef="Task_Prepare" />')
    version = engine.deploy(bpmn)
    [warning] = [w for w in version.warnings if w["code"] == "partial_name"]
    assert warning["element_id"] == "Flow_Checked" and "Task_Bonus" in warning["message"]


def test_a_script_reading_an_unknown_name_is_an_error_naming_the_script(engine):
    problem = only(engine, approval("approved", script="total = amont * 2"), "unknown_name")
    assert problem.element_id == "Task_Prepare" and "did you mean amount" in problem.message


def test_a_decision_no_gateway_reads_is_reported_on_its_step(engine):
    problem = only(engine, approval("amount > limit"), "decision_unread")
    assert problem.element_id == "Task_Approve" and "'approved'" in problem.message
    assert engine.deploy(approval("amount > limit", gateway_reads="not approved"))  # read: deploys


def test_names_of_unknown_origin_in_a_model_without_forms_are_only_warnings(engine):
    version = engine.deploy(approval("approved and total > limit", start_form=""))  # anything may start it
    assert [w["code"] for w in version.warnings] == ["unknown_name"]
    assert "total" in version.warnings[0]["message"]


def test_the_dictionary_is_kept_with_the_version(engine):
    version = engine.deploy(approval("approved and amount > limit"))
    dictionary = engine.dictionary(version.process_key, version.version)
    assert dictionary["parameters"] == {"limit": {"type": "number"}}
    at_gateway = dictionary["elements"]["Flow_Checked"]["names"]
    assert at_gateway["region"] == {"type": "enum", "values": ["east", "west"]}
    assert at_gateway["checked"] == {"type": "boolean"} and at_gateway["amount"] == {"type": "number"}


@pytest.mark.parametrize("condition, code, words", [
    ("double('x') > limit", "type_mismatch", "double() takes a number as value, and is given text"),
    ("double() > limit", "wrong_arguments", "double() takes 1 to 1 values (value); it is given 0"),
    ("double(amount, 2) > limit", "wrong_arguments", "it is given 2"),
])
def test_a_pack_function_is_called_with_the_arguments_it_declares(engine, condition, code, words):
    problem = only(engine, approval(f"approved and {condition}"), code)
    assert problem.element_id == "Flow_Checked" and words in problem.message


def noted(after_review: str, after_timeout: str) -> bytes:
    """start (form approval) -> Review (form review; a timer on its boundary) -> note(after_review) -> end;
    the timer's path -> note(after_timeout) -> end."""
    def note(task_id: str, value: str) -> str:
        return (f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements><spiffworkflow:serviceTaskOperator '
                f'id="note" resultVariable="noted"><spiffworkflow:parameters><spiffworkflow:parameter id="text" '
                f'type="any" value="{escape(value, {chr(34): "&quot;"})}"/></spiffworkflow:parameters>'
                f'</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>')
    body = f"""
  <bpmn:process id="noted" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="approval"/></spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_Review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="review"/></spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Late" attachedToRef="Task_Review"><bpmn:timerEventDefinition id="Late">
      <bpmn:timeDuration>'P2D'</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    {note("Service_NoteReview", after_review)}{note("Service_NoteLate", after_timeout)}
    <bpmn:endEvent id="EndEvent_1" /><bpmn:endEvent id="EndEvent_2" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Review" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Review" targetRef="Service_NoteReview" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Service_NoteReview" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Timer_Late" targetRef="Service_NoteLate" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Service_NoteLate" targetRef="EndEvent_2" />
  </bpmn:process>"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def test_a_service_parameter_naming_a_field_the_case_does_not_hold_is_refused_with_the_fix(engine):
    with pytest.raises(InvalidModel) as refused:
        engine.deploy(noted("coment", "str(amount)"))
    [problem] = [p for p in refused.value.problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("unknown_name", "Service_NoteReview")
    assert "service parameter text = 'coment'" in problem.message and "did you mean comment" in problem.message


def test_a_boundary_event_s_path_does_not_hold_what_its_step_would_have_written(engine):
    with pytest.raises(InvalidModel) as refused:
        engine.deploy(noted("comment", "comment"))  # the review's comment: never written when the timer fires
    [problem] = [p for p in refused.value.problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("unknown_name", "Service_NoteLate")
    assert engine.deploy(noted("comment", "str(amount)")).version == 1  # the start form's amount is there


def test_an_edit_that_leaves_a_service_reading_a_field_no_step_sets_is_refused_naming_the_edit(engine):
    engine.deploy(noted("comment", "str(amount)"))
    draft = engine.authoring.copy("noted", author="ann")
    with pytest.raises(InvalidData) as refused:  # the approval form records no comment
        engine.authoring.edit(draft.id, [{"op": "set_form", "element_id": "Task_Review", "form_key": "approval"}],
                              "ann")
    [error] = [e for e in refused.value.fields if e.message.startswith("Service_NoteReview: service parameter")]
    assert error.field == "operations[0].form_key" and "'comment' is not a field the case holds" in error.message
