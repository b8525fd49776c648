"""The engine's transaction path, through the public Engine API, on SQLite and PostgreSQL."""
from __future__ import annotations

import multiprocessing

import pytest

from engine import Conflict, Engine, Forbidden, InvalidData, NotFound
from tests.conftest import fixture_bytes


def ready(engine: Engine, instance_id: str):
    return engine.tasks(instance_id=instance_id)


def work_through(engine: Engine, instance_id: str, actor: str = "bob") -> list[str]:
    """Complete every ready task until the instance stops; returns the task names in order."""
    names = []
    while tasks := ready(engine, instance_id):
        names.append(tasks[0].name)
        engine.complete(tasks[0].id, actor)
    return names


def test_an_instance_runs_from_start_to_end_through_its_user_tasks(engine, order_review):
    instance = engine.start("order_review", {"amount": 20000}, business_key="SO-1", actor="bob")
    assert instance.status == "running"
    assert work_through(engine, instance.id) == ["Enter order", "Approve order", "Confirm order"]
    finished = engine.instance(instance.id)
    assert finished.status == "completed"
    assert finished.ended_at is not None
    types = [e.type for e in engine.history(instance.id)]
    assert types[0] == "instance_started" and types[-1] == "instance_completed"
    assert types.count("task_completed") == 3


def test_the_gateway_takes_the_default_flow_when_no_condition_holds(engine, order_review):
    instance = engine.start("order_review", {"amount": 10}, actor="bob")
    assert work_through(engine, instance.id) == ["Enter order", "Review order", "Confirm order"]
    decision = next(e for e in engine.history(instance.id) if e.element_id == "Gateway_IsLarge")
    assert decision.data["taken"] == ["Task_ReviewOrder"]


def test_a_fresh_engine_continues_a_half_finished_instance(database_url, pack, order_review):
    first = Engine(database_url, pack=pack)
    instance = first.start("order_review", {"amount": 20000}, actor="bob")
    first.complete(ready(first, instance.id)[0].id, "bob")
    first.close()

    restarted = Engine(database_url, pack=pack)  # as after a restart: empty spec cache
    assert [t.name for t in ready(restarted, instance.id)] == ["Approve order"]
    assert work_through(restarted, instance.id) == ["Approve order", "Confirm order"]
    assert restarted.instance(instance.id).status == "completed"
    restarted.close()


def test_deploying_the_same_bytes_twice_returns_the_same_version(engine, order_review):
    again = engine.deploy(fixture_bytes("order_review.bpmn"))
    assert (again.version, again.content_hash) == (order_review.version, order_review.content_hash)
    assert len(engine.versions("order_review")) == 1


def test_running_instances_stay_on_their_version_when_a_new_one_is_deployed(engine, order_review):
    old = engine.start("order_review", {"amount": 1}, actor="bob")
    v2_bytes = fixture_bytes("order_review.bpmn").replace(b'name="Confirm order"', b'name="Confirm and file order"')
    v2 = engine.deploy(v2_bytes, author="ann")
    assert v2.version == 2
    new = engine.start("order_review", {"amount": 1}, actor="bob")
    assert engine.instance(old.id).version == 1 and engine.instance(new.id).version == 2
    assert work_through(engine, old.id)[-1] == "Confirm order"
    assert work_through(engine, new.id)[-1] == "Confirm and file order"


def test_a_deactivated_version_is_not_used_for_new_starts(engine, order_review):
    engine.deploy(fixture_bytes("order_review.bpmn").replace(b"Enter order", b"Capture order"))
    engine.set_active("order_review", 2, False)
    assert engine.start("order_review", {"amount": 1}).version == 1
    engine.set_active("order_review", 1, False)
    with pytest.raises(NotFound, match="no an active version|has no an active version|active version"):
        engine.start("order_review", {"amount": 1})
    started = engine.start("order_review", {"amount": 1}, version=2)
    assert started.version == 2


