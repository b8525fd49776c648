"""New customer approval: every branch, the credit band, forms that refuse what they do not ask for."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.records import Customer, Notification
from engine import Engine, InvalidData

INFO = dict(customer_name="Hangzhou Smart Devices 杭州智能设备", region="east", industry="manufacturing",
            requested_credit_limit=300000, payment_terms="net30", contact_name="Li Ming")


def customer(crm: Engine, name: str) -> Customer:
    with crm.store.read() as session:
        return session.scalars(select(Customer).where(Customer.name == name)).one()


def inbox(crm: Engine, user: str) -> list[str]:
    with crm.store.read() as session:
        return list(session.scalars(select(Notification.title).where(Notification.username == user)))


def through_credit_review(crm, desk, limit: float, approved: bool = True):
    instance = crm.start("customer_approval", business_key="NC-1", actor="alice")
    d = desk(instance)
    assert d.task("Task_CustomerInfoEntry").assignee == "alice"
    d.complete("Task_CustomerInfoEntry", "alice", **INFO)
    review = d.task("Task_PaymentTermsReview")
    assert (review.assignee, review.candidate_group) == (None, "finance")  # claimed by whoever takes it
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
    assert d.task("Task_CreditLimitReview").assignee == "cathy"
    d.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=approved, approved_credit_limit=limit)
    return d


def test_a_customer_within_the_credit_band_is_approved_and_the_requester_told(crm, desk):
    d = through_credit_review(crm, desk, 300000)
    assert d.waiting_at() == ["Task_SalesExpenseEvaluation"]
    d.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=2e6, sales_expense_budget=5e4,
               expense_approved=True)
    assert d.status == "completed"
    approved = customer(crm, INFO["customer_name"])
    assert (approved.status, float(approved.credit_limit)) == ("active", 300000)
    assert any("approved" in title for title in inbox(crm, "alice"))


def test_a_limit_above_the_credit_band_needs_the_general_manager(crm, desk):
    d = through_credit_review(crm, desk, 800000)
    assert d.task("Task_GeneralManagerApproval").assignee == "george"
    decision = [e for e in d.events("gateway_decided") if e.element_id == "Gateway_CreditDecision"][0]
    assert decision.data["taken"] == ["Task_GeneralManagerApproval"]
    d.complete("Task_GeneralManagerApproval", "george", gm_approved=True)
    d.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=9e6, sales_expense_budget=1e5,
               expense_approved=True)
    assert customer(crm, INFO["customer_name"]).status == "active"


@pytest.mark.parametrize("refuse_at", ["terms", "credit", "gm", "expense"])
def test_a_refusal_at_any_review_rejects_the_customer(crm, desk, refuse_at):
    instance = crm.start("customer_approval", actor="alice")
    d = desk(instance)
    d.complete("Task_CustomerInfoEntry", "alice", **INFO)
    d.complete("Task_PaymentTermsReview", "fiona", payment_terms_approved=refuse_at != "terms", payment_terms="net30")
    if refuse_at != "terms":
        d.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=refuse_at != "credit",
                   approved_credit_limit=900000)
    if refuse_at in ("gm", "expense"):
        d.complete("Task_GeneralManagerApproval", "george", gm_approved=refuse_at != "gm")
    if refuse_at == "expense":
        d.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=1, sales_expense_budget=1,
                   expense_approved=False)
    assert d.status == "completed"
    assert customer(crm, INFO["customer_name"]).status == "rejected"
    assert any("rejected" in title for title in inbox(crm, "alice"))
    assert d.events("customer_rejected")


def test_forms_refuse_fields_they_do_not_declare_and_name_them(crm, desk):
    d = desk(crm.start("customer_approval", actor="alice"))
    with pytest.raises(InvalidData) as refused:
        d.complete("Task_CustomerInfoEntry", "alice", **INFO, credit_limit=10**9)
    assert [f.field for f in refused.value.fields] == ["credit_limit"]
    with pytest.raises(InvalidData) as refused:
        d.complete("Task_CustomerInfoEntry", "alice", **{**INFO, "region": "mars", "requested_credit_limit": "lots"})
    assert {f.field for f in refused.value.fields} == {"region", "requested_credit_limit"}
    assert d.waiting_at() == ["Task_CustomerInfoEntry"]  # nothing moved


def test_a_process_parameter_cannot_be_overridden_by_start_data(crm):
    with pytest.raises(InvalidData, match="credit_band"):
        crm.start("customer_approval", {"credit_band": 10**12}, actor="alice")


def test_the_approval_survives_a_restart_partway(crm, desk, database_url, pack):
    d = through_credit_review(crm, desk, 800000)
    restarted = Engine(database_url, pack=pack)  # as after a restart: state comes from the database only
    task = list(restarted.tasks(instance_id=d.instance_id))[0]
    assert task.element_id == "Task_GeneralManagerApproval"
    restarted.complete(task.id, "george", {"gm_approved": True}, groups=["general_manager"])
    assert [t.element_id for t in restarted.tasks(instance_id=d.instance_id)] == ["Task_SalesExpenseEvaluation"]
    restarted.close()
