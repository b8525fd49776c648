"""Decision tables through the engine: business rule tasks with DMN tables deployed with their process, every hit
policy, the unary tests analysts write, the table lint, hostile DMN, and the history of which rule decided."""
from __future__ import annotations

import pytest

from engine import Engine, InvalidData, InvalidModel
from tests.engine.bpmn_builder import LEVELS, decision_model, dmn_table

LEVEL_TABLE = {"approval_level": dmn_table(LEVELS)}


def deploy(engine: Engine, rules=LEVELS, **table) -> None:
    engine.deploy(decision_model(start_form="approval"), decisions={"approval_level": dmn_table(rules, **table)})


def decided(engine: Engine, **data):
    case = engine.start("decided", data)
    (event,) = [e for e in engine.history(case.id) if e.type == "decision_evaluated"]
    return case, event.data


def refusal(engine: Engine, rules, **table) -> list[str]:
    with pytest.raises(InvalidModel) as refused:
        deploy(engine, rules, **table)
    return [f"{p.code}: {p.message}" for p in refused.value.problems]


def test_a_business_rule_task_decides_by_its_table_and_the_history_names_the_rule(engine):
    deploy(engine)
    case, record = decided(engine, amount=250_000, region="west")
    assert record["rules"] == [2] and record["outputs"] == {"level": "manager"}
    assert record["inputs"] == {"Amount": 250_000, "Region": "west"} and record["table"] == "Approval level"
    assert record["digest"] and record["rule_ids"] == ["Rule_2"]
    assert [t.element_id for t in engine.tasks(instance_id=case.id)] == ["Task_Review"]
    small, record = decided(engine, amount=5_000, region="east")
    assert record["rules"] == [1] and engine.instance(small.id).status == "completed"  # auto: no review


@pytest.mark.parametrize("cell, amount, region, matches", [
    ("< 1000000", 999_999, "east", True), ("< 1000000", 1_000_000, "east", False),
    ("<= 1000000", 1_000_000, "east", True), (">= 5", 5, "east", True), ("> 5", 5, "east", False),
    ("[100000..500000]", 500_000, "east", True), ("[100000..500000)", 500_000, "east", False),
    ("]100000..500000]", 100_000, "east", False), ("(100000..500000)", 250_000.5, "east", True),
    ("1000", 1000, "east", True), ("1000, 2000", 2000, "east", True), ("= 1000", 1000.0, "east", True),
    ("!= 1000", 1000, "east", False), ("-", 7, "east", True), ("", 7, "east", True),
])
def test_the_unary_tests_analysts_write_match_as_written(engine, cell, amount, region, matches):
    deploy(engine, [([cell, "-"], ['"matched"'])], output_values='"matched","auto"', default='"auto"')
    _, record = decided(engine, amount=amount, region=region)
    assert (record["outputs"]["level"] == "matched") is matches


@pytest.mark.parametrize("cell, region, matches", [
    ('"east","west"', "west", True), ('"east","west"', "north", False), ('not("east")', "west", True),
    ('not("east","west")', "east", False), ('!= "east"', "west", True), ('"east"', "East", False),
])
def test_text_cells_lists_and_not(engine, cell, region, matches):
    deploy(engine, [(["-", cell], ['"matched"'])], default='"auto"')
    _, record = decided(engine, amount=1, region=region)
    assert (record["outputs"]["level"] == "matched") is matches


def test_first_takes_the_first_matching_rule_and_priority_the_highest_output(engine):
    rules = [(["> 100", "-"], ['"manager"']), (["> 1000", "-"], ['"board"']), (["-", "-"], ['"auto"'])]
    deploy(engine, rules, hit_policy="FIRST")
    assert decided(engine, amount=5000, region="east")[1]["outputs"] == {"level": "manager"}
    deploy(engine, rules, hit_policy="PRIORITY", output_values='"board","manager","auto"')
    _, record = decided(engine, amount=5000, region="east")
    assert record["outputs"] == {"level": "board"} and record["rules"] == [2]


