"""Shared by the examples: an engine on the `make run` database, set up if needed, and story printing."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer_api.wiring import build_engine, shipped, shipped_models  # noqa: E402
from domain.directory import groups_of  # noqa: E402
from domain.seed import load_demo  # noqa: E402
from engine import Engine, EngineError  # noqa: E402


def engine() -> Engine:
    """The engine `make run` serves (CRMFLOW_DATABASE_URL or var/crmflow.sqlite), with the CRM pack ready."""
    crm = build_engine()
    crm.init_db()
    for path in shipped_models():
        bpmn, decisions = shipped(path)
        crm.deploy(bpmn, author="crmflow", decisions=decisions)
    crm.execute(lambda uow: load_demo(uow.session, uow.now))
    return crm


class Story:
    """Plays one instance as the right people and says what happens."""

    def __init__(self, crm: Engine, process_key: str, data: dict, business_key: str, actor: str):
        self.crm = crm
        instance = crm.start(process_key, data, business_key, actor)
        self.instance_id = instance.id
        self.seen_events = 0
        print(f"\n== {process_key} {business_key}: started by {actor}")
        self.report()

    def work(self, element_id: str, user: str, **data) -> None:
        """`user` claims (if needed) and completes the ready task `element_id` with form data."""
        task = next(t for t in self.crm.tasks(instance_id=self.instance_id) if t.element_id == element_id)
        with self.crm.store.read() as session:
            groups = groups_of(session, user)
        if task.assignee is None:
            self.crm.claim(task.id, user, groups)
            print(f"   {user} claims '{task.name}' from group {task.candidate_group}")
        shown = ", ".join(f"{k}={v}" for k, v in data.items())
        print(f"   {user} completes '{task.name}'" + (f" with {shown}" if shown else ""))
        self.crm.complete(task.id, user, data, groups)
        self.report()

    def message(self, name: str, message_id: str, system: str, **data) -> None:
        """A system around crmflow (finance, ERP) sends message `name` for this case, by its business key."""
        business_key = self.crm.instance(self.instance_id).business_key
        shown = ", ".join(f"{k}={v}" for k, v in data.items())
        print(f"   {system} sends '{name}' for {business_key} ({message_id}): {shown}")
        answer = self.crm.deliver_message(name, message_id, business_key, None, data, system)
        if answer["duplicate"]:
            print(f"   ... the same message again ({message_id}): a duplicate, nothing moves")
        self.report()

    def refused(self, element_id: str, user: str) -> None:
        """`user` tries to take the task `element_id` and is refused; the refusal is printed."""
        task = next(t for t in self.crm.tasks(instance_id=self.instance_id) if t.element_id == element_id)
        with self.crm.store.read() as session:
            groups = groups_of(session, user)
        try:
            self.crm.claim(task.id, user, groups)
        except EngineError as refusal:
            print(f"   {user} may not take '{task.name}': {refusal.message}")
            return
        raise SystemExit(f"{user} was not refused '{task.name}'")

    def report(self) -> None:
        events = self.crm.history(self.instance_id)
        for event in events[self.seen_events:]:
            data = event.data or {}
            if event.type == "task_created":
                who = data["assignee"] or f"group {data['candidate_group']}"
                print(f"   -> task '{event.element_id}' for {who}: {data['reason']}")
            elif event.type == "control_point_triggered":
                evidence = ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("control_point", "action"))
                print(f"   !! control point '{data['control_point']}' fired ({data['action']}): {evidence}")
            elif event.type == "control_point_overridden":
                print(f"   !! control point '{data['control_point']}' overridden by {data['by']}: {data['reason']}")
            elif event.type == "gateway_decided":
                print(f"   ?  {event.element_id} -> {', '.join(data['taken'])}")
            elif event.type == "message_received":
                print(f"   <- message '{data['name']}' received at {event.element_id}")
            elif event.type == "incident":
                print(f"   XX incident at {event.element_id}: {data['message']}")
        self.seen_events = len(events)

    def finish(self) -> None:
        instance = self.crm.instance(self.instance_id)
        print(f"== {instance.process_key} {instance.business_key}: {instance.status}")
        if instance.status not in ("completed", "running", "waiting"):
            raise SystemExit(f"unexpected status {instance.status}")
