"""Small BPMN documents for intake tests: a script task, a gateway, a user task."""
from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_Test" targetNamespace="http://crmflow.example/test">\n')


def gateway_model(condition: str = "amount > 100", script: str = "checked = True",
                  default_flow: bool = True, extra: str = "") -> bytes:
    """start -> script -> gateway (condition | default) -> user task / end."""
    default = ' default="Flow_Small"' if default_flow else ""
    body = f"""
  <bpmn:process id="test_process" name="Test process" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:scriptTask id="Task_Check" name="Check"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Amount" name="Large?"{default} />
    <bpmn:userTask id="Task_Review" name="Review" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Check" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Check" targetRef="Gateway_Amount" />
    <bpmn:sequenceFlow id="Flow_Large" sourceRef="Gateway_Amount" targetRef="Task_Review">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Amount" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Review" targetRef="EndEvent_1" />
    {extra}
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def chain_model(steps: int) -> bytes:
    """start -> `steps` script tasks in a row -> end."""
    tasks = "".join(f'<bpmn:scriptTask id="Task_{i}"><bpmn:script>step = {i}</bpmn:script></bpmn:scriptTask>'
                    for i in range(steps))
    ids = ["StartEvent_1", *(f"Task_{i}" for i in range(steps)), "EndEvent_1"]
    flows = _in_a_row(ids)
    body = (f'<bpmn:process id="chain" isExecutable="true"><bpmn:startEvent id="StartEvent_1" />{tasks}'
            f'<bpmn:endEvent id="EndEvent_1" />{flows}</bpmn:process>')
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def timer_model(duration: str = "'PT1H'") -> bytes:
    """start -> wait `duration` (intermediate timer) -> user task in lane sales -> end."""
    body = f"""
  <bpmn:process id="wait_then_work" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:intermediateCatchEvent id="Timer_Wait" name="Wait">
      <bpmn:timerEventDefinition id="TimerDefinition_Wait"><bpmn:timeDuration>{escape(duration)}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Task_Work" name="Work" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Timer_Wait" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Timer_Wait" targetRef="Task_Work" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Work" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def parallel_model() -> bytes:
    """start -> parallel split -> Task_A (alice) + Task_B (bob) -> join -> script -> Task_After (carol) -> end."""
    def task(task_id: str, user: str) -> str:
        return (f'<bpmn:userTask id="{task_id}" name="{task_id}"><bpmn:extensionElements><spiffworkflow:properties>'
                f'<spiffworkflow:property name="assignee" value="{user}" /></spiffworkflow:properties>'
                f'</bpmn:extensionElements></bpmn:userTask>')
    body = f"""
  <bpmn:process id="parallel_work" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:parallelGateway id="Gateway_Split" />
    {task("Task_A", "alice")}
    {task("Task_B", "bob")}
    <bpmn:parallelGateway id="Gateway_Join" />
    <bpmn:scriptTask id="Script_Count" name="Count"><bpmn:script>joined = True</bpmn:script></bpmn:scriptTask>
    {task("Task_After", "carol")}
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Gateway_Split" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Gateway_Split" targetRef="Task_A" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Gateway_Split" targetRef="Task_B" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_A" targetRef="Gateway_Join" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Task_B" targetRef="Gateway_Join" />
    <bpmn:sequenceFlow id="Flow_6" sourceRef="Gateway_Join" targetRef="Script_Count" />
    <bpmn:sequenceFlow id="Flow_7" sourceRef="Script_Count" targetRef="Task_After" />
    <bpmn:sequenceFlow id="Flow_8" sourceRef="Task_After" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def reminder_model(cycle: str = "R3/PT1H") -> bytes:
    """A user task in lane sales with a non-interrupting cycle timer: each firing runs a counting script."""
    body = f"""
  <bpmn:process id="reminded" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Work" name="Work" />
    <bpmn:boundaryEvent id="Timer_Remind" name="Remind" attachedToRef="Task_Work" cancelActivity="false">
      <bpmn:timerEventDefinition id="TimerDefinition_Remind"><bpmn:timeCycle>{escape(cycle)}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="Task_Count" name="Count reminder"><bpmn:script>reminded = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="EndEvent_Reminded" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Work" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Work" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Timer_Remind" targetRef="Task_Count" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_Count" targetRef="EndEvent_Reminded" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def loop_model(limit: str = "limit") -> bytes:
    """start -> script (n += 1) -> gateway: back to the script while n < `limit`, else end. No wait state."""
    body = f"""
  <bpmn:process id="looper" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:scriptTask id="Task_Count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_More" default="Flow_Done" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Count" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Count" targetRef="Gateway_More" />
    <bpmn:sequenceFlow id="Flow_Again" sourceRef="Gateway_More" targetRef="Task_Count">
      <bpmn:conditionExpression>n &lt; {limit}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Done" sourceRef="Gateway_More" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def follow_up_model() -> bytes:
    """start -> Call the customer (user task, lane sales) -> rounds += 1 -> again while rounds < limit -> end."""
    body = """
  <bpmn:process id="follow_up" name="Follow up" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Call</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Call" name="Call the customer" />
    <bpmn:scriptTask id="Task_Count" name="Count the round"><bpmn:script>rounds = rounds + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Again" name="Again?" default="Flow_Done" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Call" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Call" targetRef="Task_Count" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Count" targetRef="Gateway_Again" />
    <bpmn:sequenceFlow id="Flow_Again" sourceRef="Gateway_Again" targetRef="Task_Call">
      <bpmn:conditionExpression>rounds &lt; limit</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Done" sourceRef="Gateway_Again" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def two_steps(first_script: str, second_script: str) -> bytes:
    """start -> script -> user task Step_1 -> script -> user task Step_2 -> end."""
    body = f"""
  <bpmn:process id="two_steps" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:scriptTask id="Script_1"><bpmn:script>{escape(first_script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Step_1" name="Step 1" />
    <bpmn:scriptTask id="Script_2"><bpmn:script>{escape(second_script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Step_2" name="Step 2" />
    <bpmn:endEvent id="EndEvent_1" />
    {_in_a_row(["StartEvent_1", "Script_1", "Step_1", "Script_2", "Step_2", "EndEvent_1"])}
  </bpmn:process>"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def _in_a_row(ids: list[str]) -> str:
    """Sequence flows joining the elements one after another."""
    return "".join(f'<bpmn:sequenceFlow id="Flow_{i}" sourceRef="{a}" targetRef="{b}" />'
                   for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False)))


def scheduled_model(timer: str = "R/2026-01-01T09:00:00+08:00/P1D", start_for: str | None = None) -> bytes:
    """A timer start event (`timer`, a time cycle or date) -> user task in lane sales -> end."""
    kind = "timeCycle" if timer.upper().startswith("R") else "timeDate"
    props = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="startFor" '
             f'value="{escape(start_for)}"/></spiffworkflow:properties></bpmn:extensionElements>') if start_for else ""
    body = f"""
  <bpmn:process id="daily_check" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Sales" name="sales">
      <bpmn:flowNodeRef>Task_Check</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="Start_Daily" name="Every day">{props}
      <bpmn:timerEventDefinition id="Timer_Daily"><bpmn:{kind}>{escape(timer)}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_Check" name="Check the day" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_Daily" targetRef="Task_Check" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Check" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