def test_any_agrees_or_stops_the_case_naming_the_rules(engine):
    rules = [(["> 100", "-"], ['"manager"']), (['"east"' if False else "> 1000", "-"], ['"manager"']),
             (["<= 100", "-"], ['"auto"'])]
    deploy(engine, rules, hit_policy="ANY")
    assert decided(engine, amount=5000, region="east")[1]["outputs"] == {"level": "manager"}
    disagree = [(["> 100", "-"], ['"manager"']), (["> 1000", "-"], ['"board"']), (["<= 100", "-"], ['"auto"'])]
    deploy(engine, disagree, hit_policy="ANY")
    case = engine.start("decided", {"amount": 5000, "region": "east"})
    stopped = engine.instance(case.id)
    assert stopped.status == "error" and stopped.incident["element_id"] == "Task_Decide"
    assert "rules 1, 2" in stopped.incident["message"] and "ANY" in stopped.incident["message"]


def test_rule_order_output_order_and_collect_with_its_aggregations(engine):
    model = decision_model(start_form="approval").replace(b'level != "auto"', b'len(level) > 0')
    rules = [(["> 0", "-"], ["1"]), (["> 100", "-"], ["5"]), (["> 1000", "-"], ["3"]), (["> 10000", "-"], ["7"])]

    def run(**table):
        engine.deploy(model, decisions={"approval_level": dmn_table(rules, **table)})
        return decided(engine, amount=5000, region="east")[1]["outputs"]["level"]

    assert run(hit_policy="RULE ORDER") == [1, 5, 3]
    assert run(hit_policy="OUTPUT ORDER", output_values="5,3,1,7") == [5, 3, 1]
    assert run(hit_policy="COLLECT") == [1, 5, 3]
    model = model.replace(b"len(level) > 0", b"level > 0")
    assert run(hit_policy="COLLECT", aggregation="SUM") == 9
    assert run(hit_policy="COLLECT", aggregation="MIN") == 1
    assert run(hit_policy="COLLECT", aggregation="MAX") == 5
    assert run(hit_policy="COLLECT", aggregation="COUNT") == 3


def test_no_matching_rule_stops_the_case_naming_the_inputs_unless_the_output_has_a_default(engine):
    deploy(engine, [(["< 100", "-"], ['"auto"']), (["> 1000", "-"], ['"board"'])])
    case = engine.start("decided", {"amount": 500, "region": "west"})
    incident = engine.instance(case.id).incident
    assert engine.instance(case.id).status == "error"
    assert 'no rule of “Approval level” matches Amount = 500, Region = "west"' in incident["message"]
    deploy(engine, [(["< 100", "-"], ['"auto"'])], default='"manager"')
    _, record = decided(engine, amount=500, region="west")
    assert record["outputs"] == {"level": "manager"} and record["defaulted"] and record["rules"] == []


def test_overlapping_rules_under_unique_are_refused_naming_both(engine):
    problems = refusal(engine, [(["> 100", "-"], ['"manager"']), (["> 1000", '"east"'], ['"board"'])])
    assert any(p.startswith("rules_overlap") and "rules 1 and 2" in p for p in problems), problems


def test_a_gap_is_named_in_words_and_a_rule_that_never_fires_under_first(engine):
    gap = [(["< 100000", "-"], ['"auto"']), (["> 500000", "-"], ['"board"'])]
    engine.deploy(decision_model(start_form="approval"), decisions={"approval_level": dmn_table(gap)})
    warnings = [str(w.message) for w in engine.check(decision_model(start_form="approval"),
                                                     decisions={"approval_level": dmn_table(gap)}).warnings]
    assert any("no rule covers the cases where Amount = 100,000" in w for w in warnings), warnings
    shadowed = [(["> 100", "-"], ['"manager"']), (["> 1000", '"east"'], ['"board"']), (["-", "-"], ['"auto"'])]
    model = engine.check(decision_model(start_form="approval"),
                         decisions={"approval_level": dmn_table(shadowed, hit_policy="FIRST")})
    assert [w.code for w in model.warnings if w.code == "rule_never_fires"] == ["rule_never_fires"]
    assert "rule 2 never fires" in next(str(w.message) for w in model.warnings if w.code == "rule_never_fires")


