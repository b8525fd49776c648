"""Who may read a case: one rule for the API and the pages.

Administrators read every case. Staff read a case they started, worked on (completed or
hold one of its tasks) or may claim a task of. Managers read the cases with work in their
groups. Analysts work on models and simulations, not on case data. A refusal is recorded
in the case's history.
"""
from __future__ import annotations

from engine import Engine, EventView, Forbidden, InstanceView, TaskView

from .auth import Principal


def may_read(principal: Principal, instance: InstanceView, tasks: list[TaskView]) -> bool:
    """True when the rule above lets `principal` read the case."""
    if "admin" in principal.roles:
        return True
    me, groups = principal.username, set(principal.groups)
    if "staff" in principal.roles and (instance.started_by == me or any(
            me in (t.assignee, t.completed_by) or (t.state == "ready" and t.assignee is None
                                                   and t.candidate_group in groups) for t in tasks)):
        return True
    return "manager" in principal.roles and any(t.candidate_group in groups for t in tasks)


def readable_case(engine: Engine, principal: Principal, instance_id: str) -> InstanceView:
    """The case, if the caller may read it. :raises NotFound, Forbidden: (a refusal is recorded)"""
    instance = engine.instance(instance_id)
    if not may_read(principal, instance, engine.tasks(instance_id=instance_id, state=None, limit=500)):
        reason = f"{principal.username} has no part in case {instance_id}"
        engine.record_case_denial(instance_id, principal.username, "read", reason)
        raise Forbidden(reason)
    return instance


def readable_history(engine: Engine, principal: Principal, business_key: str) -> list[EventView]:
    """The history of every case with a business key that the caller may read."""
    events = engine.history(business_key=business_key)
    readable = {i for i in {e.instance_id for e in events}
                if may_read(principal, engine.instance(i), engine.tasks(instance_id=i, state=None, limit=500))}
    return [e for e in events if e.instance_id in readable]