def test_completing_the_same_task_twice_is_a_conflict_and_recorded_once(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    engine.complete(task.id, "bob")
    with pytest.raises(Conflict, match="is completed, not ready"):
        engine.complete(task.id, "bob")
    completions = [e for e in engine.history(instance.id) if e.type == "task_completed" and e.task_id == task.id]
    assert len(completions) == 1


def test_a_stale_revision_is_refused_and_nothing_changes(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    with pytest.raises(Conflict, match="has changed"):
        engine.complete(task.id, "bob", expected_revision=instance.revision - 1)
    assert engine.task(task.id).state == "ready"
    engine.complete(task.id, "bob", expected_revision=instance.revision)


def test_unknown_ids_are_not_found(engine, order_review):
    with pytest.raises(NotFound, match="not deployed"):
        engine.start("no_such_process")
    with pytest.raises(NotFound):
        engine.complete("00000000-0000-0000-0000-000000000000", "bob")
    with pytest.raises(NotFound):
        engine.instance("nope")


def test_task_lists_by_group_assignee_and_instance(engine, order_review):
    one = engine.start("order_review", {"amount": 1}, actor="bob")
    two = engine.start("order_review", {"amount": 1}, actor="bob")
    assert {t.instance_id for t in engine.tasks(groups=["sales"])} == {one.id, two.id}
    task = ready(engine, one.id)[0]
    engine.claim(task.id, "carol", groups=["sales"])
    assert [t.id for t in engine.tasks(assignee="carol")] == [task.id]
    assert {t.instance_id for t in engine.tasks(groups=["sales"])} == {two.id}  # claimed: gone for colleagues
    assert engine.tasks(groups=["finance"]) == []


def test_a_claimed_task_cannot_be_claimed_or_completed_by_someone_else(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    engine.claim(task.id, "carol", groups=["sales"])
    with pytest.raises(Conflict, match="already claimed by carol"):
        engine.claim(task.id, "dave", groups=["sales"])
    with pytest.raises(Forbidden, match="assigned to carol"):
        engine.complete(task.id, "dave", groups=["sales"])
    engine.unclaim(task.id, "carol")
    engine.claim(task.id, "dave", groups=["sales"])
    engine.complete(task.id, "dave", groups=["sales"])


def test_staff_outside_the_candidate_group_cannot_claim(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    with pytest.raises(Forbidden, match="the group sales, which fin is not in"):
        engine.claim(ready(engine, instance.id)[0].id, "fin", groups=["finance"])


def test_data_submitted_without_a_form_is_refused(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    with pytest.raises(InvalidData, match="credit_limit"):
        engine.complete(ready(engine, instance.id)[0].id, "bob", {"credit_limit": 10**9})
    with pytest.raises(InvalidData, match="must be a JSON object"):
        engine.start("order_review", ["not", "a", "dict"])


def test_suspend_hides_tasks_and_resume_brings_them_back(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    assert engine.suspend(instance.id).status == "suspended"
    assert ready(engine, instance.id) == []
    with pytest.raises(Conflict, match="not ready"):
        engine.complete(task.id, "bob")
    assert engine.resume(instance.id).status == "running"
    engine.complete(task.id, "bob")


def test_terminate_cancels_open_tasks(engine, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    ended = engine.terminate(instance.id, actor="admin", reason="duplicate order")
    assert ended.status == "terminated"
    assert engine.task(task.id).state == "cancelled"
    with pytest.raises(Conflict, match="terminated"):
        engine.resume(instance.id)


def _complete_at_barrier(url, task_id, barrier, results):
    engine = Engine(url)
    barrier.wait()
    try:
        engine.complete(task_id, "bob")
        results.put("ok")
    except Conflict:
        results.put("conflict")
    finally:
        engine.close()


def test_two_processes_completing_one_task_at_once_exactly_one_wins(engine, database_url, order_review):
    instance = engine.start("order_review", {"amount": 1}, actor="bob")
    task = ready(engine, instance.id)[0]
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_complete_at_barrier, args=(database_url, task.id, barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(results.get(timeout=5) for _ in workers) == ["conflict", "ok"]
    completions = [e for e in engine.history(instance.id) if e.type == "task_completed"]
    assert len(completions) == 1
    assert [t.name for t in ready(engine, instance.id)] == ["Review order"]
