"""Many people clicking at once, and processes dying mid-step — on PostgreSQL, in real separate processes."""
from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from domain import CrmPack
from domain.records import Customer
from engine import Conflict, Engine, NotFound, Pack, Unavailable
from engine.store.tables import OutboxMessage
from tests.crm import prepare_crm
from tests.engine.bpmn_builder import gateway_model, parallel_model
from tests.engine.test_bounds import NOTING, model

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def url(postgres):
    return postgres.create(template=postgres.template_for(Pack()))


@pytest.fixture
def engine(url):
    engine = Engine(url)
    engine.deploy(parallel_model())
    yield engine
    engine.close()


def ready(engine: Engine, instance_id: str) -> dict[str, str]:
    return {t.element_id: t.id for t in engine.tasks(instance_id=instance_id)}


def count(engine: Engine, instance_id: str, type: str, element_id: str | None = None) -> int:
    return sum(1 for e in engine.history(instance_id) if e.type == type and element_id in (None, e.element_id))


def _complete_at_barrier(url, task_id, user, barrier, results):
    engine = Engine(url)
    barrier.wait()
    try:
        engine.complete(task_id, user)
        results.put("ok")
    except Conflict:
        results.put("conflict")
    finally:
        engine.close()


def race(url: str, *attempts: tuple[str, str]) -> list[str]:
    """Run each (task id, user) completion in its own process, released at the same instant."""
    barrier, results = FORK.Barrier(len(attempts)), FORK.Queue()
    processes = [FORK.Process(target=_complete_at_barrier, args=(url, task, user, barrier, results))
                 for task, user in attempts]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    return sorted(results.get(timeout=5) for _ in processes)


def test_the_same_task_completed_twice_at_once_has_one_winner_and_one_effect(engine, url):
    instance = engine.start("parallel_work")
    engine.complete(ready(engine, instance.id)["Task_A"], "alice")
    task_b = ready(engine, instance.id)["Task_B"]
    assert race(url, (task_b, "bob"), (task_b, "bob")) == ["conflict", "ok"]
    assert count(engine, instance.id, "task_completed", "Task_B") == 1
    assert count(engine, instance.id, "element_completed", "Script_Count") == 1  # the loser's steps never ran
    assert count(engine, instance.id, "task_created", "Task_After") == 1
    with engine.store.read() as session:
        messages = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.instance_id == instance.id, OutboxMessage.topic == "task.assigned",
            OutboxMessage.payload["name"].as_string() == "Task_After"))
    assert messages == 1


def test_both_branches_completed_at_once_join_exactly_once(engine, url):
    instance = engine.start("parallel_work")
    tasks = ready(engine, instance.id)
    assert race(url, (tasks["Task_A"], "alice"), (tasks["Task_B"], "bob")) == ["ok", "ok"]
    assert list(ready(engine, instance.id)) == ["Task_After"]
    assert count(engine, instance.id, "element_completed", "Script_Count") == 1


def _work_everything(url, instance_ids, results):
    engine, done, conflicts = Engine(url), 0, 0
    while True:
        open_tasks = [t for i in instance_ids for t in engine.tasks(instance_id=i)]
        if not open_tasks:
            break
        for task in open_tasks:
            try:
                engine.complete(task.id, task.assignee)
                done += 1
            except (Conflict, NotFound):
                conflicts += 1
    results.put((done, conflicts))
    engine.close()


