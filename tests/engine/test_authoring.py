"""Authoring at the engine level: copy, edit operations, outline and diff, simulation, migration.

Run with the sample pack on SQLite and PostgreSQL, through `engine.authoring` only.
"""
from __future__ import annotations

import jsonschema
import pytest

from engine import CHANGES, FIELDS, OPERATIONS, Engine, InvalidData, batch_schema
from tests.engine.bpmn_builder import gateway_model, parallel_model

KEY = "test_process"


@pytest.fixture
def deployed(engine: Engine):
    return engine.deploy(gateway_model(), author="ann")


def new_draft(engine: Engine, key: str = "test_copy"):
    return engine.authoring.copy(f"{KEY}@1", key, "Adapted", author="ann")


def test_a_copy_is_a_draft_under_the_new_key_that_remembers_its_source(engine, deployed):
    draft = new_draft(engine)
    bpmn, key = engine.authoring.bpmn(f"draft:{draft.id}")
    assert (draft.process_key, draft.copied_from, draft.author, key) == ("test_copy", f"{KEY}@1", "ann", "test_copy")
    assert b'<bpmn:process id="test_copy"' in bpmn


def test_an_inserted_step_is_in_the_outline_and_the_business_diff(engine, deployed):
    draft = new_draft(engine)
    engine.authoring.edit(draft.id, [{"op": "insert_task", "after": "Task_Review", "name": "Second review",
                                      "lane": "sales", "form_key": "review"}], "ann")
    ref = f"draft:{draft.id}"
    step = engine.authoring.outline(ref)["steps"]["Task_SecondReview"]
    assert (step["type"], step["lane"], step["form"]) == ("userTask", "sales", "review")
    diff = engine.authoring.diff(f"{KEY}@1", ref)
    assert [s["element_id"] for s in diff["steps_added"]] == ["Task_SecondReview"]
    assert diff["summary"]["steps_added"] == 1 and engine.authoring.validate(ref)["valid"]


def test_removing_a_step_reconnects_the_flow_around_it(engine, deployed):
    draft = new_draft(engine)
    engine.authoring.edit(draft.id, [{"op": "remove_task", "element_id": "Task_Check"}], "ann")
    flows = engine.authoring.outline(f"draft:{draft.id}")["flows"].values()
    assert {"from": "StartEvent_1", "to": "Gateway_Amount"}.items() <= next(
        f for f in flows if f["from"] == "StartEvent_1").items()


def test_a_batch_with_one_bad_operation_changes_nothing_and_names_it(engine, deployed):
    draft = new_draft(engine)
    with pytest.raises(InvalidData) as refused:
        engine.authoring.edit(draft.id, [{"op": "rename", "element_id": "Task_Review", "name": "Check twice"},
                                         {"op": "set_timer", "element_id": "Task_Review", "duration": "soon"}], "ann")
    assert refused.value.fields[0].field == "operations[1].duration"
    assert engine.authoring.draft(draft.id).revision == 1
    assert engine.authoring.outline(f"draft:{draft.id}")["steps"]["Task_Review"]["name"] == "Review"


def test_a_threshold_change_is_listed_with_its_old_and_new_value(engine, deployed):
    draft = new_draft(engine)
    with pytest.raises(InvalidData) as misspelled:  # a new name is a typo until the analyst says it is new
        engine.authoring.edit(draft.id, [{"op": "set_parameter", "name": "amount_limit", "value": 5000}], "ann")
    assert misspelled.value.fields[0].field == "operations[0].name" and '"add": true' in misspelled.value.message
    engine.authoring.edit(draft.id, [{"op": "set_parameter", "name": "amount_limit", "value": "5,000", "add": True}],
                          "ann")
    engine.authoring.edit(draft.id, [{"op": "set_parameter", "name": "amount_limit", "value": "1,250,000"}], "ann")
    changes = engine.authoring.diff(f"{KEY}@1", f"draft:{draft.id}")["thresholds_changed"]
    assert changes == [{"name": "amount_limit", "from": None, "to": 1250000,
                        "text_en": "Threshold amount_limit added: 1,250,000", "text_zh": "新增阈值 amount_limit：1,250,000"}]
    with pytest.raises(InvalidData) as wrong_kind:
        engine.authoring.edit(draft.id, [{"op": "set_parameter", "name": "amount_limit", "value": "lots"}], "ann")
    assert "is a number" in wrong_kind.value.message
    engine.authoring.edit(draft.id, [{"op": "remove_parameter", "name": "amount_limit"}], "ann")
    assert engine.authoring.outline(f"draft:{draft.id}")["parameters"] == {}


