"""Replay at the engine level: recorded cases run again through a draft, on SQLite and PostgreSQL.

One small model holds every kind of input a replay feeds back: start data, a service call, a person's answer,
a timer on a step's boundary, a message, an incident and its retry.
"""
from __future__ import annotations

from datetime import timedelta
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import inspect, text

from engine import Engine, InvalidData, InvalidModel, Pack, Worker, uses_call
from tests.engine.bpmn_builder import HEAD
from tests.engine.sample_pack import SamplePack


class ReplayPack(SamplePack):
    """The sample pack, with a function that reads records and a service that acts outside crmflow."""

    no_dry_run = frozenset({"pay"})

    def __init__(self) -> None:
        super().__init__()
        self.functions = {**self.functions, "stock_of": uses_call(lambda call, item: 3)}
        self.services = {**self.services, "pay": lambda call, amount: {"paid": amount}}


@pytest.fixture
def pack() -> Pack:
    return ReplayPack()


def review_model(key: str = "review_case", escalate_after: str = "'P2D'", condition: str = "approved",
                 extra_service: str = "") -> bytes:
    """start -> note(customer) -> Review (form review; after `escalate_after` -> Escalated) -> approved?
    -> check_amount(amount) -> wait for message 'paid' -> end."""
    service = ('<bpmn:serviceTask id="Service_Pay" name="Pay"><bpmn:extensionElements>'
               '<spiffworkflow:serviceTaskOperator id="pay" resultVariable="payment"><spiffworkflow:parameters>'
               '<spiffworkflow:parameter id="amount" type="any" value="amount"/></spiffworkflow:parameters>'
               '</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>')
    after_check = "Service_Pay" if extra_service else "Event_Paid"
    body = f"""
  <bpmn:process id="{key}" name="Review case" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_Escalated</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:serviceTask id="Service_Note" name="Note the customer"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="note" resultVariable="noted"><spiffworkflow:parameters>
        <spiffworkflow:parameter id="text" type="any" value="customer"/></spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:userTask id="Task_Review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="review"/></spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Late" name="Late" attachedToRef="Task_Review">
      <bpmn:timerEventDefinition id="TimerDefinition_Late"><bpmn:timeDuration>{escape(escalate_after)}</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:userTask id="Task_Escalated" name="Escalated review" />
    <bpmn:exclusiveGateway id="Gateway_Approved" name="Approved?" default="Flow_Refused" />
    <bpmn:serviceTask id="Service_Check" name="Check the amount"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="check_amount" resultVariable="check"><spiffworkflow:parameters>
        <spiffworkflow:parameter id="amount" type="any" value="amount"/></spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    {service if extra_service else ""}
    <bpmn:intermediateCatchEvent id="Event_Paid" name="Paid">
      <bpmn:messageEventDefinition id="Definition_Paid" messageRef="Message_Paid" /></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="EndEvent_Done" />
    <bpmn:endEvent id="EndEvent_Refused" />
    <bpmn:endEvent id="EndEvent_Escalated" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Service_Note" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Service_Note" targetRef="Task_Review" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Review" targetRef="Gateway_Approved" />
    <bpmn:sequenceFlow id="Flow_Approved" sourceRef="Gateway_Approved" targetRef="Service_Check">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Refused" sourceRef="Gateway_Approved" targetRef="EndEvent_Refused" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Service_Check" targetRef="{after_check}" />
    {'<bpmn:sequenceFlow id="Flow_Pay" sourceRef="Service_Pay" targetRef="Event_Paid" />' if extra_service else ""}
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Event_Paid" targetRef="EndEvent_Done" />
    <bpmn:sequenceFlow id="Flow_Late" sourceRef="Timer_Late" targetRef="Task_Escalated" />
    <bpmn:sequenceFlow id="Flow_6" sourceRef="Task_Escalated" targetRef="EndEvent_Escalated" />
  </bpmn:process>
  <bpmn:message id="Message_Paid" name="paid" />
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def review(engine: Engine, instance_id: str, **answer) -> None:
    [task] = [t for t in engine.tasks(instance_id=instance_id) if t.element_id == "Task_Review"]
    engine.claim(task.id, "bob", ["sales"])
    engine.complete(task.id, "bob", answer, ["sales"])


@pytest.fixture
def recorded(engine: Engine, clock):
    """Four recorded cases: paid and done; refused; waiting for the payment; escalated by its timer."""
    engine.deploy(review_model(), author="ann")
    cases = {}
    cases["done"] = engine.start("review_case", {"customer": "Acme", "amount": 500}, "R-1", "bob").id
    clock.advance(hours=5)
    review(engine, cases["done"], approved=True)
    engine.deliver_message("paid", "m-1", "R-1")
    cases["refused"] = engine.start("review_case", {"customer": "Bolt", "amount": 50}, "R-2", "bob").id
    review(engine, cases["refused"], approved=False, comment="too small")
    clock.advance(minutes=1)
    cases["waiting"] = engine.start("review_case", {"customer": "Core", "amount": 2000}, "R-3", "bob").id
    clock.advance(days=1)
    review(engine, cases["waiting"], approved=True)
    cases["late"] = engine.start("review_case", {"customer": "Dune", "amount": 10}, "R-4", "bob").id
    clock.advance(days=3)
    assert Worker(engine.context).run_once() == 1
    return cases


def draft_of(engine: Engine, bpmn: bytes | None = None, *operations) -> str:
    draft = engine.authoring.copy("review_case", author="ann")
    if bpmn is not None:
        engine.authoring.upload(draft.id, bpmn, "ann")
    if operations:
        engine.authoring.edit(draft.id, list(operations), "ann")
    return draft.id


def by_key(result) -> dict[str, dict]:
    return {case["business_key"]: case for case in result["cases"]}


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.store.read() as session:
        return {name: session.scalar(text(f'SELECT count(*) FROM "{name}"'))
                for name in inspect(session.connection()).get_table_names()}


def test_every_service_call_s_inputs_and_answer_are_recorded_in_its_history_event(engine, recorded):
    [noted] = [e for e in engine.history(recorded["done"]) if e.element_id == "Service_Note"
               and e.type == "element_completed"]
    assert noted.data["service"] == {"name": "note", "inputs": {"text": "Acme"}, "result": {"noted": "Acme"}}


def test_an_unedited_copy_replays_every_kind_of_recorded_input_onto_the_recorded_path(engine, recorded):
    result = engine.authoring.replay(draft_of(engine))

    assert (result["replayed"], result["same"], result["changed"], result["not_replayable"]) == (4, 4, 0, 0)
    cases = by_key(result)
    assert cases["R-1"]["path"] == ["Note the customer", "Review", "Check the amount", "Paid"]
    assert cases["R-3"]["waits_at"] == ["Paid"] and not cases["R-3"]["ended"]
    assert cases["R-4"]["path"] == ["Note the customer", "Late", "Escalated review"]


def test_a_shorter_timer_fires_at_its_own_due_time_before_what_was_recorded(engine, recorded):
    result = engine.authoring.replay(draft_of(engine, review_model(escalate_after="'PT2H'")))

    cases = by_key(result)
    # R-1 was reviewed after 5 hours and R-3 after a day: both would have been escalated first
    for key in ("R-1", "R-3"):
        assert cases[key]["verdict"] == "changed"
        assert cases[key]["first_difference"] == {"element_id": "Timer_Late", "name": "Late"}
        assert cases[key]["steps_added"] == ["Late", "Escalated review"]
        assert cases[key]["reason"].startswith("would have waited at Escalated review")
    assert cases["R-2"]["verdict"] == "same"  # reviewed at once
    assert cases["R-4"]["verdict"] == "same"  # escalated anyway, only sooner


def test_a_changed_condition_reroutes_the_cases_whose_recorded_answers_meet_it(engine, recorded):
    result = engine.authoring.replay(draft_of(engine, review_model(condition="approved and amount > 1000")))

    cases = by_key(result)
    assert cases["R-1"]["verdict"] == "changed"
    assert cases["R-1"]["steps_skipped"] == ["Check the amount", "Paid"]
    assert {cases["R-2"]["verdict"], cases["R-3"]["verdict"], cases["R-4"]["verdict"]} == {"same"}  # 2,000
    assert "1 of 2 cases that went through Check the amount would have skipped it." in result["summary"]


def test_an_answer_that_no_longer_fits_the_draft_s_form_is_named_with_its_field(engine, recorded):
    draft = draft_of(engine, None, {"op": "set_form", "element_id": "Task_Review", "form_key": "approval"})

    cases = by_key(engine.authoring.replay(draft))

    assert cases["R-2"]["verdict"] == "not_replayable"
    assert cases["R-2"]["reason"] == ("the answer recorded at Review no longer fits its form: comment is not a "
                                      "field of this form")
    assert cases["R-1"]["verdict"] == "same"  # {"approved": true} fits both forms


def test_reading_today_s_records_where_the_case_should_decide_is_not_replayable(engine, recorded):
    draft = draft_of(engine, review_model(condition="approved and stock_of('pump') > 2"))

    cases = by_key(engine.authoring.replay(draft))

    assert cases["R-1"]["verdict"] == "not_replayable"
    assert cases["R-1"]["reason"].startswith("Approved? reads today's records through stock_of()")
    assert cases["R-2"]["verdict"] == "same"  # refused: the condition stops before stock_of


def test_a_service_the_draft_adds_runs_dry_or_refuses_when_it_has_no_dry_mode(engine, recorded):
    before = row_counts(engine)
    draft = draft_of(engine, review_model(extra_service="pay"))

    cases = by_key(engine.authoring.replay(draft))

    assert cases["R-1"]["verdict"] == "not_replayable"
    assert cases["R-1"]["reason"] == "Pay would call pay, which acts outside crmflow and has no dry mode"
    assert cases["R-2"]["verdict"] == "same"
    assert {k: v for k, v in row_counts(engine).items() if k != "draft"} == \
        {k: v for k, v in before.items() if k != "draft"}


def test_a_call_with_other_inputs_runs_against_today_s_records_and_says_so(engine, recorded):
    bpmn = review_model().replace(b'value="customer"', b'value="customer + \' (key account)\'"')
    cases = by_key(engine.authoring.replay(draft_of(engine, bpmn)))

    assert cases["R-1"]["verdict"] == "same"
    assert cases["R-1"]["ran_dry"] == ["Note the customer"]
    assert cases["R-1"]["reason"] == "Note the customer ran against today's records (its inputs differ from the " \
                                     "recorded call)"


def test_an_incident_and_its_retry_replay_as_they_happened(engine, recorded):
    case = engine.start("review_case", {"customer": "Echo"}, "R-5", "bob").id
    review(engine, case, approved=True)
    assert engine.instance(case).status == "error"  # check_amount had no amount
    engine.retry(case, {"amount": 70})

    cases = by_key(engine.authoring.replay(draft_of(engine)))

    assert cases["R-5"]["verdict"] == "same"
    assert cases["R-5"]["path"] == ["Note the customer", "Review", "Check the amount", "Paid"]


def test_a_step_a_waiting_case_sits_at_cannot_be_removed_from_under_it(engine, recorded):
    without_paid = review_model().replace(b'targetRef="Event_Paid"', b'targetRef="EndEvent_Done"').replace(
        b'<bpmn:sequenceFlow id="Flow_5" sourceRef="Event_Paid" targetRef="EndEvent_Done" />', b"").replace(
        b'<bpmn:intermediateCatchEvent id="Event_Paid" name="Paid">\n      <bpmn:messageEventDefinition '
        b'id="Definition_Paid" messageRef="Message_Paid" /></bpmn:intermediateCatchEvent>', b"")

    result = engine.authoring.replay(draft_of(engine, without_paid))

    cases = by_key(result)
    assert cases["R-3"]["verdict"] == "not_replayable"
    assert cases["R-3"]["reason"] == "it waits at Paid, which the draft removes"
    assert cases["R-1"]["verdict"] == "changed" and cases["R-1"]["steps_skipped"] == ["Paid"]
    assert "1 case cannot be replayed: it waits at Paid, which the draft removes." in result["summary"]


def test_the_period_and_the_limit_bound_what_is_replayed_and_the_answer_says_when_it_cuts(engine, recorded, clock):
    draft = draft_of(engine)
    today = clock.now.date()

    cut = engine.authoring.replay(draft, limit=2)
    assert (cut["replayed"], cut["total"]) == (2, 4)
    assert [c["business_key"] for c in cut["cases"]] == ["R-3", "R-4"]  # the newest, oldest first
    assert cut["cut"] == "the newest 2 of the 4 cases started in the period were replayed (the limit)"
    assert cut["summary"][1] == "The newest 2 of the 4 cases started in the period were replayed (the limit)."
    assert engine.authoring.replay(draft, since=today + timedelta(days=1), until=today + timedelta(days=2))[
        "summary"] == ["No case of this process was started in the period: there is nothing to replay."]
    with pytest.raises(InvalidData) as wrong:
        engine.authoring.replay(draft, since=today, until=today - timedelta(days=1))
    assert wrong.value.fields[0].field == "since"
    for limit in (0, 10_001, True):
        with pytest.raises(InvalidData) as wrong:
            engine.authoring.replay(draft, limit=limit)
        assert wrong.value.fields[0].field == "limit"


def test_a_draft_that_fails_intake_is_refused_before_anything_is_replayed(engine, recorded):
    draft = draft_of(engine, review_model(condition=""))
    with pytest.raises(InvalidModel):
        engine.authoring.replay(draft)


def test_a_copy_under_a_new_key_replays_the_cases_of_the_process_it_was_copied_from(engine, recorded):
    draft = engine.authoring.copy("review_case", "review_case_vip", author="ann")
    result = engine.authoring.replay(draft.id)
    assert (result["process_key"], result["replayed"], result["same"]) == ("review_case", 4, 4)
