"""A case's workflow kept in memory between commands behaves exactly as its stored state read back.

Each test runs a case with workflows kept (the default) and with none kept, and the outcome must
be the same; on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest

from engine import Engine
from engine.store import writes
from tests.conftest import fixture_bytes
from tests.engine.bpmn_builder import two_steps

KEPT = pytest.mark.parametrize("kept", [1000, 0], ids=["kept", "read-back"])


@pytest.fixture
def make_engine(database_url, pack, clock):
    made: list[Engine] = []

    def make(kept: int) -> Engine:
        made.append(Engine(database_url, pack=pack, clock=clock, kept_workflows=kept))
        return made[-1]

    yield make
    for engine in made:
        engine.close()


def only_task(engine: Engine, instance_id: str):
    [task] = engine.tasks(instance_id=instance_id)
    return task


@KEPT
def test_a_nested_list_two_fields_shared_is_changed_in_one_only_by_a_later_step(make_engine, kept):
    engine = make_engine(kept)
    engine.deploy(two_steps("b = a", "a[0].append(2)"))
    case = engine.start("two_steps", {"a": [[1]]}, actor="ann")
    engine.complete(only_task(engine, case.id).id, "ann")
    data = engine.task_data(only_task(engine, case.id).id)
    assert (data["a"], data["b"]) == ([[1, 2]], [[1]])


@KEPT
def test_data_a_caller_changes_after_submitting_it_does_not_change_the_case(make_engine, kept):
    engine = make_engine(kept)
    engine.deploy(two_steps("seen = len(items)", "seen = len(items)"))
    items = [1]
    case = engine.start("two_steps", {"items": items}, actor="ann")
    items.append(2)  # the caller's list, not the case's
    engine.complete(only_task(engine, case.id).id, "ann")
    assert engine.task_data(only_task(engine, case.id).id)["seen"] == 1


@KEPT
def test_a_command_of_another_process_is_seen_by_the_next_command_here(make_engine, kept):
    here, there = make_engine(kept), make_engine(kept)
    here.deploy(two_steps("first = 'here'", "second = 'there'"))
    case = here.start("two_steps", actor="ann")
    there.complete(only_task(there, case.id).id, "ann")  # Step 1, in another process
    step_2 = only_task(here, case.id)
    assert step_2.element_id == "Step_2"
    assert (here.task_data(step_2.id)["first"], here.task_data(step_2.id)["second"]) == ("here", "there")
    assert here.complete(step_2.id, "ann").status == "completed"  # a stale workflow here has no Step 2
    assert [e.element_id for e in here.history(case.id) if e.type == "task_completed"] == ["Step_1", "Step_2"]


@KEPT
def test_a_command_that_rolled_back_leaves_the_next_one_the_stored_case(make_engine, kept, monkeypatch):
    engine = make_engine(kept)
    engine.deploy(fixture_bytes("order_review.bpmn"))
    case = engine.start("order_review", {"amount": 20000}, actor="bob")
    entry = only_task(engine, case.id)
    append_history = writes.append_history

    def fail(*_):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(writes, "append_history", fail)  # the command ran its step, then could not be saved
    with pytest.raises(RuntimeError):
        engine.complete(entry.id, "bob")
    monkeypatch.setattr(writes, "append_history", append_history)

    assert only_task(engine, case.id).id == entry.id  # nothing of the failed command remains
    engine.complete(entry.id, "bob")  # a workflow the failed command changed would have it completed already
    assert only_task(engine, case.id).name == "Approve order"
    assert engine.instance(case.id).revision == case.revision + 1
    assert [e.type for e in engine.history(case.id)].count("task_completed") == 1