def decision_model(decision: str = "approval_level", start_form: str = "", lane_of_review: str = "sales") -> bytes:
    """start (amount, region) -> business rule task `decision` -> gateway on its `level` -> review (lane
    `lane_of_review`) or end."""
    form = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
            f'value="{start_form}"/></spiffworkflow:properties></bpmn:extensionElements>') if start_form else ""
    body = f"""
  <bpmn:process id="decided" name="Decided" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_Review" name="{lane_of_review}">
      <bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1">{form}</bpmn:startEvent>
    <bpmn:businessRuleTask id="Task_Decide" name="Decide the approval level">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="Gateway_Level" name="Who approves?" default="Flow_Auto" />
    <bpmn:userTask id="Task_Review" name="Review" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Decide" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Decide" targetRef="Gateway_Level" />
    <bpmn:sequenceFlow id="Flow_Review" sourceRef="Gateway_Level" targetRef="Task_Review">
      <bpmn:conditionExpression>level != "auto"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Auto" sourceRef="Gateway_Level" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Review" targetRef="EndEvent_1" />
  </bpmn:process>
"""
    return (HEAD + body + "</bpmn:definitions>\n").encode()


DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def dmn_table(rules: list[tuple[list[str], list[str]]], decision: str = "approval_level",
              inputs: tuple[tuple[str, str], ...] = (("Amount", "amount"), ("Region", "region")),
              outputs: tuple[str, ...] = ("level",), hit_policy: str = "UNIQUE", aggregation: str | None = None,
              output_values: str | None = None, default: str | None = None, input_values: str | None = None,
              input_type: str | None = None, output_type: str | None = None) -> bytes:
    """A DMN 1.3 document with one decision table: `rules` as (input cells, output cells), written as FEEL; the
    first input and every output typed (typeRef) where `input_type` and `output_type` say so."""
    columns = "".join(
        f'<input id="Input_{i}" label="{escape(label)}"><inputExpression id="InputExpression_{i}"'
        + (f' typeRef="{input_type}"' if input_type and i == 0 else "") + ">"
        + f'<text>{escape(expression)}</text></inputExpression>'
        + (f"<inputValues><text>{escape(input_values)}</text></inputValues>" if input_values and i == 0 else "")
        + "</input>" for i, (label, expression) in enumerate(inputs))
    results = "".join(
        f'<output id="Output_{i}" name="{name}" label="{name}"'
        + (f' typeRef="{output_type}"' if output_type else "") + ">"
        + (f"<outputValues><text>{escape(output_values)}</text></outputValues>" if output_values else "")
        + (f"<defaultOutputEntry><text>{escape(default)}</text></defaultOutputEntry>" if default else "")
        + "</output>" for i, name in enumerate(outputs))
    rows = "".join(
        f'<rule id="Rule_{n}">'
        + "".join(f'<inputEntry id="In_{n}_{i}"><text>{escape(cell)}</text></inputEntry>' for i, cell in enumerate(ins))
        + "".join(f'<outputEntry id="Out_{n}_{i}"><text>{escape(cell)}</text></outputEntry>'
                  for i, cell in enumerate(outs)) + "</rule>"
        for n, (ins, outs) in enumerate(rules, start=1))
    policy = f' hitPolicy="{hit_policy}"' if hit_policy != "UNIQUE" else ""
    aggregate = f' aggregation="{aggregation}"' if aggregation else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN13}" id="Definitions_{decision}" '
            f'name="Rules" namespace="http://crmflow.example/dmn"><decision id="{decision}" name="Approval level">'
            f'<decisionTable id="Table_{decision}"{policy}{aggregate}>{columns}{results}{rows}</decisionTable>'
            f"</decision></definitions>\n").encode()


LEVELS = [(["< 100000", "-"], ['"auto"']), (["[100000..1000000]", '"east","west"'], ['"manager"']),
          (["[100000..1000000]", 'not("east","west")'], ['"director"']), (["> 1000000", "-"], ['"board"'])]
