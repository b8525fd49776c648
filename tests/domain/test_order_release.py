"""Order release: the seeds' control points — quote price, credit usage (block and override), prepayment."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.records import Customer, Notification, Order
from engine import Engine, Forbidden, InvalidData, NotFound, Worker
from engine.store.tables import OutboxMessage

PRECISION, FRESH_RETAIL, ENERGY = 1, 2, 3  # demo customers: 85% credit used, prepayment terms, healthy


def order(crm: Engine, instance_id: str) -> Order:
    with crm.store.read() as session:
        return session.scalars(select(Order).order_by(Order.id.desc())).first()


def fired(d, control_point: str) -> list:
    return [e for e in d.events("control_point_triggered") if e.data["control_point"] == control_point]


def start_priced(crm: Engine, desk, customer_id: int, amount: int, actor: str = "alice"):
    """An order without a quote: a sales manager (carol) approves its price as an exception first."""
    d = desk(crm.start("order_release", {"customer_id": customer_id, "amount": amount}, actor=actor))
    d.complete("Task_PriceException", "carol", price_exception_approved=True,
               price_exception_reason="list price for a repeat order")
    return d


def test_a_healthy_customer_s_order_is_released_and_sent_to_the_erp(crm, desk):
    d = start_priced(crm, desk, ENERGY, 50000)
    instance = crm.instance(d.instance_id)
    assert d.status == "completed"
    assert order(crm, instance.id).status == "released"
    assert [e.data["control_point"] for e in d.events("control_point_triggered")] == ["approved_quote_price"]
    [changed] = d.events("credit_used_changed")
    assert (changed.data["from"], changed.data["to"]) == (200000, 250000)
    assert changed.data["customer"].startswith("Beijing Energy Group")
    with crm.store.read() as session:
        assert session.get(Customer, ENERGY).credit_used == 250000
        topics = session.scalars(select(OutboxMessage.topic).where(OutboxMessage.instance_id == instance.id)).all()
    assert topics.count("erp.release_order") == 1  # besides the price-exception alert and task notices


def test_credit_usage_at_90_percent_blocks_the_order_and_alerts_the_salesperson(crm, desk):
    d = start_priced(crm, desk, PRECISION, 50000)
    instance = crm.instance(d.instance_id)
    evidence = fired(d, "credit_usage")[0].data
    assert (evidence["usage"], evidence["threshold"], evidence["action"]) == (0.9, 0.9, "block")
    assert d.task("Task_CreditOverride").assignee == "carol"
    with crm.store.read() as session:
        alerts = session.scalars(select(Notification).where(Notification.username == "alice",
                                                            Notification.kind == "alert")).all()
    credit_alert = [a for a in alerts if "Credit usage" in a.title]
    assert len(credit_alert) == 1 and credit_alert[0].instance_id == instance.id
    assert credit_alert[0].body.startswith(evidence["customer"])  # the alert names the customer, not its id
    body = credit_alert[0].body  # in the business's words: percentages and amounts, no field names
    assert "credit usage would be 90 % of the limit (the control blocks from 90 %)" in body and "50,000.00" in body
    assert "usage=" not in body and "使用率将达 90 %" in body
    d.complete("Task_CreditOverride", "carol", override_approved=False, override_reason="pay the open invoices first")
    assert d.status == "completed"
    held = order(crm, instance.id)
    assert held.status == "held" and "credit usage 0.9" in held.hold_reason


def test_a_manager_override_releases_a_blocked_order_and_is_recorded(crm, desk):
    d = start_priced(crm, desk, PRECISION, 100000)
    instance = crm.instance(d.instance_id)
    d.complete("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic customer, CFO ok")
    [override] = [e for e in d.events("control_point_overridden") if e.data["control_point"] == "credit_usage"]
    assert (override.actor, override.data["reason"]) == ("carol", "strategic customer, CFO ok")
    assert order(crm, instance.id).status == "released"


def test_below_the_threshold_nothing_fires(crm, desk):
    d = start_priced(crm, desk, PRECISION, 40000)
    instance = crm.instance(d.instance_id)
    assert fired(d, "credit_usage") == []
    assert order(crm, instance.id).status == "released"


def test_a_prepayment_order_waits_for_the_payment_message_from_finance(crm, desk):
    d = start_priced(crm, desk, FRESH_RETAIL, 30000, actor="bob")
    instance = crm.instance(d.instance_id)
    assert d.waiting_at() == [] and d.status == "waiting" and order(crm, instance.id).status == "pending"
    assert fired(d, "prepayment")
    where = {"instance_id": instance.id}
    first = crm.deliver_message("payment_received", "ICBC-001", correlation=where, actor="erp",
                                data={"payment_amount": 10000, "payment_reference": "ICBC-001"})
    assert (first["element_id"], first["duplicate"], first["status"]) == ("Task_AwaitPayment", False, "waiting")
    again = crm.deliver_message("payment_received", "ICBC-001", correlation=where, actor="erp",
                                data={"payment_amount": 10000, "payment_reference": "ICBC-001"})
    assert again["duplicate"] is True and again["instance_id"] == instance.id
    assert len(d.events("message_received")) == 1  # the duplicate advanced nothing
    assert order(crm, instance.id).status == "pending"  # 10k of 30k: waits for the rest
    with pytest.raises(InvalidData) as refused:
        crm.deliver_message("payment_received", "ICBC-002", correlation=where, actor="erp",
                            data={"payment_amount": -5, "payment_reference": "ICBC-002"})
    assert [f.field for f in refused.value.fields] == ["payment_amount"]
    crm.deliver_message("payment_received", "ICBC-002", correlation=where, actor="erp",
                        data={"payment_amount": 20000, "payment_reference": "ICBC-002"})
    assert d.status == "completed" and order(crm, instance.id).status == "released"
    assert [e.data["message_id"] for e in d.events("message_received")] == ["ICBC-001", "ICBC-002"]


def test_without_a_payment_message_finance_registers_it_after_three_days(crm, desk, clock):
    d = start_priced(crm, desk, FRESH_RETAIL, 30000, actor="bob")
    clock.advance(days=3, minutes=1)
    assert Worker(crm.context).run_once() == 1
    assert d.waiting_at() == ["Task_RegisterPrepayment"]
    with pytest.raises(NotFound, match="payment_received"):  # nobody waits for the message any more
        crm.deliver_message("payment_received", "LATE-1", correlation={"instance_id": d.instance_id},
                            data={"payment_amount": 30000, "payment_reference": "LATE-1"})
    d.complete("Task_RegisterPrepayment", "frank", payment_amount=30000, payment_reference="ICBC-001")
    assert d.status == "completed" and order(crm, d.instance_id).status == "released"


def test_an_order_price_must_match_the_approved_quote_revision(crm, desk):
    changed = crm.start("order_release", {"customer_id": ENERGY, "amount": 120000, "quote_id": 1}, actor="alice")
    d = desk(changed)
    evidence = fired(d, "approved_quote_price")[0].data
    assert (evidence["approved_price"], evidence["approved_revision"], evidence["approved_by"]) == (110000, 2, "carol")
    assert d.waiting_at() == ["Task_PriceException"] and order(crm, changed.id).status == "pending"
    d.complete("Task_PriceException", "carol", price_exception_approved=False, price_exception_reason="quote says 110k")
    assert order(crm, changed.id).status == "held"
    approved = crm.start("order_release", {"customer_id": ENERGY, "amount": 110000, "quote_id": 1}, actor="alice")
    assert order(crm, approved.id).status == "released"


def test_an_order_without_a_quote_waits_for_a_price_exception_that_its_requester_cannot_give(crm, desk):
    d = desk(crm.start("order_release", {"customer_id": ENERGY, "amount": 80000}, actor="carol"))
    assert fired(d, "approved_quote_price")[0].data["approved_price"] is None
    task = d.task("Task_PriceException")
    assert task.assignee is None and "four eyes" in task.assignment_reason
    with pytest.raises(Forbidden, match="four eyes"):
        crm.claim(task.id, "carol", ["sales_manager"])
    assert order(crm, d.instance_id).status == "pending"


def test_a_price_exception_records_who_approved_which_price_and_why(crm, desk):
    d = start_priced(crm, desk, ENERGY, 80000)
    [exception] = [e for e in d.events("control_point_overridden") if e.data["control_point"] == "approved_quote_price"]
    assert (exception.actor, exception.data["approved_price"], exception.data["reason"]) == (
        "carol", 80000, "list price for a repeat order")


def test_a_large_override_needs_a_second_approver_other_than_the_first(crm, desk):
    d = start_priced(crm, desk, PRECISION, 600000)
    d.complete("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic customer")
    assert d.waiting_at() == ["Task_SecondOverrideApproval"] and order(crm, d.instance_id).status == "pending"
    second = d.task("Task_SecondOverrideApproval")
    assert "carol" in second.excluded and "alice" in second.excluded
    d.complete("Task_SecondOverrideApproval", "george", second_override_approved=True,
               second_override_reason="agreed with the CFO")
    assert order(crm, d.instance_id).status == "released"


def test_the_requester_cannot_override_the_credit_block_on_their_own_order(crm, desk):
    d = desk(crm.start("order_release", {"customer_id": PRECISION, "amount": 100000, "quote_id": None}, actor="carol"))
    with pytest.raises(Forbidden, match="four eyes"):
        crm.claim(d.task("Task_PriceException").id, "carol", ["sales_manager"])