def test_a_region_the_case_data_cannot_hold_gives_no_gap(engine):
    complete = [(["-", '"east"'], ['"manager"']), (["-", '"west"'], ['"auto"'])]  # the form's two regions
    model = engine.check(decision_model(start_form="approval"), decisions={"approval_level": dmn_table(complete)})
    assert not [w for w in model.warnings if w.code == "table_gap"]


def test_outputs_and_inputs_outside_their_declared_values_are_refused(engine):
    problems = refusal(engine, [(["-", "-"], ['"boss"'])], output_values='"auto","manager"')
    assert any(p.startswith("output_value") and '"boss" is not one of its values' in p for p in problems)
    problems = refusal(engine, [(["1", "-"], ['"auto"'])], input_values="2, 3")
    assert any(p.startswith("input_value") and "rule 1" in p for p in problems), problems


def test_an_input_the_process_does_not_hold_is_refused_naming_the_column(engine):
    problems = refusal(engine, LEVELS, inputs=(("Amount", "amuont"), ("Region", "region")))
    assert any("input “Amount”" in p and "amuont" in p for p in problems), problems


@pytest.mark.parametrize("cell, fix", [
    ("1,000,000", "write 1000000 without separators"), ("east", 'write "east" in double quotes'),
    ("__import__('os').system('x')", "is not a value crmflow reads"), ("[5..1]", "starts above its end"),
    ("'east'", "straight double quotes"), ('"east', "quoted text is not closed"),
])
def test_a_cell_crmflow_cannot_read_is_refused_naming_rule_column_and_fix(engine, cell, fix):
    problems = refusal(engine, [([cell, "-"], ['"auto"'])])
    assert any(p.startswith("rule_cell") and "rule 1, input “Amount”" in p and fix in p for p in problems), problems


@pytest.mark.parametrize("document, code", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><definitions/>', "doctype"),
    (b"<definitions>" * 300 + b"</definitions>" * 300, "xml_syntax"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "not_dmn"),
])
def test_hostile_dmn_is_refused_like_hostile_bpmn(engine, document, code):
    with pytest.raises(InvalidModel) as refused:
        engine.deploy(decision_model(start_form="approval"), decisions={"approval_level": document})
    assert code in [p.code for p in refused.value.problems]


def test_a_huge_table_is_refused_before_it_is_read(engine):
    many = [([f"= {n}", "-"], ['"auto"']) for n in range(1_001)]
    problems = refusal(engine, many)
    assert any(p.startswith("table_too_large") for p in problems)
    with pytest.raises(InvalidModel) as refused:  # 100,000 rules: past the size cap before parsing
        engine.deploy(decision_model(start_form="approval"),
                      decisions={"approval_level": dmn_table([([f"= {n}", "-"], ['"a"']) for n in range(100_000)])})
    assert refused.value.problems[0].code == "model_too_large"


def test_an_input_expression_with_code_is_refused(engine):
    problems = refusal(engine, LEVELS, inputs=(("Amount", "__import__('os')"), ("Region", "region")))
    assert any(p.startswith("input_expression") for p in problems), problems


def test_a_business_rule_task_without_its_table_is_refused(engine):
    with pytest.raises(InvalidModel) as refused:
        engine.deploy(decision_model(start_form="approval"))
    assert [p.code for p in refused.value.problems] == ["no_decision"]
    assert "approval_level" in refused.value.problems[0].message


