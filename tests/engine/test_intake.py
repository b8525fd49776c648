"""Hostile and broken models are refused at deploy with the element named; nothing is stored."""
from __future__ import annotations

import gzip

import pytest

from engine import Engine, InvalidModel
from engine.errors import ModelTooLarge
from tests.conftest import fixture_bytes
from tests.engine.bpmn_builder import chain_model, gateway_model


@pytest.fixture
def engine(tmp_path):
    engine = Engine(f"sqlite:///{tmp_path / 'intake.sqlite'}")
    engine.init_db()
    yield engine
    engine.close()


def refusal(engine: Engine, bpmn: bytes) -> list[dict]:
    """Deploy must fail; returns the problems and checks nothing was stored."""
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(bpmn)
    assert engine.versions() == []
    return caught.value.details


def only(problems: list[dict], code: str) -> dict:
    matching = [p for p in problems if p["code"] == code]
    assert matching, problems
    return matching[0]


HOSTILE_CONDITIONS = {
    "import": "__import__('os').system('touch /tmp/pwned')",
    "subclasses walk": "().__class__.__base__.__subclasses__()",
    "format walk": "'{0.__class__}'.format(amount)",
    "generator frame": "(x for x in []).gi_frame.f_back",
    "huge power": "9**9**9",
    "huge repetition": "'a'*10**10",
}


@pytest.mark.parametrize("condition", HOSTILE_CONDITIONS.values(), ids=HOSTILE_CONDITIONS.keys())
def test_a_hostile_condition_is_refused_with_its_flow_named(engine, condition):
    problem = only(refusal(engine, gateway_model(condition=condition)), "sandbox")
    assert problem["element_id"] == "Flow_Large"
    assert problem["line"] is not None


@pytest.mark.parametrize("script, code", [
    ("import os\nos.system('id')", "sandbox"),
    ("data = open('/etc/passwd').read()", "sandbox"),
    ("data = open('/etc/passwd')", "unknown_function"),
    ("exec('1')", "unknown_function"),
    ("while True:\n    pass", "sandbox"),
])
def test_a_hostile_script_is_refused_with_its_task_named(engine, script, code):
    problem = only(refusal(engine, gateway_model(script=script)), code)
    assert problem["element_id"] == "Task_Check"


def test_xxe_to_a_local_file_is_refused(engine):
    bpmn = gateway_model().replace(b'<bpmn:definitions', b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                                   b'<bpmn:definitions', 1).replace(b"checked = True", b"checked = '&x;'")
    assert only(refusal(engine, bpmn), "doctype")["message"] == "DOCTYPE declarations are not allowed in a model"


def test_billion_laughs_is_refused(engine):
    entities = '<!ENTITY a "lol">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                                              for i in range(8))
    bpmn = gateway_model().replace(b"<bpmn:definitions", f"<!DOCTYPE d [{entities}]>\n<bpmn:definitions".encode(), 1)
    only(refusal(engine, bpmn), "doctype")


def test_a_gzip_compressed_upload_is_refused(engine):
    assert "gzip" in only(refusal(engine, gzip.compress(fixture_bytes("order_review.bpmn"))), "compressed")["message"]


def test_a_30_mib_upload_is_refused_before_parsing(engine):
    bpmn = gateway_model().replace(b"</bpmn:definitions>", b"<!--" + b"x" * (30 * 1024 * 1024) + b"-->"
                                   b"</bpmn:definitions>")
    with pytest.raises(ModelTooLarge, match="limit is 2097152 bytes"):
        engine.deploy(bpmn)


def test_a_600_step_chain_is_refused_as_too_large(engine):
    problem = only(refusal(engine, chain_model(600)), "model_too_large")
    assert problem["element_id"] == "chain"
    assert "split it with call activities" in problem["message"]


def test_a_long_but_reasonable_chain_deploys_and_runs(engine):
    engine.deploy(chain_model(150))
    assert engine.start("chain").status == "completed"


def test_duplicate_ids_are_refused(engine):
    bpmn = gateway_model().replace(b'<bpmn:userTask id="Task_Review"', b'<bpmn:userTask id="Task_Check"')
    problem = only(refusal(engine, bpmn), "duplicate_id")
    assert problem["element_id"] == "Task_Check"


def test_a_flow_to_a_missing_node_is_refused(engine):
    bpmn = gateway_model().replace(b'targetRef="Task_Review"', b'targetRef="Task_Gone"')
    problem = only(refusal(engine, bpmn), "dangling_flow")
    assert problem["element_id"] == "Flow_Large" and "Task_Gone" in problem["message"]


