"""Replay speed: recorded order_release cases replayed through an unedited copy, beside raw SpiffWorkflow.

N cases of order_release are recorded on SQLite through the engine's commands (customers healthy, near their
credit limit and on prepayment; orders with and without an approved quote; price exceptions, credit overrides,
payments by message and by hand after the overdue timer). Then:
- crmflow: `authoring.replay` of an unedited copy over them (history read from the database, each case run in
  the sandbox with its recorded answers, messages, timers and service results, and compared);
- raw SpiffWorkflow: the same paths in memory, the histories already loaded, with SpiffWorkflow's own Python
  script engine and the recorded service results handed back, nothing compared.

Prints cases per second each way and the ratio crmflow/raw.

    python bench/replay.py [-n 1000]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition  # noqa: E402
from SpiffWorkflow.bpmn.util.event import BpmnEvent  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import select  # noqa: E402

from domain import CrmPack  # noqa: E402
from engine import Engine, EngineError, Worker  # noqa: E402
from engine.intake.pipeline import take_in  # noqa: E402
from engine.store.tables import HistoryEvent  # noqa: E402
from tests.crm import prepare_crm  # noqa: E402

PRECISION, FRESH_RETAIL, ENERGY = 1, 2, 3  # demo customers: 85 % of credit used, prepayment terms, healthy
PEOPLE = {"sales_manager": ["carol", "george"], "general_manager": ["george"], "finance": ["frank", "fiona"],
          "sales": ["alice", "bob"], "credit_manager": ["cathy"]}
ANSWERS = {
    "price_exception": lambda i: {"price_exception_approved": i % 5 != 0, "price_exception_reason": "repeat order"},
    "credit_override": lambda i: {"override_approved": i % 2 == 0, "override_reason": "payment promised"},
    "credit_override_second": lambda i: {"second_override_approved": True, "second_override_reason": "agreed"},
    "payment_received": lambda i: {"payment_amount": 1000.0 + i, "payment_reference": f"BANK-{i:06d}"},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=400)

    def __call__(self) -> datetime:
        return self.now


def record(url: str, n: int) -> tuple[datetime, datetime]:
    """N order_release cases through the engine's commands, a minute apart; the first and the last moment."""
    clock = Clock()
    engine = Engine(url, pack=CrmPack(), clock=clock)
    engine.init_db()
    prepare_crm(engine)
    worker = Worker(engine.context)
    first = clock.now
    for i in range(n):
        clock.now += timedelta(minutes=1)
        customer = (ENERGY, ENERGY, PRECISION, FRESH_RETAIL, ENERGY)[i % 5]
        case = engine.start("order_release", {"customer_id": customer, "amount": 1000 + 100 * (i % 9)},
                            f"SO-B{i:05d}", "alice")
        for _ in range(6):
            if customer == FRESH_RETAIL and engine.instance(case.id).status == "waiting":
                if i % 2:
                    engine.deliver_message("payment_received", f"pay-{i}", f"SO-B{i:05d}",
                                           data={"payment_amount": 2000.0, "payment_reference": f"ERP-{i}"})
                else:
                    clock.now += timedelta(days=3, minutes=1)
                    worker.run_once()
            tasks = engine.tasks(instance_id=case.id)
            if not tasks:
                break
            work(engine, tasks[0], i)
    engine.close()
    return first, clock.now


def work(engine: Engine, task: Any, i: int) -> None:
    for person in PEOPLE.get(task.candidate_group or "", [task.assignee]):
        try:
            if task.assignee is None:
                engine.claim(task.id, person, [task.candidate_group or ""])
            engine.complete(task.id, task.assignee or person, ANSWERS[task.form_key](i), [task.candidate_group or ""])
            return
        except EngineError:
            continue  # four eyes: the next person of the group


def histories(engine: Engine) -> list[list[HistoryEvent]]:
    with engine.store.read() as session:
        events = session.scalars(select(HistoryEvent).where(HistoryEvent.process_key == "order_release")
                                 .order_by(HistoryEvent.id)).all()
    cases: dict[str, list[HistoryEvent]] = {}
    for event in events:
        cases.setdefault(event.instance_id, []).append(event)
    return list(cases.values())


class RecordedServices(PythonScriptEngine):
    """SpiffWorkflow's own script engine; service tasks get their recorded results back."""

    def __init__(self, calls: dict[str, list[Any]]):
        super().__init__()
        self.calls = calls

    def call_service(self, task: Any, **_: Any) -> str:
        return json.dumps(self.calls[task.task_spec.bpmn_id].pop(0))


def raw_spiff(bpmn: bytes, cases: list[list[HistoryEvent]]) -> float:
    """Cases per second: the recorded paths run in memory by SpiffWorkflow alone."""
    model = take_in(bpmn, CrmPack(), "order_release")
    began = time.perf_counter()
    for events in cases:
        calls: dict[str, list[Any]] = {}
        for event in events:
            if event.type == "element_completed" and "service" in (event.data or {}):
                calls.setdefault(event.element_id, []).append(event.data["service"]["result"])
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=RecordedServices(calls))
        start = next(e.data["data"] for e in events if e.type == "instance_started")
        for task in workflow.get_tasks():
            task.data.update({**start, **model.parameters})
        workflow.do_engine_steps()
        for event in events:
            if event.type == "task_completed":
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == event.element_id)
                task.data.update(event.data["data"])
                task.run()
            elif event.type == "message_received":
                task = next(t for t in workflow.get_tasks(state=TaskState.WAITING)
                            if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition))
                workflow.catch(BpmnEvent(task.task_spec.event_definition, payload=event.data["data"]))
                task.data.update(event.data["data"])
            elif event.type == "timer_fired":
                task = next(t for t in workflow.get_tasks(state=TaskState.WAITING)
                            if t.task_spec.bpmn_id == event.element_id)
                task._set_internal_data(event_fired=True)
                workflow.refresh_timers()
            else:
                continue
            workflow.do_engine_steps()
    return len(cases) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="recorded order_release cases (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/replay.sqlite"
        began = time.perf_counter()
        first, last = record(url, args.n)
        print(f"recorded {args.n} order_release cases in {time.perf_counter() - began:.1f} s")
        engine = Engine(url, pack=CrmPack())
        draft = engine.authoring.copy("order_release", author="bench")
        period = {"since": first.date(), "until": last.date(), "limit": args.n}
        engine.authoring.replay(draft.id, **{**period, "limit": 20})  # the draft and the version parsed, outside
        began = time.perf_counter()
        result = engine.authoring.replay(draft.id, **period)
        crmflow = result["replayed"] / (time.perf_counter() - began)
        bpmn, _ = engine.authoring.bpmn("order_release")
        raw = raw_spiff(bpmn, histories(engine))
        engine.close()
    print(f"crmflow replay : {crmflow:8.0f} cases/s  ({result['replayed']} replayed: {result['same']} the same, "
          f"{result['changed']} changed, {result['not_replayable']} not replayable)")
    print(f"raw SpiffWorkflow: {raw:6.0f} cases/s  (the same paths in memory)")
    print(f"replay crmflow/raw: {crmflow / raw:.2f}")


if __name__ == "__main__":
    main()