def test_many_clients_over_many_instances_lose_nothing_and_never_deadlock(engine, url):
    instance_ids = [engine.start("parallel_work").id for _ in range(12)]
    results = FORK.Queue()
    clients = [FORK.Process(target=_work_everything, args=(url, instance_ids, results)) for _ in range(4)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(180)
        assert client.exitcode == 0, "a client hung or died"
    outcomes = [results.get(timeout=5) for _ in clients]
    assert sum(done for done, _ in outcomes) == 3 * len(instance_ids)  # every completion counted once
    for instance_id in instance_ids:
        assert engine.instance(instance_id).status == "completed"
        assert count(engine, instance_id, "task_completed") == 3
        assert count(engine, instance_id, "element_completed", "Script_Count") == 1


def _die_before_commit(url, task_id):
    import engine.runtime.instance_run as runtime

    original = runtime.InstanceRun.save

    def save_then_die(run):
        original(run)
        os._exit(9)  # state, tasks, history and outbox are flushed, not committed

    runtime.InstanceRun.save = save_then_die
    Engine(url).complete(task_id, "alice")


def test_a_process_killed_after_flush_before_commit_leaves_nothing_half_written(engine, url):
    instance = engine.start("parallel_work")
    before = engine.instance(instance.id)
    task_a = ready(engine, instance.id)["Task_A"]
    crashed = FORK.Process(target=_die_before_commit, args=(url, task_a))
    crashed.start()
    crashed.join(60)
    assert crashed.exitcode == 9
    assert engine.instance(instance.id) == before
    assert count(engine, instance.id, "task_completed") == 0
    engine.complete(task_a, "alice")  # the lock is gone; the retry succeeds
    assert count(engine, instance.id, "task_completed") == 1


def _hold_the_lock(url, instance_id, locked):
    engine = Engine(url)
    with engine.store.write() as session, session.begin():
        from engine.store.tables import Instance

        session.scalars(select(Instance).where(Instance.id == instance_id).with_for_update()).one()
        locked.set()
        signal.pause()  # killed here, lock held


def test_a_process_killed_while_holding_the_row_lock_releases_it(engine, url):
    instance = engine.start("parallel_work")
    locked = FORK.Event()
    holder = FORK.Process(target=_hold_the_lock, args=(url, instance.id, locked))
    holder.start()
    assert locked.wait(30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    engine.complete(ready(engine, instance.id)["Task_A"], "alice")
    assert count(engine, instance.id, "task_completed") == 1


def _at_barrier(url, work, barrier, results, pack):
    engine = Engine(url) if pack is None else Engine(url, pack=pack)
    barrier.wait()
    try:
        results.put(("ok", work(engine)))
    except Conflict:
        results.put(("conflict", None))
    except Exception as failed:  # noqa: BLE001 - said, so the test shows it instead of a missing result
        results.put(("error", repr(failed)))
    finally:
        engine.close()


def at_once(url: str, n: int, work, pack: Pack | None = None) -> list[tuple[str, str | None]]:
    """Run `work(engine)` in n processes released at the same instant: ("ok", its result) or ("conflict", None)."""
    barrier, results = FORK.Barrier(n), FORK.Queue()
    processes = [FORK.Process(target=_at_barrier, args=(url, work, barrier, results, pack)) for _ in range(n)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    return [results.get(timeout=5) for _ in processes]


def start_race(url: str, n: int, idempotency_key: str | None) -> list[tuple[str, str | None]]:
    return at_once(url, n, lambda engine: engine.start("parallel_work", {}, "SO-RACE", "bob",
                                                      idempotency_key=idempotency_key).id)


def test_twenty_parallel_starts_with_one_business_key_make_one_case(engine, url):
    outcomes = start_race(url, 20, None)
    assert sorted(o for o, _ in outcomes).count("ok") == 1
    assert len([i for i in engine.instances(process_key="parallel_work") if i.business_key == "SO-RACE"]) == 1


def test_parallel_starts_repeating_one_idempotency_key_all_answer_with_the_one_case(engine, url):
    outcomes = start_race(url, 8, "request-1")
    assert {o for o, _ in outcomes} == {"ok"} and len({i for _, i in outcomes}) == 1


MESSAGE_MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_m"
    targetNamespace="http://crmflow.example/bpmn">
  <bpmn:process id="waits_for_go" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:intermediateCatchEvent id="Event_Go" name="Go arrives">
      <bpmn:messageEventDefinition id="MessageEventDefinition_Go" messageRef="Message_Go" />
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Event_Go" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Event_Go" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmn:message id="Message_Go" name="go" />
</bpmn:definitions>"""


def _message_at_barrier(url, barrier, results):
    engine = Engine(url)
    barrier.wait()
    try:
        answer = engine.deliver_message("go", "MSG-1", "M-1", data={"amount": 5})
        results.put("duplicate" if answer["duplicate"] else "delivered")
    except Conflict:
        results.put("conflict")
    finally:
        engine.close()


def test_parallel_copies_to_one_new_key_reserve_it_once(engine, url):
    outcomes = at_once(url, 8, lambda engine: engine.authoring.copy("parallel_work", "parallel_vip", author="ann").id)
    assert sorted(o for o, _ in outcomes) == ["conflict"] * 7 + ["ok"]
    assert [d.id for d in engine.authoring.drafts("parallel_vip")] == [i for o, i in outcomes if o == "ok"]


def test_one_message_delivered_twice_at_once_advances_the_case_once(engine, url):
    engine.deploy(MESSAGE_MODEL)
    case = engine.start("waits_for_go", {}, "M-1")
    barrier, results = FORK.Barrier(2), FORK.Queue()
    processes = [FORK.Process(target=_message_at_barrier, args=(url, barrier, results)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes in (["delivered", "duplicate"], ["conflict", "delivered"])
    assert engine.instance(case.id).status == "completed"
    assert count(engine, case.id, "message_received") == 1


def _drop_connections(url: str) -> int:
    """What a database restart does to a pool: the server ends every session of the database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                               "WHERE datname = :name"), {"name": make_url(url).database}).all())
    finally:
        admin.dispose()


