"""Order release: the seeds' control points — quote price, credit usage (block and override), prepayment."""
from __future__ import annotations

from sqlalchemy import select

from domain.records import Customer, Notification, Order
from engine import Engine
from engine.store.tables import OutboxMessage

PRECISION, FRESH_RETAIL, ENERGY = 1, 2, 3  # demo customers: 85% credit used, prepayment terms, healthy


def order(crm: Engine, instance_id: str) -> Order:
    with crm.store.read() as session:
        return session.scalars(select(Order).order_by(Order.id.desc())).first()


def fired(d, control_point: str) -> list:
    return [e for e in d.events("control_point_triggered") if e.data["control_point"] == control_point]


def test_a_healthy_customer_s_order_is_released_and_sent_to_the_erp(crm, desk):
    instance = crm.start("order_release", {"customer_id": ENERGY, "amount": 50000, "quote_id": None}, actor="alice")
    d = desk(instance)
    assert d.status == "completed"
    assert order(crm, instance.id).status == "released"
    assert d.events("control_point_triggered") == []
    with crm.store.read() as session:
        assert session.get(Customer, ENERGY).credit_used == 250000
        assert session.scalars(select(OutboxMessage.topic).where(OutboxMessage.instance_id == instance.id)).all() \
            == ["erp.release_order"]


def test_credit_usage_at_90_percent_blocks_the_order_and_alerts_the_salesperson(crm, desk):
    instance = crm.start("order_release", {"customer_id": PRECISION, "amount": 50000, "quote_id": None}, actor="alice")
    d = desk(instance)
    evidence = fired(d, "credit_usage")[0].data
    assert (evidence["usage"], evidence["threshold"], evidence["action"]) == (0.9, 0.9, "block")
    assert d.task("Task_CreditOverride").assignee == "carol"
    with crm.store.read() as session:
        alerts = session.scalars(select(Notification).where(Notification.username == "alice",
                                                            Notification.kind == "alert")).all()
    assert len(alerts) == 1 and alerts[0].instance_id == instance.id
    d.complete("Task_CreditOverride", "carol", override_approved=False, override_reason="pay the open invoices first")
    assert d.status == "completed"
    held = order(crm, instance.id)
    assert held.status == "held" and "credit usage 0.9" in held.hold_reason


def test_a_manager_override_releases_a_blocked_order_and_is_recorded(crm, desk):
    instance = crm.start("order_release", {"customer_id": PRECISION, "amount": 100000, "quote_id": None}, actor="alice")
    d = desk(instance)
    d.complete("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic customer, CFO ok")
    override = d.events("control_point_overridden")[0]
    assert (override.actor, override.data["reason"]) == ("carol", "strategic customer, CFO ok")
    assert order(crm, instance.id).status == "released"


def test_below_the_threshold_nothing_fires(crm, desk):
    instance = crm.start("order_release", {"customer_id": PRECISION, "amount": 40000, "quote_id": None}, actor="alice")
    assert fired(desk(instance), "credit_usage") == []
    assert order(crm, instance.id).status == "released"


def test_a_prepayment_customer_waits_until_the_full_amount_has_arrived(crm, desk):
    instance = crm.start("order_release", {"customer_id": FRESH_RETAIL, "amount": 30000, "quote_id": None}, actor="bob")
    d = desk(instance)
    assert d.waiting_at() == ["Task_RegisterPrepayment"] and order(crm, instance.id).status == "pending"
    assert fired(d, "prepayment")
    d.complete("Task_RegisterPrepayment", "frank", payment_amount=10000, payment_reference="ICBC-001")
    assert d.waiting_at() == ["Task_RegisterPrepayment"]  # 10k of 30k: still waiting
    d.complete("Task_RegisterPrepayment", "frank", payment_amount=20000, payment_reference="ICBC-002")
    assert d.status == "completed" and order(crm, instance.id).status == "released"


def test_an_order_price_must_match_the_approved_quote_revision(crm, desk):
    changed = crm.start("order_release", {"customer_id": ENERGY, "amount": 120000, "quote_id": 1}, actor="alice")
    d = desk(changed)
    evidence = fired(d, "approved_quote_price")[0].data
    assert (evidence["approved_price"], evidence["approved_revision"], evidence["approved_by"]) == (110000, 2, "carol")
    assert order(crm, changed.id).status == "held"
    approved = crm.start("order_release", {"customer_id": ENERGY, "amount": 110000, "quote_id": 1}, actor="alice")
    assert order(crm, approved.id).status == "released"