def test_a_version_keeps_its_table_across_a_restart_and_a_new_table_is_a_new_version(engine, database_url, pack,
                                                                                      clock):
    model = decision_model(start_form="approval").replace(b'<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" '
                                                          b'targetRef="Task_Decide" />', b"")
    waiting = model.replace(b'<bpmn:endEvent id="EndEvent_1" />', b'<bpmn:endEvent id="EndEvent_1" />'
                            b'<bpmn:userTask id="Task_First" name="First" />'
                            b'<bpmn:sequenceFlow id="Flow_0" sourceRef="StartEvent_1" targetRef="Task_First" />'
                            b'<bpmn:sequenceFlow id="Flow_1" sourceRef="Task_First" targetRef="Task_Decide" />')
    first = engine.deploy(waiting, decisions=LEVEL_TABLE)
    case = engine.start("decided", {"amount": 2_000_000, "region": "east"})
    changed = dmn_table([(["-", "-"], ['"auto"'])])
    second = engine.deploy(waiting, decisions={"approval_level": changed})
    assert (first.version, second.version) == (1, 2) and first.content_hash != second.content_hash
    assert engine.deploy(waiting, decisions={"approval_level": changed}).version == 2  # same bytes, same version
    again = Engine(database_url, pack=pack, clock=clock)  # a restart: the version's table is read from the store
    try:
        (task,) = again.tasks(instance_id=case.id)
        again.complete(task.id, "root", {})
        (event,) = [e for e in again.history(case.id) if e.type == "decision_evaluated"]
        assert event.data["outputs"] == {"level": "board"}  # the case stayed on version 1's table
    finally:
        again.close()


def test_an_analyst_changes_one_cell_and_the_diff_says_the_rule_in_words(engine):
    engine.deploy(decision_model(start_form="approval"), decisions=LEVEL_TABLE)
    before = engine.start("decided", {"amount": 2_000_000, "region": "east"})
    draft = engine.authoring.copy("decided", author="ann")
    edited = engine.authoring.edit(draft.id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": 4,
                                               "column": "Amount", "cell": "> 3000000"},
                                              {"op": "add_rule", "decision": "approval_level",
                                               "cells": '(1000000..3000000] | - | "director"', "rule": 4}], "ann")
    assert edited.revision == draft.revision + 1
    diff = engine.authoring.diff("decided@1", f"draft:{draft.id}")
    texts = [change["text_en"] for change in diff["rules_changed"]]
    assert "approval_level rule 5: Amount > 3,000,000 → board (was Amount > 1,000,000)" in texts, texts
    assert "approval_level rule 4 added: Amount (1,000,000..3,000,000] → director" in texts, texts
    assert diff["summary"]["rules_changed"] == 2
    simulated = engine.authoring.simulate(f"draft:{draft.id}", {"amount": 2_000_000, "region": "east"}, {})
    assert simulated["waiting_at"] and "Task_Review" in str(simulated["waiting_at"])  # director: the review waits
    (step,) = [step for step in simulated["path"] if step["element_id"] == "Task_Decide"]
    assert step["decision"]["outputs"] == {"level": "director"} and step["decision"]["rules"] == [4]
    version = engine.authoring.deploy(draft.id, "root")
    after = engine.start("decided", {"amount": 2_000_000, "region": "east"})
    decided_by = {case.id: next(e for e in engine.history(case.id) if e.type == "decision_evaluated").data
                  for case in (before, after)}
    assert decided_by[before.id]["outputs"] == {"level": "board"}  # started on version 1: its table
    assert decided_by[after.id]["outputs"] == {"level": "director"} and version.version == 2