def test_a_command_whose_pooled_connection_was_dropped_runs_once_more_and_a_read_reconnects(engine, url):
    first = engine.start("parallel_work", business_key="P-1", actor="ann")
    assert engine.instance(first.id).status == "running"  # both pools now hold a connection
    assert _drop_connections(url) >= 2
    second = engine.start("parallel_work", business_key="P-2", actor="ann")  # the dead connection: run again, once
    assert engine.instance(second.id).status == "running"  # the read pings its connection and reconnects
    started = [i.business_key for i in engine.instances(process_key="parallel_work")]
    assert sorted(started) == ["P-1", "P-2"] and first.id != second.id
    _drop_connections(url)
    engine.complete(ready(engine, first.id)["Task_A"], "alice")
    assert count(engine, first.id, "task_completed") == 1  # written once



class _CutOnAssign(Pack):
    """Ends its own command's database session while assigning a task of a case started with `cut`: after every
    step ran and everything was read, just before the save's rows are sent."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        super().__init__()
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.cuts: list[bool] = []

    def assign(self, task, data, session):
        if data.get("cut"):
            from sqlalchemy import text

            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            with self.admin.connect() as connection:
                self.cuts.append(connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar())
        return super().assign(task, data, session)


def test_a_connection_lost_while_a_save_is_written_answers_unavailable_and_leaves_nothing(url):
    pack = _CutOnAssign(url)
    engine = Engine(url, pack=pack)
    try:
        engine.deploy(gateway_model())  # one user task when the amount is large
        kept = engine.start("test_process", {"amount": 500}, actor="ann")  # also reads the webhooks (kept a moment)
        with pytest.raises(Unavailable):
            engine.start("test_process", {"amount": 500, "cut": True}, actor="ann")
        assert pack.cuts == [True, True]  # run once more on a fresh connection, as a command found dead before commit
        assert [i.id for i in engine.instances(process_key="test_process")] == [kept.id]
        assert {t.instance_id for t in engine.tasks()} == {kept.id}
        assert {e.instance_id for e in engine.history()} == {kept.id}
    finally:
        engine.close()
        pack.admin.dispose()


def test_orders_released_at_once_for_one_customer_all_count_against_its_credit(postgres):
    url = postgres.create(template=postgres.template_for(CrmPack()))
    crm = prepare_crm(Engine(url, pack=CrmPack()))
    try:
        with crm.store.read() as session:
            customer = session.scalars(select(Customer).where(Customer.name.like("Beijing Energy%"))).one()
        order = {"customer_id": customer.id, "amount": 110000, "quote_id": 1}  # the approved price: released at once
        outcomes = at_once(url, 6, lambda engine: engine.start("order_release", order, actor="alice").id, CrmPack())
        assert [o for o, _ in outcomes] == ["ok"] * 6, outcomes
        assert {crm.instance(i).status for _, i in outcomes} == {"completed"}
        with crm.store.read() as session:  # none of the six releases overwrote another's credit used
            assert session.get(Customer, customer.id).credit_used == customer.credit_used + 6 * 110000
    finally:
        crm.close()


def test_a_command_the_database_undoes_as_a_deadlock_victim_runs_once_more(url):
    calls: list[str] = []

    def victim_once(call, text):
        calls.append(text)
        if len(calls) == 1:  # what PostgreSQL says to the transaction it chose to undo
            call.session.execute(sql("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"))
        call.record("noted", text=text)
        return {"noted": text}

    engine = Engine(url, pack=Pack(services={"note": victim_once}))
    try:
        engine.deploy(model(NOTING))
        case = engine.start("noting", {}, business_key="N-1")
        assert (engine.instance(case.id).status, calls) == ("completed", ["hello", "hello"])
        assert [e.type for e in engine.history(case.id)].count("noted") == 1  # the undone run left nothing
    finally:
        engine.close()


def test_a_service_the_database_keeps_waiting_for_a_lock_ends_its_command_not_the_case(url):
    def waits(call, text):  # what PostgreSQL says when a lock is not had in lock_timeout (or NOWAIT)
        call.session.execute(sql("DO $$ BEGIN RAISE EXCEPTION 'could not obtain lock' USING ERRCODE = '55P03'; END $$"))

    engine = Engine(url, pack=Pack(services={"note": waits}))
    try:
        engine.deploy(model(NOTING))
        with pytest.raises(Conflict, match="busy"):
            engine.start("noting", {}, business_key="N-1")
        assert engine.instances(process_key="noting") == []  # no case stuck at an incident: nothing was saved
    finally:
        engine.close()
