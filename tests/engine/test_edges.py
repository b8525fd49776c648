"""The engine at its edges: webhooks out, messages in, parameters no data can override, edit operations and
migration mappings checked before anything changes."""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest

from engine import Conflict, Engine, InvalidData, InvalidModel, JournalSender, WebhookSender, dispatch
from tests.engine.bpmn_builder import HEAD

SECRET = "a-secret-of-sixteen-or-more"


def paid_model(script: str = "big = amount > limit", form_field: str = "") -> bytes:
    """Parameter limit = 100. start -> wait for message 'paid' -> script -> gateway: big -> Task_Review, else end."""
    form = (f'<bpmn:extensionElements><camunda:formData><camunda:formField id="{form_field}" label="L" type="long"/>'
            '</camunda:formData></bpmn:extensionElements>') if form_field else ""
    body = f"""
  <bpmn:process id="paid" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="limit" value="100"/>
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:intermediateCatchEvent id="Event_Paid" name="Paid">
      <bpmn:messageEventDefinition id="Definition_Paid" messageRef="Message_Paid" /></bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="Task_Check" name="Check"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Big" default="Flow_Small" />
    <bpmn:userTask id="Task_Review" name="Review">{form}</bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Event_Paid" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Event_Paid" targetRef="Task_Check" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Check" targetRef="Gateway_Big" />
    <bpmn:sequenceFlow id="Flow_Big" sourceRef="Gateway_Big" targetRef="Task_Review">
      <bpmn:conditionExpression>big</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Big" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_Review" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmn:message id="Message_Paid" name="paid" />
"""
    head = HEAD.replace("<bpmn:definitions ", '<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ')
    return (head + body + "</bpmn:definitions>\n").encode()


def waiting_case(engine: Engine, business_key: str = "P-1") -> str:
    engine.deploy(paid_model(), author="ann")
    case = engine.start("paid", {"amount": 5000}, business_key, "bob")
    assert case.status == "waiting"
    return case.id


def fields(caught: pytest.ExceptionInfo) -> set[str]:
    return {d["field"] for d in caught.value.details}


# -- messages ---------------------------------------------------------------------------------------------------------
def test_the_same_message_id_with_the_same_contents_is_a_repeat(engine):
    case = waiting_case(engine)
    first = engine.deliver_message("paid", "BANK-1", "P-1", data={"amount_paid": 5000}, actor="erp")
    again = engine.deliver_message("paid", "BANK-1", "P-1", data={"amount_paid": 5000}, actor="erp")
    assert (first["duplicate"], again["duplicate"], again["instance_id"]) == (False, True, case)


@pytest.mark.parametrize("changed", [{"data": {"amount_paid": 999999}}, {"business_key": "P-2"},
                                     {"correlation": {"process_key": "paid"}}])
def test_a_message_id_used_again_for_other_data_or_another_case_is_a_conflict_naming_message_id(engine, changed):
    waiting_case(engine)
    second = engine.start("paid", {"amount": 5000}, "P-2", "bob")
    sent = {"data": {"amount_paid": 5000}, "business_key": "P-1", "correlation": None, **changed}
    engine.deliver_message("paid", "BANK-2", "P-1", data={"amount_paid": 5000}, actor="erp")
    with pytest.raises(Conflict) as caught:
        engine.deliver_message("paid", "BANK-2", sent["business_key"], sent["correlation"], sent["data"], actor="erp")
    assert fields(caught) == {"message_id"} and "BANK-2" in caught.value.message
    assert engine.instance(second.id).status == "waiting"  # the second case did not take it


# -- parameters -------------------------------------------------------------------------------------------------------
def test_a_message_cannot_set_a_process_parameter(engine):
    case = waiting_case(engine)
    with pytest.raises(InvalidData) as caught:
        engine.deliver_message("paid", "BANK-3", "P-1", data={"limit": 1000000}, actor="erp")
    assert fields(caught) == {"limit"}
    assert engine.instance(case).status == "waiting"
    assert engine.deliver_message("paid", "BANK-3", "P-1", data={}, actor="erp")["duplicate"] is False  # id not used


def test_a_retry_cannot_set_a_process_parameter(engine):
    engine.deploy(paid_model(script="big = amount > limit + missing"), author="ann")
    case = engine.start("paid", {"amount": 5000}, "P-4", "bob")
    stopped = engine.deliver_message("paid", "BANK-4", "P-4", data={}, actor="erp")
    assert stopped["status"] == "error"
    with pytest.raises(InvalidData) as caught:
        engine.retry(case.id, {"missing": 0, "limit": 1000000}, actor="root")
    assert fields(caught) == {"limit"}
    assert engine.retry(case.id, {"missing": 0}, actor="root").status == "running"  # 5000 > 100: reviewed
    assert [t.name for t in engine.tasks(instance_id=case.id)] == ["Review"]


def test_a_task_form_cannot_set_a_process_parameter(engine):
    engine.deploy(paid_model(script="big = True", form_field="limit"), author="ann")
    case = engine.start("paid", {"amount": 5000}, "P-5", "bob")
    engine.deliver_message("paid", "BANK-5", "P-5", data={}, actor="erp")
    [task] = engine.tasks(instance_id=case.id)
    with pytest.raises(InvalidData) as caught:
        engine.complete(task.id, "alice", {"limit": 7}, groups=None)
    assert fields(caught) == {"limit"}