def test_a_cell_edit_that_breaks_the_table_is_refused_naming_the_operation_and_nothing_changes(engine):
    engine.deploy(decision_model(start_form="approval"), decisions=LEVEL_TABLE)
    draft = engine.authoring.copy("decided", author="ann")
    with pytest.raises(InvalidData) as refused:
        engine.authoring.edit(draft.id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": 1,
                                          "column": "Amount", "cell": "1,000,000"}], "ann")
    assert refused.value.fields[0].field == "operations[0].cell"
    assert "write 1000000 without separators" in refused.value.fields[0].message
    with pytest.raises(InvalidData) as overlapping:  # rule 1 now takes what rule 2 takes: under UNIQUE, refused
        engine.authoring.edit(draft.id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": 1,
                                          "column": "Amount", "cell": "< 200000"}], "ann")
    assert "rules 1 and 2 both match" in overlapping.value.fields[0].message
    for wrong, field in (({"rule": 9}, "rule"), ({"column": "Colour"}, "column"), ({"decision": "nope"}, "decision")):
        with pytest.raises(InvalidData) as named:
            engine.authoring.edit(draft.id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": 1,
                                              "column": "Amount", "cell": "< 5", **wrong}], "ann")
        assert named.value.fields[0].field == f"operations[0].{field}"
    assert engine.authoring.draft(draft.id).revision == draft.revision
    assert engine.authoring.decision(f"draft:{draft.id}", "approval_level") == LEVEL_TABLE["approval_level"] or \
        b"&lt; 100000" in engine.authoring.decision(f"draft:{draft.id}", "approval_level")


CAMUNDA_DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
    xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
    id="Definitions_1" name="Rules" namespace="http://camunda.org/schema/1.0/dmn" exporter="Camunda Modeler"
    exporterVersion="5.20.0">
  <decision id="approval_level" name="Approval level">
    <decisionTable id="DecisionTable_1" hitPolicy="FIRST">
      <input id="Input_1" label="Amount" camunda:inputVariable="amount">
        <inputExpression id="InputExpression_1" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="Output_1" label="Level" name="level" typeRef="string" />
      <rule id="DecisionRule_1"><inputEntry id="UnaryTests_1"><text>&gt; 1000</text></inputEntry>
        <outputEntry id="LiteralExpression_1"><text>"manager"</text></outputEntry></rule>
      <rule id="DecisionRule_2"><inputEntry id="UnaryTests_2"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_2"><text>"auto"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="discount" name="Discount">
    <decisionTable id="DecisionTable_2" hitPolicy="COLLECT" aggregation="SUM">
      <input id="Input_2" label="Amount"><inputExpression id="InputExpression_2" typeRef="number"><text>amount</text>
      </inputExpression></input>
      <output id="Output_2" name="discount" typeRef="number" />
      <rule id="DecisionRule_3"><inputEntry id="UnaryTests_3"><text>&gt; 100</text></inputEntry>
        <outputEntry id="LiteralExpression_3"><text>5</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_1">
    <dmndi:DMNShape id="DMNShape_1" dmnElementRef="approval_level"><dc:Bounds height="80" width="180" x="160" y="100" />
    </dmndi:DMNShape></dmndi:DMNDiagram></dmndi:DMNDI>
