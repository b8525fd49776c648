"""Bounded execution: no model, expression or data can exhaust the engine or end a case falsely.

Each test is one of the attacks tried against a running server; they run as engine tests
on SQLite and PostgreSQL (tests/api/test_bounds_http.py sends the same over HTTP).
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from engine import Engine, InvalidData, InvalidModel, Worker
from engine.scripting.sandbox import SandboxViolation, compile_expression, compile_script, evaluate, execute
from tests.engine.bpmn_builder import HEAD, gateway_model, loop_model, reminder_model, timer_model

LONG = "a" * 99_999


def refused(source: str, **data) -> str:
    with pytest.raises(SandboxViolation) as caught:
        evaluate(compile_expression(source), data)
    return str(caught.value)


def codes(engine: Engine, bpmn: bytes) -> dict[str, str | None]:
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(bpmn)
    return {p.code: p.element_id for p in caught.value.problems}


def model(body: str) -> bytes:
    return (HEAD + body + "</bpmn:definitions>\n").encode()


# -- the sandbox checks the cost of every operation before doing it ---------------------------------
def test_bytes_are_refused_when_the_model_is_deployed():
    with pytest.raises(SandboxViolation, match="bytes are not allowed"):
        compile_expression("len(b'a' * 10**8)")


def test_replace_counts_what_it_would_build_including_its_count():
    assert "steps" in refused("s.replace('a', s, -1)", s=LONG) or "replace" in refused("s.replace('a', s, -1)", s=LONG)
    assert "replace" in refused("s.replace('a', 'bb', -1)", s="a" * 60_000)


def test_join_counts_its_separator():
    assert "join" in refused("s.join(parts)", s="x" * 50, parts=[""] * 30_000)


def test_repetition_counts_nested_values():
    assert "repetition" in refused("[s] * 5000", s="a" * 1000)


def test_builtins_over_big_data_are_paid_for():
    assert "steps" in refused("[max(a, b) for i in range(50)]", a=list(range(40_000)), b=list(range(40_000)))


def test_time_spent_inside_a_function_counts_against_the_budget():
    def slow(x):
        time.sleep(0.6)
        return x

    with pytest.raises(SandboxViolation, match="longer"):
        evaluate(compile_expression("slow(1) + 1"), {}, {"slow": slow})


def test_ordinary_scripts_still_run():
    data = {"lines": [{"qty": i, "price": 2.5} for i in range(200)]}
    execute(compile_script("total = 0\nfor line in lines:\n    total += line['qty'] * line['price']\n"
                           "names = [str(i) for i in range(1000)]\nlabel = ', '.join(names[:10])"), data)
    assert data["total"] == sum(i * 2.5 for i in range(200)) and data["label"].startswith("0, 1")


# -- instance data: JSON only, bounded depth and size --------------------------------------------
@pytest.mark.parametrize("script,named", [("f = len", "set 'f'"), ("x = {1, 2}", "set 'x'"),
                                          ("d = {}\nd['self'] = d", "line 2"), ("x = {'a': 1}.items()", "set 'x'"),
                                          ("x = (1, 2)", "set 'x'")])
def test_a_script_storing_what_is_not_json_is_an_incident_naming_task_and_variable(engine, script, named):
    engine.deploy(gateway_model(script=script))
    instance = engine.start("test_process", {"amount": 1})
    assert instance.status == "error" and instance.incident["element_id"] == "Task_Check"
    assert named in instance.incident["message"]
    assert engine.history(instance.id)[-1].type == "incident"  # the case stays readable ...
    assert engine.terminate(instance.id, "root", "bad script").status == "terminated"  # ... and terminable


def test_a_script_growing_the_data_past_its_size_limit_is_an_incident(engine):
    engine.deploy(gateway_model(script="rows = []\nfor i in range(90):\n    rows.append(s)"))
    instance = engine.start("test_process", {"amount": 1, "s": "x" * 4000})
    assert instance.status == "error" and "larger than" in instance.incident["message"]
    assert "rows" in instance.incident["message"]


def test_start_data_nested_too_deep_is_refused_naming_the_field(engine):
    engine.deploy(gateway_model())
    deep: dict = {}
    cursor = deep
    for _ in range(900):
        cursor["next"] = {}
        cursor = cursor["next"]
    with pytest.raises(InvalidData) as caught:
        engine.start("test_process", {"amount": 1, "tree": deep})
    assert caught.value.fields[0].field.startswith("tree.next.next") and "deep" in caught.value.fields[0].message


@pytest.mark.parametrize("value,message", [(float("nan"), "finite"), (float("inf"), "finite"), ({1, 2}, "not a JSON"),
                                           ("x" * 300_000, "larger than")])
def test_start_data_that_is_not_bounded_json_is_refused(engine, value, message):
    engine.deploy(gateway_model())
    with pytest.raises(InvalidData) as caught:
        engine.start("test_process", {"amount": 1, "field": value})
    assert caught.value.fields[0].field == "field" and message in caught.value.fields[0].message


# -- a loop that reaches no wait state is an incident, never "completed" ------------------------------


def test_an_engine_only_loop_ends_in_an_incident_not_in_completed(engine):
    engine.deploy(loop_model())
    instance = engine.start("looper", {"n": 0, "limit": 3000})
    assert instance.status == "error"
    assert "did not reach a wait state" in instance.incident["message"]
    assert "instance_completed" not in [e.type for e in engine.history(instance.id)]


def test_a_short_engine_loop_still_completes(engine):
    engine.deploy(loop_model())
    assert engine.start("looper", {"n": 0, "limit": 50}).status == "completed"


def test_a_process_calling_itself_is_refused_at_deploy(engine):
    body = """
  <bpmn:process id="again" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" /><bpmn:callActivity id="Call_Again" calledElement="again" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Call_Again" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Call_Again" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    assert codes(engine, model(body))["call_cycle"] == "Call_Again"


