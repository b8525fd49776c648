"""CRM pack fixtures: an engine with the CRM pack, the shipped processes and the demo data."""
from __future__ import annotations

import pytest

from domain.directory import groups_of
from engine import Engine
from tests.crm import prepare_crm


@pytest.fixture
def crm(engine: Engine) -> Engine:
    """The engine with the shipped processes deployed and the demo directory and customers loaded."""
    return prepare_crm(engine)


class Desk:
    """Works one instance's tasks the way staff would: claim if needed, then complete."""

    def __init__(self, engine: Engine, instance_id: str):
        self.engine, self.instance_id = engine, instance_id

    def task(self, element_id: str):
        ready = {t.element_id: t for t in self.engine.tasks(instance_id=self.instance_id)}
        assert element_id in ready, f"{element_id} is not ready; ready: {sorted(ready)}"
        return ready[element_id]

    def complete(self, element_id: str, user: str, **data):
        task = self.task(element_id)
        groups = self.groups(user)
        if task.assignee is None:
            self.engine.claim(task.id, user, groups)
        return self.engine.complete(task.id, user, data, groups)

    def groups(self, user: str) -> list[str]:
        with self.engine.store.read() as session:
            return groups_of(session, user)

    def waiting_at(self) -> list[str]:
        return sorted(t.element_id for t in self.engine.tasks(instance_id=self.instance_id))

    def events(self, type: str) -> list:
        return [e for e in self.engine.history(self.instance_id) if e.type == type]

    @property
    def status(self) -> str:
        return self.engine.instance(self.instance_id).status


@pytest.fixture
def desk(crm):
    return lambda instance: Desk(crm, instance.id)
