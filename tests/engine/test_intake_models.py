"""Models as other tools write them: optional ids left out, implicit splits, endless reminders, SpiffWorkflow's
own refusals in plain words."""
from __future__ import annotations

import pytest

from engine import UNASSIGNED, Engine, Forbidden, InvalidModel, Worker
from tests.engine.bpmn_builder import HEAD, reminder_model


def process(body: str, key: str = "vendor") -> bytes:
    return (HEAD + f'<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def refused(engine: Engine, bpmn: bytes) -> list:
    with pytest.raises(InvalidModel) as caught:
        engine.deploy(bpmn)
    return caught.value.problems


def test_a_model_without_diagram_whose_flows_have_no_id_deploys_and_runs(engine):
    version = engine.deploy(process("""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:scriptTask id="Task_Note"><bpmn:script>noted = True</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow sourceRef="StartEvent_1" targetRef="Task_Note" />
      <bpmn:sequenceFlow sourceRef="Task_Note" targetRef="EndEvent_1" />"""))
    assert engine.start("vendor", {}).status == "completed"
    bpmn = engine.authoring.bpmn(f"{version.process_key}@{version.version}")[0]
    assert b'id="Flow_StartEvent_1_Task_Note"' in bpmn and b"BPMNEdge" in bpmn


def test_a_message_reference_to_nothing_is_refused_naming_the_event(engine):
    problems = refused(engine, process("""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:intermediateCatchEvent id="Event_Paid">
        <bpmn:messageEventDefinition id="Definition_Paid" messageRef="Message_Gone" /></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Event_Paid" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Event_Paid" targetRef="EndEvent_1" />"""))
    [problem] = [p for p in problems if p.code == "dangling_reference"]
    assert problem.element_id == "Definition_Paid" and "Message_Gone" in problem.message


SPLIT = """
  <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
    <bpmn:flowNodeRef>Task_A</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_B</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="StartEvent_1" />
  <bpmn:scriptTask id="Task_Prepare"><bpmn:script>ready = True</bpmn:script></bpmn:scriptTask>
  <bpmn:userTask id="Task_A" name="A" />
  <bpmn:userTask id="Task_B" name="B" />
  <bpmn:endEvent id="EndEvent_A" /><bpmn:endEvent id="EndEvent_B" />
  <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Prepare" />
  <bpmn:sequenceFlow id="Flow_ToA" sourceRef="Task_Prepare" targetRef="Task_A" />
  <bpmn:sequenceFlow id="Flow_ToB" sourceRef="Task_Prepare" targetRef="Task_B" />
  <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_A" targetRef="EndEvent_A" />
  <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_B" targetRef="EndEvent_B" />"""


def test_a_task_with_several_outgoing_flows_becomes_a_parallel_split(engine):
    version = engine.deploy(process(SPLIT))
    [warning] = [w for w in version.warnings if w["code"] == "implicit_split"]
    assert warning["element_id"] == "Task_Prepare" and "Gateway_Task_Prepare_Split" in warning["message"]
    case = engine.start("vendor", {})
    assert sorted(t.name for t in engine.tasks(instance_id=case.id)) == ["A", "B"]
    assert b'<bpmn:parallelGateway id="Gateway_Task_Prepare_Split"' in engine.authoring.bpmn("vendor@1")[0]


def test_a_task_with_several_conditional_flows_is_refused_with_the_fix(engine):
    conditional = SPLIT.replace('targetRef="Task_A" />', 'targetRef="Task_A"><bpmn:conditionExpression>ready'
                                '</bpmn:conditionExpression></bpmn:sequenceFlow>', 1)
    [problem] = [p for p in refused(engine, process(conditional)) if p.code == "implicit_choice"]
    assert problem.element_id == "Task_Prepare" and "inclusive gateway" in problem.message


def test_spiffworkflow_s_own_refusals_reach_people_in_plain_words(engine):
    problems = refused(engine, process("""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:subProcess id="Sub_1"><bpmn:startEvent id="Sub_Start" /><bpmn:scriptTask id="Sub_Task">
        <bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
        <bpmn:sequenceFlow id="Sub_Flow" sourceRef="Sub_Start" targetRef="Sub_Task" /></bpmn:subProcess>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Sub_1" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Sub_1" targetRef="EndEvent_1" />"""))
    assert problems and all("SubWorkflow" not in p.message for p in problems)
    assert any("end event" in p.message for p in problems)


def test_an_endless_reminder_on_a_task_repeats_until_the_task_is_done(engine, clock):
    engine.deploy(reminder_model("R/PT2M"))
    instance = engine.start("reminded", {})
    worker = Worker(engine.context)
    for _ in range(6):
        clock.advance(minutes=2, seconds=1)
        assert worker.run_once() == 1
    assert [e.type for e in engine.history(instance.id)].count("timer_fired") == 6
    [task] = engine.tasks(instance_id=instance.id)
    engine.complete(task.id, "bob")
    clock.advance(minutes=10)
    assert worker.run_once() == 0 and engine.instance(instance.id).status == "completed"


def test_an_endless_cycle_anywhere_but_on_a_step_s_boundary_or_a_schedule_is_refused(engine):
    waiting = process("""
      <bpmn:startEvent id="StartEvent_1" />
      <bpmn:intermediateCatchEvent id="Timer_Daily"><bpmn:timerEventDefinition id="Timer_1">
        <bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Timer_Daily" />
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Timer_Daily" targetRef="EndEvent_1" />""")
    [problem] = [p for p in refused(engine, waiting) if p.code == "bad_timer"]
    assert problem.element_id == "Timer_Daily" and "without end" in problem.message
    schedule = process("""
      <bpmn:startEvent id="StartEvent_1"><bpmn:timerEventDefinition id="Timer_1">
        <bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
      <bpmn:endEvent id="EndEvent_1" />
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />""")
    assert engine.deploy(schedule).version == 1  # a process's start: a schedule, every day from its deploy


NOBODY = process("""
  <bpmn:startEvent id="StartEvent_1" />
  <bpmn:userTask id="Task_Check" name="Check the order" />
  <bpmn:endEvent id="EndEvent_1" />
  <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Check" />
  <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Check" targetRef="EndEvent_1" />""")


def test_a_user_task_nobody_is_named_for_waits_in_the_unassigned_queue(engine):
    version = engine.deploy(NOBODY)
    assert "no_assignment" in {w["code"] for w in version.warnings}
    case = engine.start("vendor", {})
    assert [t.name for t in engine.tasks(groups=["sales"])] == []
    [task] = engine.tasks(groups=["sales", UNASSIGNED])
    with pytest.raises(Forbidden, match="administrators' queue"):
        engine.complete(task.id, "bob", groups=["sales"])
    engine.claim(task.id, "root", groups=[UNASSIGNED])
    assert engine.complete(task.id, "root", groups=[UNASSIGNED]).status == "completed"
    assert engine.instance(case.id).status == "completed"
