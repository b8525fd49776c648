"""Timer branches of the shipped processes, on an injected clock: reminders, escalations, SLAs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.records import Notification
from engine.runtime.worker import Worker

LEAD = dict(company="Wuxi Valves", source="web", contact_name="Qian", email=None, phone=None, region="east",
            industry="manufacturing")


def inbox(crm, user: str, kind: str) -> list[str]:
    with crm.store.read() as session:
        return list(session.scalars(select(Notification.title).where(Notification.username == user,
                                                                     Notification.kind == kind)))


def test_a_lead_reminder_fires_once_and_the_task_stays(crm, desk, clock):
    d = desk(crm.start("lead_to_opportunity", LEAD, actor="marketing"))
    task = d.task("Task_QualifyLead")
    clock.advance(days=3, minutes=1)
    assert Worker(crm.context).run_once() == 1
    assert len(inbox(crm, "alice", "reminder")) == 1
    assert d.task("Task_QualifyLead").id == task.id  # non-interrupting: the same task is still there
    assert Worker(crm.context).run_once() == 0
    clock.advance(days=4)
    assert Worker(crm.context).run_once() == 1  # the 7-day escalation
    assert len(inbox(crm, "carol", "escalation")) == 1 and len(inbox(crm, "alice", "reminder")) == 1
    d.complete("Task_QualifyLead", "alice", budget_confirmed=True, decision_maker_known=True,
               timeline="this_quarter", estimated_amount=200000)
    assert d.waiting_at() == ["Task_PlanFirstMeeting"]


def test_completing_the_task_in_time_cancels_its_timers(crm, desk, clock):
    d = desk(crm.start("lead_to_opportunity", LEAD, actor="marketing"))
    d.complete("Task_QualifyLead", "alice", budget_confirmed=False, decision_maker_known=False, timeline="later",
               estimated_amount=0)
    clock.advance(days=30)
    assert Worker(crm.context).run_once() == 0
    assert inbox(crm, "alice", "reminder") == []


def test_a_breached_complaint_sla_escalates_to_the_supervisor(crm, desk, clock):
    d = desk(crm.start("complaint_handling", actor="sam"))
    d.complete("Task_RegisterComplaint", "sam", customer_id=1, product="CNC-500", description="noisy spindle")
    d.complete("Task_ClassifyComplaint", "sam", severity="high", product="CNC-500")
    investigate = d.task("Task_Investigate")
    assert investigate.due_at == clock() + timedelta(hours=24)  # the SLA is the task's due date: overdue-first sees it
    overdue_first = crm.tasks(assignee=investigate.assignee, due_before=clock() + timedelta(days=2))
    assert investigate.id in [t.id for t in overdue_first]
    clock.advance(hours=23)
    assert Worker(crm.context).run_once() == 0
    clock.advance(hours=2)
    assert Worker(crm.context).run_once() == 1
    assert d.waiting_at() == ["Task_SupervisorInvestigate"]
    assert crm.task(investigate.id).state == "cancelled"  # interrupting: the late task is withdrawn
    assert len(inbox(crm, "sue", "escalation")) == 1
