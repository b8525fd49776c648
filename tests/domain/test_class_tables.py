"""The CRM pack's rules by customer class, as decision tables: the table supplies the threshold, the control point
acts and records its evidence (payment terms, credit block, complaint SLA)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.records import Complaint, Customer, Notification, Order
from engine import InvalidData
from tests.domain.test_order_release import fired, start_priced

PRECISION, ENERGY = 1, 3  # demo customers: 85 % and 10 % of their credit used
INFO = dict(customer_name="Suzhou Optics 苏州光学", region="east", industry="manufacturing",
            requested_credit_limit=300000, payment_terms="net30", contact_name="Xu Fang")


def set_class(crm, customer_id: int, customer_class: str, credit_used: int | None = None) -> None:
    def change(uow):  # an administrator reclassifies the customer on record
        customer = uow.session.get(Customer, customer_id)
        customer.customer_class = customer_class
        if credit_used is not None:
            customer.credit_used = credit_used
    crm.execute(change, actor="root")


def decided(d, decision: str) -> list[dict]:
    return [e.data for e in d.events("decision_evaluated") if e.data["decision"] == decision]


@pytest.mark.parametrize(("customer_class", "used", "blocked", "threshold"), [
    ("standard", 870_000, True, 0.9),  # 92 %: the process's credit_alert_threshold
    ("key", 870_000, False, 0.95),
    ("key", 910_000, True, 0.95),  # 96 %
    ("strategic", 940_000, False, 1.0),  # 99 %: only the full limit blocks
    ("watch", 780_000, True, 0.8),  # 83 %
])
def test_the_credit_block_threshold_follows_the_customer_class(crm, desk, customer_class, used, blocked, threshold):
    set_class(crm, PRECISION, customer_class, used)
    d = start_priced(crm, desk, PRECISION, 50_000)
    [decision] = decided(d, "credit_block_threshold")
    assert decision["inputs"] == {"Customer class": customer_class}
    assert decision["outputs"] == {"credit_block_at": threshold}
    points = [e.data for e in fired(d, "credit_usage")]
    assert bool(points) is blocked
    if blocked:
        assert points[0]["threshold"] == threshold
        assert d.waiting_at() == ["Task_CreditOverride"]
    else:
        assert d.status == "completed"


def test_standard_customers_keep_the_process_s_alert_threshold(crm, desk):
    """The standard rule names the parameter credit_alert_threshold: a version that changes the parameter changes
    the block for standard customers, and only for them."""
    draft = crm.authoring.copy("order_release", author="ann")
    crm.authoring.edit(draft.id, [{"op": "set_parameter", "name": "credit_alert_threshold", "value": 0.95}], "ann")
    crm.authoring.deploy(draft.id, "ann")
    set_class(crm, PRECISION, "standard", 870_000)
    d = start_priced(crm, desk, PRECISION, 50_000)
    assert decided(d, "credit_block_threshold")[0]["outputs"] == {"credit_block_at": 0.95}
    assert fired(d, "credit_usage") == [] and d.status == "completed"


def applied(crm, desk, **info):
    d = desk(crm.start("customer_approval", business_key="NC-7", actor="alice"))
    d.complete("Task_CustomerInfoEntry", "alice", **{**INFO, **info})
    return d


def test_a_new_customer_is_standard_unless_the_application_says_otherwise(crm, desk):
    d = applied(crm, desk)
    [decision] = decided(d, "payment_terms")
    assert (decision["inputs"], decision["outputs"]) == ({"Customer class": "standard"},
                                                         {"longest_payment_terms": "net60"})
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net60")
    assert d.waiting_at() == ["Task_CreditLimitReview"] and fired(d, "payment_terms_class") == []
    with crm.store.read() as session:
        assert session.scalars(select(Customer.customer_class).where(Customer.name == INFO["customer_name"])).one() \
            == "standard"


def test_terms_longer_than_the_class_may_get_need_the_credit_manager_s_exception_and_alert_the_salesperson(crm, desk):
    d = applied(crm, desk, customer_class="watch")
    assert decided(d, "payment_terms")[0]["outputs"] == {"longest_payment_terms": "prepayment"}
    facts = {f["key"]: f for f in crm.task_context(d.task("Task_PaymentTermsReview").id)}
    assert (facts["longest_payment_terms"]["value"], facts["customer_class"]["value_zh"]) == ("Prepayment", "观察客户")
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
    [evidence] = [e.data for e in fired(d, "payment_terms_class")]
    assert (evidence["payment_terms"], evidence["longest"], evidence["customer_class"], evidence["action"]) == \
        ("net30", "prepayment", "watch", "block")
    assert d.waiting_at() == ["Task_TermsException"]  # not on to the credit limit
    assert d.task("Task_TermsException").assignee == "cathy"
    with crm.store.read() as session:
        [alert] = session.scalars(select(Notification).where(Notification.username == "alice",
                                                             Notification.kind == "alert")).all()
    assert "Net 30 days is longer than a customer of class On watch may get (at most prepayment)" in alert.body
    assert "月结30天超出观察客户可享有的付款条件（最长预付款）" in alert.body
    d.complete("Task_TermsException", "cathy", terms_exception_approved=True,
               terms_exception_reason="paid on time for three years at the parent company")
    [override] = d.events("control_point_overridden")
    assert (override.actor, override.data["control_point"], override.data["customer"]) == \
        ("cathy", "payment_terms_class", INFO["customer_name"])
    assert d.waiting_at() == ["Task_CreditLimitReview"]


def test_refused_longer_terms_reject_the_customer(crm, desk):
    d = applied(crm, desk, customer_class="watch", payment_terms="net60")
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net60")
    d.complete("Task_TermsException", "cathy", terms_exception_approved=False, terms_exception_reason="watch: prepay")
    assert d.status == "completed"
    with crm.store.read() as session:
        assert session.scalars(select(Customer.status).where(Customer.name == INFO["customer_name"])).one() \
            == "rejected"


def test_terms_within_the_class_go_straight_on(crm, desk):
    d = applied(crm, desk, customer_class="watch", payment_terms="prepayment")
    d.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="prepayment")
    assert d.waiting_at() == ["Task_CreditLimitReview"] and fired(d, "payment_terms_class") == []


def test_an_unknown_customer_class_is_refused_by_the_form(crm, desk):
    d = desk(crm.start("customer_approval", business_key="NC-8", actor="alice"))
    with pytest.raises(InvalidData) as refused:
        d.complete("Task_CustomerInfoEntry", "alice", **INFO, customer_class="platinum")
    assert [f.field for f in refused.value.fields] == ["customer_class"]
    assert d.waiting_at() == ["Task_CustomerInfoEntry"]


@pytest.mark.parametrize(("customer_class", "severity", "hours"), [
    ("standard", "critical", 4), ("key", "critical", 2), ("strategic", "high", 12), ("standard", "high", 24),
    ("key", "low", 120), ("watch", "medium", 72),
])
def test_the_complaint_sla_follows_severity_and_customer_class(crm, desk, customer_class, severity, hours):
    set_class(crm, ENERGY, customer_class)
    d = desk(crm.start("complaint_handling", business_key="C-9", actor="sam"))
    d.complete("Task_RegisterComplaint", "sam", customer_id=ENERGY, product="Turbine T-9", description="noise")
    d.complete("Task_ClassifyComplaint", "sam", severity=severity, product="Turbine T-9")
    [decision] = decided(d, "complaint_sla")
    assert decision["inputs"] == {"Severity": severity, "Customer class": customer_class}
    assert decision["outputs"] == {"sla_hours": hours}
    with crm.store.read() as session:
        opened = session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert round((opened.sla_due_at - opened.created_at).total_seconds() / 3600) == hours
    [sla] = [e.data["service"] for e in d.events("element_completed") if e.element_id == "Service_SetSla"]
    assert (sla["inputs"]["hours"], sla["result"]["duration"]) == (hours, f"PT{hours}H")  # the breach timer's


def test_orders_of_the_customer_record_its_class(crm, desk):
    set_class(crm, ENERGY, "key")
    d = start_priced(crm, desk, ENERGY, 10_000)
    with crm.store.read() as session:
        assert session.scalars(select(Order.status).order_by(Order.id.desc())).first() == "released"
    assert decided(d, "credit_block_threshold")[0]["rules"] == [2]
