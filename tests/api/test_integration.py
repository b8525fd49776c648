"""The systems around crmflow, over HTTP: messages in by business key, signed webhooks out to a real receiver."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from designer_api.wiring import outbox_delivery

from .conftest import PAYMENT, SECRET, prepaid_order


def test_a_payment_message_completes_the_waiting_order_once(as_user):
    case = prepaid_order(as_user, "SO-7001")
    message = {"name": "payment_received", "business_key": "SO-7001", "message_id": "BANK-7001", "data": PAYMENT}
    first = as_user("erp").post("/api/messages", json=message)
    assert first.status_code == 200, first.json
    assert (first.json["instance_id"], first.json["status"], first.json["duplicate"]) == (case, "completed", False)
    again = as_user("erp").post("/api/messages", json=message)
    assert again.status_code == 200 and again.json["duplicate"] is True and again.json["instance_id"] == case
    history = as_user("root").get(f"/api/instances/{case}/history").json
    assert [e["type"] for e in history].count("message_received") == 1
    reused = as_user("erp").post("/api/messages", json={**message, "business_key": "SO-9999"})
    assert reused.status_code == 409 and "own id" in reused.json["error"]["message"]


def test_a_message_nobody_waits_for_is_404_naming_it_and_bad_data_is_422(as_user):
    unknown = as_user("erp").post("/api/messages", json={"name": "payment_received", "business_key": "SO-NONE",
                                                         "message_id": "X-1", "data": PAYMENT})
    assert unknown.status_code == 404
    assert "SO-NONE" in unknown.json["error"]["message"] and "payment_received" in unknown.json["error"]["message"]
    prepaid_order(as_user, "SO-7002")
    bad = as_user("erp").post("/api/messages", json={"name": "payment_received", "business_key": "SO-7002",
                                                     "message_id": "X-2", "data": {"payment_amount": "lots"}})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json["error"]["details"]} >= {"payment_amount", "payment_reference"}
    retry = as_user("erp").post("/api/messages", json={"name": "payment_received", "business_key": "SO-7002",
                                                       "message_id": "X-2", "data": PAYMENT})
    assert retry.status_code == 200 and retry.json["duplicate"] is False  # the refused one took nothing


def test_only_integration_systems_and_admins_send_messages(as_user):
    refused = as_user("alice").post("/api/messages", json={"name": "payment_received", "business_key": "SO-1",
                                                           "message_id": "A-1", "data": PAYMENT})
    assert refused.status_code == 403


def test_a_webhook_answered_500_once_is_retried_and_delivered_once_signed(as_user, engine, clock, receiver):
    url, got = receiver
    hook = as_user("root").post("/api/webhooks", json={"url": url, "events": ["instance_completed",
                                                                              "control_point_triggered"],
                                                       "secret": SECRET})
    assert hook.status_code == 201 and "secret" not in hook.json
    prepaid_order(as_user, "SO-7003")
    as_user("erp").post("/api/messages", json={"name": "payment_received", "business_key": "SO-7003",
                                               "message_id": "BANK-7003", "data": PAYMENT})
    deliver = outbox_delivery(engine)
    got.answers = [500]
    deliver()  # the first of two events fails: 500
    pending = as_user("root").get("/api/webhooks/deliveries?state=pending").json
    assert [d["attempts"] for d in pending] == [1] and "500" in pending[0]["last_error"]
    deliver()  # within the backoff: nothing new is tried
    clock.advance(seconds=3)
    deliver()
    assert len(got.received) == 2  # prepayment control point and the completed order, each once
    ids = [headers["X-Crmflow-Delivery"] for headers, _ in got.received]
    [failed] = pending
    listed = {d["delivery_id"] for d in as_user("root").get("/api/webhooks/deliveries").json}
    assert len(set(ids)) == 2 and set(ids) == listed and failed["delivery_id"] in ids  # retried with its id
    for headers, body in got.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Crmflow-Signature"] == expected
        event = json.loads(body)
        assert event["business_key"] == "SO-7003" and event["process_key"] == "order_release"
    assert {json.loads(b)["event"] for _, b in got.received} == {"instance_completed", "control_point_triggered"}
    assert {d["state"] for d in as_user("root").get("/api/webhooks/deliveries").json} == {"delivered"}


def test_a_delivery_given_up_is_a_dead_letter_that_can_be_redelivered(as_user, engine, clock, receiver):
    url, got = receiver
    as_user("root").post("/api/webhooks", json={"url": url, "events": ["instance_started"], "secret": SECRET})
    prepaid_order(as_user, "SO-7004")
    got.answers = [503] * 10
    deliver = outbox_delivery(engine)
    for _ in range(10):
        deliver()
        clock.advance(hours=2)
    [dead] = as_user("root").get("/api/webhooks/deliveries?state=dead").json
    assert dead["attempts"] == 10 and "503" in dead["last_error"] and got.received == []
    redone = as_user("root").post(f"/api/webhooks/deliveries/{dead['delivery_id']}/redeliver")
    assert redone.status_code == 200 and redone.json["state"] == "pending"
    deliver()
    [(headers, _)] = got.received
    assert headers["X-Crmflow-Delivery"] == dead["delivery_id"]


@pytest.mark.parametrize("body,field", [
    ({"url": "file:///etc/passwd", "events": ["instance_started"], "secret": SECRET}, "url"),
    ({"url": "ftp://erp.example.com/x", "events": ["instance_started"], "secret": SECRET}, "url"),
    ({"url": "https://erp.example.com/x", "events": ["no_such_event"], "secret": SECRET}, "events"),
])
def test_webhooks_take_only_http_urls_and_known_events(as_user, body, field):
    refused = as_user("root").post("/api/webhooks", json=body)
    assert refused.status_code == 422 and refused.json["error"]["details"][0]["field"] == field
    assert as_user("alice").post("/api/webhooks", json={**body, "url": "https://x.example"}).status_code == 403