def test_simulation_follows_the_branch_the_sample_data_decides(engine, deployed):
    draft = new_draft(engine)
    engine.authoring.edit(draft.id, [{"op": "set_form", "element_id": "Task_Review", "form_key": "review"}], "ann")
    ref = f"draft:{draft.id}"
    large = engine.authoring.simulate(ref, {"amount": 500}, {"Task_Review": {"approved": True}})
    small = engine.authoring.simulate(ref, {"amount": 50}, {})
    assert large["status"] == small["status"] == "completed"
    assert "Task_Review" in [step["element_id"] for step in large["path"]]
    assert "Task_Review" not in [step["element_id"] for step in small["path"]]
    gateway = next(step for step in large["path"] if step["element_id"] == "Gateway_Amount")
    assert gateway["taken"] == ["Task_Review"]
    assert engine.instances() == []  # nothing of a simulation is kept


def test_simulation_refuses_an_answer_the_form_does_not_accept(engine, deployed):
    draft = new_draft(engine)
    engine.authoring.edit(draft.id, [{"op": "set_form", "element_id": "Task_Review", "form_key": "review"}], "ann")
    result = engine.authoring.simulate(f"draft:{draft.id}", {"amount": 500}, {"Task_Review": {"approved": "yes"}})
    assert result["status"] == "invalid_answer" and result["invalid_answer"]["element_id"] == "Task_Review"


def next_version(engine: Engine, operations: list[dict], base: int | None = None):
    """Copy KEY into its next version, change it, deploy it."""
    draft = engine.authoring.copy(f"{KEY}@{base}" if base else KEY, author="ann")
    engine.authoring.edit(draft.id, operations, "ann")
    return engine.authoring.deploy(draft.id, "root")


def test_migration_moves_a_case_whose_step_is_unchanged_and_refuses_one_whose_step_is_gone(engine, deployed):
    waiting = engine.start(KEY, {"amount": 500}, "T-1", "bob")
    assert [t.element_id for t in engine.tasks(instance_id=waiting.id)] == ["Task_Review"]
    v2 = next_version(engine, [{"op": "rename", "element_id": "Task_Check", "name": "Check amount"}])
    [verdict] = engine.authoring.plan_migration(KEY, 1, v2.version)
    assert verdict["verdict"] == "ok" and "Review" in verdict["reason"]
    [outcome] = engine.authoring.migrate(KEY, 1, v2.version, "root")
    assert outcome["migrated"] and engine.instance(waiting.id).version == v2.version
    assert [e.type for e in engine.history(waiting.id)][-1] == "instance_migrated"

    v3 = next_version(engine, [{"op": "remove_task", "element_id": "Task_Review"}])
    [refused] = engine.authoring.migrate(KEY, v2.version, v3.version, "root")
    assert refused["verdict"] == "refused" and not refused["migrated"] and "removed" in refused["reason"]
    assert engine.instance(waiting.id).version == v2.version
    with pytest.raises(InvalidData) as unknown:
        engine.authoring.plan_migration(KEY, v2.version, v3.version, {"Task_Review": "Task_Nowhere"})
    assert unknown.value.fields[0].field == "mapping.Task_Review"