def test_steps_inside_sub_processes_count_towards_the_cap(engine):
    branches = "".join(f'<bpmn:scriptTask id="Task_{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
                       f'<bpmn:sequenceFlow id="Flow_Out_{i}" sourceRef="Split" targetRef="Task_{i}" />'
                       for i in range(2000))
    body = f"""
  <bpmn:process id="wide" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:subProcess id="Sub_Wide"><bpmn:startEvent id="Sub_Start" /><bpmn:parallelGateway id="Split" />
      <bpmn:sequenceFlow id="Flow_In" sourceRef="Sub_Start" targetRef="Split" />{branches}</bpmn:subProcess>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Sub_Wide" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Sub_Wide" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    found = codes(engine, model(body))
    assert found["model_too_large"] == "wide" and found["too_many_branches"] == "Split"


def test_an_element_named_like_an_engine_internal_step_is_refused(engine):
    bpmn = gateway_model().replace(b'"StartEvent_1"', b'"Start"')
    assert codes(engine, bpmn)["reserved_id"] == "Start"


# -- timers are checked at deploy -----------------------------------------------------------------
@pytest.mark.parametrize("duration", ["P7D", "'P7D'", '"PT4H"', "pt30m"])
def test_iso_durations_deploy_quoted_or_not_and_set_the_due_time(engine, clock, duration):
    engine.deploy(timer_model(duration))
    instance = engine.start("wait_then_work", {})
    assert instance.status == "waiting"


@pytest.mark.parametrize("text", ["soon", "0 0 * * *", "'next week'", "R/PT1H", "R5000/PT1H"])
def test_cron_free_text_and_endless_cycles_are_refused_naming_the_element(engine, text):
    assert codes(engine, timer_model(text)).get("bad_timer") == "Timer_Wait"


# -- incidents tell people what happened, the log keeps the internals ----------------------------------
NOTING = """
  <bpmn:process id="noting" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:serviceTask id="Task_Note"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="note" resultVariable="noted">
        <spiffworkflow:parameters><spiffworkflow:parameter id="text" type="str" value="'hello'"/>
        </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Note" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Note" targetRef="EndEvent_1" />
  </bpmn:process>
"""


def test_an_unexpected_failure_shows_a_plain_message_and_a_reference(engine, pack):
    def broken(call, **_):
        raise RuntimeError("primary key columns are 'crm_customer.id'")

    pack.services = {**pack.services, "note": broken}
    engine.deploy(model(NOTING))
    incident = engine.start("noting", {}).incident
    assert incident["element_id"] == "Task_Note" and "crm_customer" not in incident["message"]
    assert "server log" in incident["message"] and len(incident["reference"]) == 12


def _write_then(failure: str):
    def service(call, **_):
        call.session.execute(text("UPDATE instance SET business_key = 'written' WHERE id = :id"),
                             {"id": call.instance_id})
        call.record("noted", text="written")
        call.send("noted", f"noted:{call.instance_id}", text="written")
        if failure == "database":
            call.session.execute(text("INSERT INTO instance (id) VALUES (NULL)"))  # refused: not null, and more
        if failure == "no_table":  # SQLite calls it an OperationalError, as it does a locked file
            call.session.execute(text("SELECT * FROM no_such_table"))
        raise ValueError("the service refuses")
    return service


@pytest.mark.parametrize("failure", ["database", "no_table", "service"])
def test_a_service_whose_write_the_database_refuses_leaves_none_of_its_writes_and_an_incident(engine, pack, failure):
    pack.services = {**pack.services, "note": _write_then(failure)}
    engine.deploy(model(NOTING))
    case = engine.start("noting", {}, business_key="N-1")
    assert case.incident["element_id"] == "Task_Note"
    stored = engine.instance(case.id)  # the incident was saved in both cases (the transaction stayed usable)
    assert (stored.status, stored.incident["reference"]) == ("error", case.incident["reference"])
    noted = [e for e in engine.history(case.id) if e.type == "noted"]
    with engine.store.read() as session:
        sent = session.scalar(text("SELECT count(*) FROM outbox WHERE topic = 'noted'"))
    if failure != "service":  # none of what the service wrote or queued before the database refused
        assert "server log" in case.incident["message"]
        assert (stored.business_key, noted, sent) == ("N-1", [], 0)
    else:  # a service's own refusal keeps what it did first (a control point's alert before it blocks)
        assert case.incident["message"].startswith("'note' failed: the service refuses")
        assert (stored.business_key, len(noted), sent) == ("written", 1, 1)


@pytest.mark.parametrize("cycle", ["R3/PT1H", "'R3/PT1H'"])
def test_a_cycle_timer_fires_its_count_of_times_on_the_engine_clock(engine, clock, cycle):
    engine.deploy(reminder_model(cycle))
    instance = engine.start("reminded", {})
    worker = Worker(engine.context)
    fired = []
    for _ in range(5):
        clock.advance(hours=1, seconds=1)
        fired.append(worker.run_once())
    assert fired == [1, 1, 1, 0, 0]
    assert [e.element_id for e in engine.history(instance.id) if e.type == "timer_fired"] == ["Timer_Remind"] * 3
    assert [e.element_id for e in engine.history(instance.id)].count("Task_Count") == 3
    [task] = engine.tasks(instance_id=instance.id)
    assert task.element_id == "Task_Work"  # the reminders never interrupt the work
    engine.complete(task.id, "bob")
    assert engine.instance(instance.id).status == "completed"