</definitions>
"""


def test_a_camunda_model_and_its_dmn_file_from_camunda_modeler_run_as_written(engine):
    model = decision_model(start_form="approval").replace(
        b'<bpmn:businessRuleTask id="Task_Decide" name="Decide the approval level">\n      <bpmn:extensionElements>'
        b'<spiffworkflow:calledDecisionId>approval_level</spiffworkflow:calledDecisionId>\n      '
        b'</bpmn:extensionElements>',
        b'<bpmn:businessRuleTask id="Task_Decide" name="Decide the approval level" camunda:decisionRef="approval_level" '
        b'camunda:resultVariable="levelResult">').replace(
        b"<bpmn:definitions ", b'<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ')
    tables = Engine.split_decisions(CAMUNDA_DMN)
    assert sorted(tables) == ["approval_level", "discount"]  # one document per decision, each read on its own
    decisions = Engine.decisions_for(model, tables)
    assert sorted(decisions) == ["approval_level"]  # only what the model's tasks name
    version = engine.deploy(model, decisions=decisions)
    assert any("levelResult" in w["message"] for w in version.warnings)  # said: outputs go by their names
    _, record = decided(engine, amount=5000, region="east")
    assert record["outputs"] == {"level": "manager"} and record["hit_policy"] == "FIRST"


def test_a_zeebe_business_rule_task_runs_the_table_it_calls(engine):
    model = decision_model(start_form="approval").replace(
        b"<spiffworkflow:calledDecisionId>approval_level</spiffworkflow:calledDecisionId>",
        b'<zeebe:calledDecision decisionId="approval_level" resultVariable="level_result" />').replace(
        b"<bpmn:definitions ", b'<bpmn:definitions xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ')
    engine.deploy(model, decisions=Engine.decisions_for(model, LEVEL_TABLE))
    _, record = decided(engine, amount=250_000, region="east")
    assert record["outputs"] == {"level": "manager"}


def with_parameter(bpmn: bytes, name: str, value: str) -> bytes:
    return bpmn.replace(b'<bpmn:process id="decided" name="Decided" isExecutable="true">',
                        b'<bpmn:process id="decided" name="Decided" isExecutable="true"><bpmn:extensionElements>'
                        b'<spiffworkflow:properties><spiffworkflow:property name="%s" value="%s"/>'
                        b'</spiffworkflow:properties></bpmn:extensionElements>' % (name.encode(), value.encode()))


def test_an_output_cell_may_name_a_process_parameter_and_answers_its_value(engine):
    table = dmn_table([(["< 1000", "-"], ['"auto"']), ([">= 1000", "-"], ["standard_level"])])
    engine.deploy(with_parameter(decision_model(start_form="approval"), "standard_level", "manager"),
                  decisions={"approval_level": table})
    case, record = decided(engine, amount=5_000, region="east")
    assert record["rules"] == [2] and record["outputs"] == {"level": "manager"}
    assert [t.element_id for t in engine.tasks(instance_id=case.id)] == ["Task_Review"]
    outline = engine.authoring.outline("decided")
    assert outline["decisions"]["approval_level"]["rules"][1]["then"] == ["standard_level"]


def test_a_bare_word_in_an_output_cell_that_names_no_parameter_is_refused_with_the_fix(engine):
    problems = refusal(engine, [(["-", "-"], ["manager"])])
    assert any(p.startswith("rule_cell") and "rule 1, output “level”" in p and 'write "manager" in double quotes' in p
               for p in problems), problems
    with pytest.raises(InvalidModel) as refused:
        engine.deploy(with_parameter(decision_model(start_form="approval"), "standard_level", "manager"),
                      decisions={"approval_level": dmn_table([(["-", "-"], ["standard_levle"])])})
    [problem] = [p for p in refused.value.problems if p.code == "rule_cell"]
    assert problem.element_id == "Task_Decide" and "name one of the process's parameters (standard_level)" in \
        problem.message


@pytest.mark.parametrize("cells, fix", [
    ((['"500000"', "-"], ['"auto"']), 'rule 1, input “Amount”: "500000" is a text, but this column holds numbers: '
                                      "write it without the quotes"),
    ((['"lots"', "-"], ['"auto"']), 'rule 1, input “Amount”: "lots" is a text, but this column holds numbers: '
                                    "write a number"),
])
def test_a_number_in_quotes_where_the_table_holds_numbers_is_refused_with_the_fix(engine, cells, fix):
    problems = refusal(engine, [cells], input_type="number")
    assert any(p.startswith("rule_cell") and fix in p for p in problems), problems


def test_a_number_in_quotes_in_a_number_output_is_refused_with_the_fix(engine):
    problems = refusal(engine, [(["-", "-"], ['"0.8"'])], outputs=("limit",), output_type="number")
    assert any(p.startswith("rule_cell") and 'rule 1, output “limit”: "0.8" is a text, but this column holds '
               "numbers: write it without the quotes" in p for p in problems), problems