def test_a_script_reads_the_parameter_even_where_the_case_data_hold_its_name(engine):
    without = paid_model().replace(b'<spiffworkflow:property name="limit" value="100"/>', b"")
    engine.deploy(without, author="ann")  # v1: limit is case data
    case = engine.start("paid", {"amount": 5000, "limit": 1000000}, "P-6", "bob")
    engine.deploy(paid_model(), author="ann")  # v2: limit is a parameter, 100
    [moved] = engine.authoring.migrate("paid", 1, 2, "root")
    assert moved["migrated"] is True
    engine.deliver_message("paid", "BANK-6", "P-6", data={}, actor="erp")
    assert [t.name for t in engine.tasks(instance_id=case.id)] == ["Review"]  # 5000 > 100, the model's limit


def test_a_script_that_assigns_a_parameter_is_refused_at_deploy_naming_the_step(engine):
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(paid_model(script="limit = 1000000\nbig = amount > limit"), author="ann")
    [problem] = [p for p in caught.value.problems if p.code == "parameter_assigned"]
    assert problem.element_id == "Task_Check" and "'limit'" in problem.message


# -- webhooks ---------------------------------------------------------------------------------------------------------
class Redirecting(http.server.BaseHTTPRequestHandler):
    """A receiver that sends every delivery somewhere else; and the place it points at, which counts visits."""

    location = ""
    visits: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/elsewhere":
            self.visits.append(self.path)
            self.send_response(200)
        else:
            self.send_response(302)
            self.send_header("Location", self.location)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Redirecting.visits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("where", ["ftp://127.0.0.1:{port}/", "{base}/elsewhere", "file:///etc/passwd"])
def test_a_webhook_redirect_is_not_followed_and_fails_naming_status_and_host(engine, redirecting, tmp_path, where):
    Redirecting.location = where.format(base=redirecting, port=redirecting.rsplit(":", 1)[1])
    engine.register_webhook(redirecting + "/hook", ["instance_started"], SECRET, actor="root")
    waiting_case(engine)
    dispatch(engine.context, {"webhook": WebhookSender(engine.store)}, JournalSender(tmp_path / "outbox.jsonl"))
    [delivery] = engine.webhook_deliveries()
    assert delivery.state == "pending" and Redirecting.visits == []
    assert "302" in delivery.last_error and "127.0.0.1" in delivery.last_error
    assert "not followed" in delivery.last_error and len(delivery.last_error) < 400


@pytest.mark.parametrize("url", ["http://user:pw@127.0.0.1/hook", "https://token@erp.example.com/hook",
                                 "http://127.0.0.1:1@erp.example.com/", "http://erp.example.com/a\r\nX-Evil: 1",
                                 "http://erp.example.com/a b"])
def test_a_webhook_url_with_credentials_or_control_characters_is_refused(engine, url):
    with pytest.raises(InvalidData) as caught:
        engine.register_webhook(url, ["instance_started"], SECRET, actor="root")
    assert fields(caught) == {"url"}
    assert engine.webhooks() == []


# -- edit operations --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation, field", [
    ({"op": "set_timer", "element_id": "Task_Review", "duration": "P1D", "name": 5}, "name"),
    ({"op": "set_lane", "element_id": "Task_Review", "lane": "sales\x07"}, "lane"),
    ({"op": "rename", "element_id": "Task_Review", "name": ["Check"]}, "name"),
    ({"op": "rename", "element_id": "Task_Review", "name": "Check", "colour": "red"}, "colour"),
    ({"op": "set_parameter", "name": "limit", "value": {"nested": 1}}, "value"),
    ({"op": "insert_task", "after": 7, "name": "Check"}, "after"),
    ({"op": "set_condition", "flow_id": "Flow_Big", "condition": "big\x00"}, "condition"),
    ({"op": ["rename"], "element_id": "Task_Review"}, "op"),
])
def test_an_edit_operation_of_the_wrong_type_is_refused_naming_its_index_and_field(engine, operation, field):
    engine.deploy(paid_model(), author="ann")
    draft = engine.authoring.copy("paid", author="ann")
    before = engine.authoring.bpmn(f"draft:{draft.id}")
    with pytest.raises(InvalidData) as caught:
        engine.authoring.edit(draft.id, [{"op": "rename", "element_id": "Task_Check", "name": "Fine"}, operation],
                              "ann")
    assert fields(caught) == {f"operations[1].{field}"}
    assert engine.authoring.bpmn(f"draft:{draft.id}") == before  # none applied


# -- migration mappings -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target, words", [("StartEvent_1", "where no case can wait"),
                                           ("EndEvent_1", "where no case can wait"),
                                           ("Task_Check", "where no case can wait"),
                                           ("Event_Paid", "same kind")])
def test_a_mapping_onto_a_step_where_no_case_can_wait_or_of_another_kind_is_refused(engine, target, words):
    engine.deploy(paid_model(script="big = True"), author="ann")
    case = engine.start("paid", {"amount": 5000}, "P-7", "bob")
    engine.deliver_message("paid", "BANK-7", "P-7", data={}, actor="erp")
    renamed = paid_model(script="big = True").replace(b"Task_Review", b"Task_Approve")
    engine.deploy(renamed, author="ann")
    with pytest.raises(InvalidData) as caught:
        engine.authoring.plan_migration("paid", 1, 2, {"Task_Review": target})
    assert fields(caught) == {"mapping.Task_Review"} and words in caught.value.details[0]["message"]
    assert engine.instance(case.id).version == 1
    [verdict] = engine.authoring.plan_migration("paid", 1, 2, {"Task_Review": "Task_Approve"})
    assert verdict["verdict"] == "ok"
