"""New customer approval: every branch, the credit band, forms that refuse what they do not ask for."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.records import Contact, Customer, Notification
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


def converted_customer(crm: Engine, desk) -> Customer:
    """A customer made from a qualified lead: pending, owned by the salesperson the lead went to."""
    d = desk(crm.start("lead_to_opportunity", dict(company="Ningbo Pumps 宁波水泵", source="referral", region="east",
                                                   industry="manufacturing", contact_name="Chen Bo"), actor="alice"))
    d.complete("Task_QualifyLead", "alice", budget_confirmed=True, decision_maker_known=True,
               timeline="this_quarter", estimated_amount=250000)
    return customer(crm, "Ningbo Pumps 宁波水泵")


def test_a_customer_a_converted_lead_left_pending_is_approved_as_itself(crm, desk):
    pending = converted_customer(crm, desk)
    assert pending.status == "pending"
    with crm.store.read() as session:  # its owner is told to ask for approval, with the start it needs
        reminder = session.scalars(select(Notification).where(Notification.username == "alice",
                                                              Notification.title.contains("awaits approval"))).one()
    assert reminder.data == {"start": {"process_key": "customer_approval", "values": {
        "customer_id": f"C-{pending.id:05d}", "business_key": f"NC-C-{pending.id:05d}"}}}

    d = desk(crm.start("customer_approval", {"customer_id": pending.id}, actor="alice"))
    context = {f["key"]: f["value"] for f in crm.task_context(d.task("Task_CustomerInfoEntry").id)}
    assert context["customer"] == f"Ningbo Pumps 宁波水泵 · C-{pending.id:05d}" and context["contacts"] == "Chen Bo"
    d.complete("Task_CustomerInfoEntry", "alice", **{**INFO, "customer_name": "Ningbo Pumps Co. 宁波水泵",
                                                     "contact_name": "Chen Bo", "contact_phone": "+86 574 1234"})
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
    d.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=200000)
    d.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=1e6, sales_expense_budget=2e4,
               expense_approved=True)
    assert d.status == "completed"
    with crm.store.read() as session:
        approved = session.get(Customer, pending.id)
        assert (approved.status, approved.name, float(approved.credit_limit)) == ("active", "Ningbo Pumps Co. 宁波水泵",
                                                                                  200000)
        assert approved.owner == "alice" and approved.credit_approved_in == d.instance_id
        assert [(c.name, c.phone) for c in session.scalars(select(Contact).where(Contact.customer_id == pending.id))] \
            == [("Chen Bo", "+86 574 1234")]  # the lead's contact, its phone as the application gave it
        assert session.scalar(select(func.count()).select_from(Customer).where(Customer.name.like("Ningbo%"))) == 1
    order = crm.start("order_release", {"customer_id": pending.id, "amount": 1000}, actor="alice")
    assert crm.instance(order.id).incident is None  # it may order now


def test_an_approval_is_refused_for_a_customer_that_awaits_none(crm, desk):
    active = converted_customer(crm, desk)
    with pytest.raises(InvalidData) as refused:
        crm.start("customer_approval", {"customer_id": 10**6}, actor="alice")
    assert [(f.field, f.message) for f in refused.value.fields] == [("customer_id", "names no customer")]
    d = desk(crm.start("customer_approval", {"customer_id": active.id}, actor="alice"))
    d.complete("Task_CustomerInfoEntry", "alice", **INFO)
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=False, payment_terms="net30")
    with pytest.raises(InvalidData) as refused:  # rejected now: no second approval of it
        crm.start("customer_approval", {"customer_id": active.id}, actor="alice")
    assert [f.field for f in refused.value.fields] == ["customer_id"]
    assert "is rejected, not awaiting approval" in refused.value.fields[0].message


def test_two_approvals_of_one_customer_decide_it_once(crm, desk):
    pending = converted_customer(crm, desk)
    first, second = (desk(crm.start("customer_approval", {"customer_id": pending.id}, actor="alice")) for _ in "12")
    for d, limit in ((first, 200000), (second, 400000)):
        d.complete("Task_CustomerInfoEntry", "alice", **INFO)
        d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
        d.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=limit)
    first.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=1e6, sales_expense_budget=2e4,
                   expense_approved=True)
    second.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=1e6, sales_expense_budget=2e4,
                    expense_approved=True)
    incident = crm.instance(second.instance_id).incident
    assert incident["element_id"] == "Service_ActivateCustomer"
    assert f"is already active in case {first.instance_id} by carol" in incident["message"]
    approved = customer(crm, INFO["customer_name"])
    assert (approved.id, float(approved.credit_limit), approved.credit_approved_in) == (pending.id, 200000,
                                                                                         first.instance_id)