def test_a_gateway_flow_without_condition_or_default_is_refused(engine):
    bpmn = gateway_model(default_flow=False)
    problem = only(refusal(engine, bpmn), "missing_condition")
    assert problem["element_id"] == "Flow_Small"


def test_every_problem_is_reported_at_once(engine):
    bpmn = gateway_model(condition="__import__('os')", script="open('x')", default_flow=False)
    codes = {p["code"] for p in refusal(engine, bpmn)}
    assert {"sandbox", "unknown_function", "missing_condition"} <= codes


def test_a_user_task_nobody_would_get_deploys_with_a_warning_and_waits_for_the_administrators(engine):
    bpmn = gateway_model().replace(b"<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>", b"")
    version = engine.deploy(bpmn)
    assert [(w["code"], w["element_id"]) for w in version.warnings if w["code"] != "unknown_name"] == [
        ("no_assignment", "Task_Review")]  # (amount comes with start data no form declares: unknown_name)
    instance = engine.start("test_process", {"amount": 500}, "T-1", "bob")
    [task] = engine.tasks(instance_id=instance.id)
    assert (task.assignee, task.candidate_group) == (None, None) and "administrators" in task.assignment_reason


def test_plain_and_manual_tasks_need_nobody_named(engine):
    for kind in ("task", "manualTask"):
        bpmn = gateway_model().replace(b"<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>", b"").replace(
            b'<bpmn:userTask id="Task_Review" name="Review" />',
            f'<bpmn:{kind} id="Task_Review" name="Review" />'.encode())
        assert [w for w in engine.check(bpmn).warnings if w.code != "unknown_name"] == []


def test_an_unreachable_element_is_refused(engine):
    bpmn = gateway_model(extra='<bpmn:userTask id="Task_Orphan" name="Orphan" />'
                               '<bpmn:sequenceFlow id="Flow_O" sourceRef="Task_Orphan" targetRef="EndEvent_1" />')
    bpmn = bpmn.replace(b"<bpmn:flowNodeRef>Task_Review", b"<bpmn:flowNodeRef>Task_Orphan</bpmn:flowNodeRef>"
                        b"<bpmn:flowNodeRef>Task_Review")
    assert only(refusal(engine, bpmn), "unreachable")["element_id"] == "Task_Orphan"


def test_a_gateway_without_default_is_a_warning_not_an_error(engine):
    bpmn = gateway_model(default_flow=False).replace(
        b'<bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Amount" targetRef="EndEvent_1" />',
        b'<bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Amount" targetRef="EndEvent_1">'
        b'<bpmn:conditionExpression>amount &lt;= 100</bpmn:conditionExpression></bpmn:sequenceFlow>')
    version = engine.deploy(bpmn)
    assert [w["code"] for w in version.warnings if w["code"] != "unknown_name"] == ["no_default_flow"]


def test_not_xml_and_not_bpmn_are_refused_plainly(engine):
    assert only(refusal(engine, b"hello"), "xml_syntax")
    assert only(refusal(engine, b"<html><body/></html>"), "not_bpmn")


def test_a_missing_variable_at_run_time_is_an_incident_that_can_be_retried(engine):
    engine.deploy(gateway_model(condition="amount > limit"))
    instance = engine.start("test_process", {"amount": 500})
    assert instance.status == "error"
    assert instance.incident["element_id"] == "Gateway_Amount"
    assert "limit" in instance.incident["message"]
    assert engine.tasks(instance_id=instance.id) == []
    fixed = engine.retry(instance.id, {"limit": 100})
    assert fixed.status == "running" and fixed.incident is None
    assert [t.name for t in engine.tasks(instance_id=instance.id)] == ["Review"]
    assert "incident" in [e.type for e in engine.history(instance.id)]


def test_a_script_that_exceeds_its_budget_at_run_time_is_an_incident(engine):
    engine.deploy(gateway_model(script="total = 0\nfor i in items:\n    for j in items:\n        total += 1"))
    instance = engine.start("test_process", {"amount": 1, "items": list(range(2000))})
    assert instance.status == "error"
    assert instance.incident["element_id"] == "Task_Check"


def test_a_four_eyes_rule_naming_no_step_is_refused(engine):
    bpmn = gateway_model().replace(b'<bpmn:userTask id="Task_Review" name="Review" />',
                                   b'<bpmn:userTask id="Task_Review" name="Review"><bpmn:extensionElements>'
                                   b'<spiffworkflow:properties><spiffworkflow:property name="separateFrom" '
                                   b'value="starter, Task_Gone"/></spiffworkflow:properties></bpmn:extensionElements>'
                                   b'</bpmn:userTask>')
    assert only(refusal(engine, bpmn), "bad_separation")["element_id"] == "Task_Review"
