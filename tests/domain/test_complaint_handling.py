"""Complaint handling: SLA by severity, compensation limit, customer confirmation and reopen limit."""
from __future__ import annotations

from sqlalchemy import select

from domain.records import Complaint

REGISTER = dict(customer_id=1, product="CNC-500", description="Spindle vibrates after two weeks")


def complaint(crm):
    with crm.store.read() as session:
        return session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()


def registered(crm, desk, severity="high"):
    d = desk(crm.start("complaint_handling", business_key="C-1", actor="sam"))
    d.complete("Task_RegisterComplaint", "sam", **REGISTER)
    d.complete("Task_ClassifyComplaint", "sam", severity=severity, product="CNC-500")
    return d


def test_the_sla_follows_the_severity(crm, desk):
    registered(crm, desk, "critical")
    opened = complaint(crm)
    assert round((opened.sla_due_at - opened.created_at).total_seconds() / 3600) == 4  # counted from classification


def test_a_small_compensation_goes_straight_to_the_customer_and_closes(crm, desk):
    d = registered(crm, desk)
    d.complete("Task_Investigate", "sam", findings="bearing batch 42 faulty")
    d.complete("Task_ProposeResolution", "sam", resolution="replace spindle", compensation=1000)
    d.complete("Task_CustomerConfirmation", "sam", satisfied=True)
    d.complete("Task_CloseComplaint", "sam", root_cause="supplier bearing batch 42")
    closed = complaint(crm)
    assert (closed.status, closed.root_cause, float(closed.compensation)) == ("closed", "supplier bearing batch 42", 1000)


def test_compensation_above_the_limit_needs_the_supervisor(crm, desk):
    d = registered(crm, desk)
    d.complete("Task_Investigate", "sam", findings="bearing")
    d.complete("Task_ProposeResolution", "sam", resolution="refund", compensation=20000)
    assert d.task("Task_ApproveCompensation").assignee == "sue"
    d.complete("Task_ApproveCompensation", "sue", compensation_approved=False, comment="too much")
    d.complete("Task_ProposeResolution", "sam", resolution="refund half", compensation=9000)
    d.complete("Task_ApproveCompensation", "sue", compensation_approved=True)
    assert d.waiting_at() == ["Task_CustomerConfirmation"]


def test_an_unsatisfied_customer_reopens_at_most_twice_then_the_supervisor_takes_over(crm, desk):
    d = registered(crm, desk)
    for _ in range(3):
        d.complete("Task_Investigate", "sam", findings="try again")
        d.complete("Task_ProposeResolution", "sam", resolution="adjust", compensation=100)
        d.complete("Task_CustomerConfirmation", "sam", satisfied=False)
        if d.waiting_at() != ["Task_Investigate"]:
            break
    assert d.waiting_at() == ["Task_SupervisorInvestigate"]
    assert d.task("Task_SupervisorInvestigate").assignee == "sue"