def test_a_case_whose_state_still_holds_a_removed_step_is_refused_with_a_reason_not_an_error(engine):
    engine.deploy(parallel_model(), author="ann")
    case = engine.start("parallel_work", {}, "P-1", "ann")
    [first] = [t for t in engine.tasks(instance_id=case.id) if t.element_id == "Task_A"]
    engine.complete(first.id, "alice")  # Task_A done; its branch waits at the join for Task_B
    draft = engine.authoring.copy("parallel_work", author="ann")
    engine.authoring.edit(draft.id, [{"op": "remove_task", "element_id": "Task_A"}], "ann")
    v2 = engine.authoring.deploy(draft.id, "root")

    [verdict] = engine.authoring.migrate("parallel_work", 1, v2.version, "root")

    assert verdict["verdict"] == "refused" and "has passed 'Task_A'" in verdict["reason"]
    assert engine.instance(case.id).version == 1


def test_a_step_the_case_has_left_behind_does_not_hold_it_on_its_version(engine, deployed):
    waiting = engine.start(KEY, {"amount": 500}, "T-1", "bob")  # the script step 'Check' is behind it
    v2 = next_version(engine, [{"op": "remove_task", "element_id": "Task_Check"}])

    [verdict] = engine.authoring.migrate(KEY, 1, v2.version, "root")

    # finished work is in the history, not in the case's state: nothing there points at the removed step
    assert verdict["verdict"] == "ok" and verdict["migrated"], verdict
    assert engine.instance(waiting.id).version == v2.version
    assert "Task_Check" in [e.element_id for e in engine.history(waiting.id)]


def test_a_step_inserted_with_when_runs_only_when_its_condition_holds(engine, deployed):
    draft = new_draft(engine)
    with pytest.raises(InvalidData) as unsafe:
        engine.authoring.edit(draft.id, [{"op": "insert_task", "after": "Task_Review", "name": "Second review",
                                          "when": "__import__('os').system('id')"}], "ann")
    assert unsafe.value.fields[0].field == "operations[0].when"
    engine.authoring.edit(draft.id, [{"op": "insert_task", "after": "Task_Review", "name": "Second review",
                                      "when": "amount > 300"}], "ann")
    ref = f"draft:{draft.id}"
    assert engine.authoring.validate(ref)["errors"] == []
    large = engine.authoring.simulate(ref, {"amount": 500}, {})
    medium = engine.authoring.simulate(ref, {"amount": 200}, {"Task_Review": {}})
    assert large["waiting_at"] == ["Task_Review"]
    assert engine.authoring.simulate(ref, {"amount": 500}, {"Task_Review": {}})["waiting_at"] == ["Task_SecondReview"]
    assert medium["status"] == "completed"


def test_a_second_step_with_the_same_name_is_a_warning_and_removal_never_disconnects(engine, deployed):
    draft = new_draft(engine)
    engine.authoring.edit(draft.id, [{"op": "insert_task", "before": "Task_Review", "name": "review"}], "ann")
    report = engine.authoring.validate(f"draft:{draft.id}")
    assert report["valid"] and [w["code"] for w in report["warnings"] if w["code"] != "unknown_name"] == [
        "duplicate_name"]
    for element_id, words in (("Gateway_Amount", "exclusiveGateway"), ("StartEvent_1", "startEvent")):
        with pytest.raises(InvalidData) as refused:
            engine.authoring.edit(draft.id, [{"op": "remove_task", "element_id": element_id}], "ann")
        assert words in refused.value.message


def test_every_operation_is_declared_once_with_titles_fields_and_diff_kinds():
    for op, operation in OPERATIONS.items():
        assert operation.op == op and operation.title_en and operation.title_zh
        assert set(operation.required) | set(operation.optional) <= FIELDS.keys()
        assert operation.changes and set(operation.changes) <= CHANGES.keys()
    schema = batch_schema()
    jsonschema.validate([{"op": "rename", "element_id": "Task_Review", "name": "Check"}], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"op": "rename", "element_id": "Task_Review"}], schema)  # name is required
