"""Timers fire through the worker, on the engine's clock, exactly once — also with several workers."""
from __future__ import annotations

import multiprocessing
import os
from datetime import timedelta

import pytest

from engine import Conflict, Engine
from engine.runtime.unit_of_work import utcnow
from engine.runtime.worker import Worker
from tests.engine.bpmn_builder import scheduled_model, timer_model


def test_an_instance_waits_for_its_timer_and_continues_when_it_fires(engine, clock):
    engine.deploy(timer_model("'PT1H'"))
    instance = engine.start("wait_then_work")
    assert instance.status == "waiting" and engine.tasks(instance_id=instance.id) == []
    clock.advance(minutes=59)
    assert Worker(engine.context).run_once() == 0
    clock.advance(minutes=2)
    assert Worker(engine.context).run_once() == 1
    assert [t.name for t in engine.tasks(instance_id=instance.id)] == ["Work"]
    assert Worker(engine.context).run_once() == 0  # fired once, never again
    assert [e.type for e in engine.history(instance.id)].count("timer_fired") == 1


def test_a_timer_survives_a_restart_of_the_engine(engine, clock, database_url, pack):
    engine.deploy(timer_model("'P2D'"))
    instance = engine.start("wait_then_work")
    clock.advance(days=3)
    restarted = Engine(database_url, pack=pack, clock=clock)
    assert Worker(restarted.context).run_once() == 1
    assert restarted.instance(instance.id).status == "running"
    restarted.close()


def _crash_while_firing(url: str, offset: float) -> None:
    engine = Engine(url, clock=lambda: utcnow() + timedelta(seconds=offset))
    original_save = __import__("engine.runtime", fromlist=["InstanceRun"]).InstanceRun.save

    def save_then_die(run):
        original_save(run)  # everything flushed inside the open transaction...
        os._exit(17)  # ...and the process dies before commit

    __import__("engine.runtime", fromlist=["InstanceRun"]).InstanceRun.save = save_then_die
    Worker(engine.context).run_once()


def test_a_worker_killed_before_commit_loses_nothing(engine, clock, database_url):
    engine.deploy(timer_model("'PT1H'"))
    instance = engine.start("wait_then_work")
    offset = (clock() - utcnow()).total_seconds() + 7200
    crashed = multiprocessing.get_context("fork").Process(target=_crash_while_firing, args=(database_url, offset))
    crashed.start()
    crashed.join(60)
    assert crashed.exitcode == 17
    assert engine.instance(instance.id).status == "waiting"  # nothing half-written
    clock.advance(hours=2)
    assert Worker(engine.context).run_once() == 1
    assert [e.type for e in engine.history(instance.id)].count("timer_fired") == 1


def _work_until_idle(url: str, offset: float, results) -> None:
    engine = Engine(url, clock=lambda: utcnow() + timedelta(seconds=offset))
    worker, fired = Worker(engine.context, batch=20), 0
    while True:
        count = worker.run_once()
        fired += count
        with engine.store.read() as session:
            from engine.runtime.timers import due
            if not due(session, engine.clock(), 1):
                break
    results.put(fired)
    engine.close()


def test_two_worker_processes_fire_each_of_200_timers_exactly_once(engine, clock, database_url):
    engine.deploy(timer_model("'PT1H'"))
    ids = [engine.start("wait_then_work").id for _ in range(200)]
    offset = (clock() - utcnow()).total_seconds() + 7200
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_work_until_idle, args=(database_url, offset, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    fired = [results.get(timeout=5) for _ in workers]
    assert sum(fired) == 200
    for instance_id in ids:
        assert [e.type for e in engine.history(instance_id)].count("timer_fired") == 1


def test_a_timer_date_waits_for_the_engines_clock_not_the_wall_clock(engine, clock):
    clock.advance(days=-60)  # a clock behind the wall clock: a replay, a demo quarter, a test
    due = clock() + timedelta(days=10)  # already past on the wall clock
    engine.deploy(timer_model(f"'{due.isoformat()}'").replace(b"timeDuration", b"timeDate"))
    instance = engine.start("wait_then_work")
    assert instance.status == "waiting" and engine.tasks(instance_id=instance.id) == []
    clock.advance(days=10, minutes=-1)
    assert Worker(engine.context).run_once() == 0
    clock.advance(minutes=2)
    assert Worker(engine.context).run_once() == 1
    assert [t.name for t in engine.tasks(instance_id=instance.id)] == ["Work"]


def test_a_timer_date_the_engines_clock_has_passed_fires_at_once(engine, clock):
    engine.deploy(timer_model(f"'{(clock() - timedelta(hours=1)).isoformat()}'").replace(b"timeDuration", b"timeDate"))
    instance = engine.start("wait_then_work")
    assert [t.name for t in engine.tasks(instance_id=instance.id)] == ["Work"]


def test_a_schedule_starts_its_process_once_per_firing(engine, clock):
    first = (clock() + timedelta(hours=1)).replace(microsecond=0)
    engine.deploy(scheduled_model(f"R/{first.isoformat()}/P1D"))
    assert Worker(engine.context).run_once() == 0
    with pytest.raises(Conflict) as refused:
        engine.start("daily_check")
    assert refused.value.code == "scheduled_process"
    clock.advance(hours=1, seconds=1)
    assert Worker(engine.context).run_once() == 1
    assert Worker(engine.context).run_once() == 0
    started = engine.instances(limit=10)
    assert [i.business_key for i in started] == [f"DC-{first.date().isoformat()}"]
    assert [t.name for t in engine.tasks(instance_id=started[0].id)] == ["Check the day"]
    assert engine.task_data(engine.tasks(instance_id=started[0].id)[0].id)["scheduled_for"] == first.isoformat()
    clock.advance(days=3)  # the worker was down: the latest firing it missed, once
    assert Worker(engine.context).run_once() == 1
    assert len(engine.instances(limit=10)) == 2


def test_a_once_only_date_schedule_fires_once_and_a_group_nobody_is_in_starts_nothing(engine, clock):
    at = (clock() + timedelta(minutes=5)).replace(microsecond=0)
    engine.deploy(scheduled_model(at.isoformat()))
    engine.deploy(scheduled_model(f"R/{at.isoformat()}/P1D", start_for="nobody").replace(
        b'id="daily_check"', b'id="per_member"'))
    clock.advance(minutes=6)
    assert Worker(engine.context).run_once() == 2
    clock.advance(days=2)
    assert Worker(engine.context).run_once() == 1  # the daily one; the date has passed for good
    assert [i.process_key for i in engine.instances(limit=10)] == ["daily_check"]  # the group has no members


def test_a_schedule_without_a_first_date_counts_from_its_deploy(engine, clock):
    engine.deploy(scheduled_model("R2/PT1H"))
    clock.advance(minutes=59)
    assert Worker(engine.context).run_once() == 0
    clock.advance(minutes=2)
    assert Worker(engine.context).run_once() == 1
    clock.advance(hours=5)
    assert Worker(engine.context).run_once() == 1  # its second and last firing
    clock.advance(hours=5)
    assert Worker(engine.context).run_once() == 0
    assert len(engine.instances(limit=10)) == 2
    assert engine.schedules()["daily_check"]["next"] is None
