"""A case that loops for years: its stored state follows its open work, not the rounds it has run.

A lead followed up every day, a complaint reopened again and again, a contract renewed each month: finished
rounds leave the case's state (the history keeps them), so nothing grows with the case's age and no depth
ceiling stops it.
"""
from __future__ import annotations

from engine import Engine
from engine.store.tables import Instance
from tests.engine.bpmn_builder import follow_up_model

STATE_BOUND = 2_000  # bytes: one open user task and its predicted path, compressed (about 700 in practice)


def stored_state(engine: Engine, instance_id: str) -> int:
    with engine.store.read() as session:
        return len(session.get(Instance, instance_id).state)


def follow_up(engine: Engine, instance_id: str, rounds: int) -> list[int]:
    """Complete `rounds` rounds; the stored state's size every 500 rounds."""
    sizes = []
    for done in range(1, rounds + 1):
        [task] = engine.tasks(instance_id=instance_id)
        engine.complete(task.id, "bob", groups=["sales"])
        if done % 500 == 0:
            sizes.append(stored_state(engine, instance_id))
    return sizes


def test_a_case_runs_ten_thousand_rounds_and_its_state_stays_bounded(tmp_path, pack):
    engine = Engine(f"sqlite:///{tmp_path / 'long.sqlite'}", pack=pack)
    engine.init_db()
    engine.deploy(follow_up_model())
    case = engine.start("follow_up", {"rounds": 0, "limit": 10_000}, "LEAD-1", "bob")
    first = stored_state(engine, case.id)

    sizes = follow_up(engine, case.id, 9_999)

    assert max(sizes) <= STATE_BOUND and max(sizes) <= first * 2, sizes
    assert engine.instance(case.id).status == "running" and engine.instance(case.id).incident is None
    follow_up(engine, case.id, 1)  # the 10,000th round ends it, through its end event
    assert engine.instance(case.id).status == "completed"
    calls = [e for e in engine.history(case.id) if e.type == "task_completed"]
    assert len(calls) == 10_000  # every round is in the history
    engine.close()


def test_past_the_depth_spiffworkflow_looks_to_a_case_keeps_running_on_every_database(engine):
    engine.deploy(follow_up_model())
    case = engine.start("follow_up", {"rounds": 0, "limit": 1_000_000}, "LEAD-2", "bob")

    follow_up(engine, case.id, 400)  # the tree would be 1,200 levels deep: it stopped near 224 rounds before

    assert engine.instance(case.id).status == "running" and engine.instance(case.id).incident is None
    assert stored_state(engine, case.id) <= STATE_BOUND
    [task] = engine.tasks(instance_id=case.id)
    assert task.element_id == "Task_Call"
    assert engine.task_data(task.id)["rounds"] == 400
