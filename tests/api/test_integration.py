"""The systems around crmflow, over HTTP: messages in by business key, signed webhooks out to a real receiver."""
from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from designer_api.wiring import outbox_delivery

SECRET = "shared-secret-of-the-erp"
PAYMENT = {"payment_amount": 30000, "payment_reference": "ICBC-7"}


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that answers with the statuses it is told, in turn, and keeps what it got."""

    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.received.append((dict(self.headers), body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    Receiver.answers, Receiver.received = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver
    server.shutdown()


def prepaid_order(api, business_key: str) -> str:
    """An order of the prepayment customer that waits for its payment."""
    started = api("bob").post("/api/processes/order_release/instances", json={
        "data": {"customer_id": 2, "amount": 30000, "quote_id": 3}, "business_key": business_key})
    assert started.status_code == 201, started.json
    assert started.json["status"] == "waiting"
    return started.json["id"]


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


def test_comments_are_append_only_history_that_readers_of_the_case_may_add(as_user, engine, receiver):
    url, got = receiver
    as_user("root").post("/api/webhooks", json={"url": url, "events": ["comment_added"], "secret": SECRET})
    case = prepaid_order(as_user, "SO-7005")
    added = as_user("bob").post(f"/api/instances/{case}/comments", json={"text": "customer promised to pay Friday"})
    assert added.status_code == 201 and added.json["type"] == "comment_added" and added.json["actor"] == "bob"
    assert as_user("bob").post(f"/api/instances/{case}/comments", json={"text": "   "}).status_code == 422
    assert as_user("sam").post(f"/api/instances/{case}/comments", json={"text": "hi"}).status_code == 403
    history = as_user("root").get(f"/api/instances/{case}/history").json
    assert [e["data"]["text"] for e in history if e["type"] == "comment_added"] == ["customer promised to pay Friday"]
    outbox_delivery(engine)()  # subscribers outside hear of it, as of any other history event
    [(headers, body)] = got.received
    sent = json.loads(body)
    assert (headers["X-Crmflow-Event"], sent["business_key"], sent["actor"], sent["data"]) == (
        "comment_added", "SO-7005", "bob", {"text": "customer promised to pay Friday"})


def test_the_cockpit_finds_cases_by_customer_prefix_step_and_data_a_page_at_a_time(as_user):
    for number in range(3):
        prepaid_order(as_user, f"SO-80{number}")
    other = as_user("alice").post("/api/processes/order_release/instances", json={
        "data": {"customer_id": 3, "amount": 1000, "quote_id": 1}, "business_key": "XO-1"})
    assert other.status_code == 201
    root = as_user("root")
    first = root.get("/api/instances?customer_id=2&per_page=2").json
    assert (first["total"], len(first["items"]), first["page"]) == (3, 2, 1)
    second = root.get("/api/instances?customer_id=2&per_page=2&page=2").json
    assert len(second["items"]) == 1
    assert {i["business_key"] for i in first["items"] + second["items"]} == {"SO-800", "SO-801", "SO-802"}
    assert root.get("/api/instances?business_key=SO-8&step=Task_AwaitPayment").json["total"] == 0  # a receive task
    assert root.get("/api/instances?business_key=SO-80&status=waiting").json["total"] == 3
    assert root.get("/api/instances?field=amount&value=30,000").json["total"] == 3
    assert root.get("/api/instances?field=amount&value=abc").json["total"] == 0
    assert root.get("/api/instances?business_key=%25").json["total"] == 0  # a % is a character, not a wildcard
    assert root.get("/api/instances?incident=true").json["total"] == 0
    assert root.get("/api/instances?field=amount").status_code == 422
    assert as_user("carol").get("/api/instances").status_code == 200  # managers read
    assert as_user("alice").get("/api/instances").status_code == 403


def test_administrators_create_change_and_deactivate_users(as_user):
    root = as_user("root")
    created = root.post("/api/users", json={"username": "dora", "display_name": "Dora Ma 马朵", "roles": ["staff"],
                                            "groups": ["sales"], "region": "north"})
    assert created.status_code == 201 and created.json["groups"] == ["sales"]
    assert root.post("/api/users", json={"username": "dora"}).status_code == 409
    bad = root.post("/api/users", json={"username": "eve", "roles": ["god"], "groups": ["nope"], "region": "mars"})
    assert bad.status_code == 422 and {d["field"] for d in bad.json["error"]["details"]} == {"roles", "groups", "region"}
    moved = root.patch("/api/users/dora", json={"groups": ["finance"], "region": "east"})
    assert (moved.json["groups"], moved.json["region"]) == (["finance"], "east")
    assert root.patch("/api/users/alice", json={"active": False}).json["active"] is False
    assert as_user("alice").get("/api/tasks").status_code == 401  # her token stops working at once
    assert {u["username"] for u in root.get("/api/users").json} >= {"dora", "alice", "erp"}
    assert root.patch("/api/users/nobody", json={"active": False}).status_code == 404
    assert as_user("bob").get("/api/users").status_code == 403


def test_an_administrator_cannot_lock_themselves_out_and_null_leaves_a_field_alone(as_user):
    root = as_user("root")
    assert root.patch("/api/users/root", json={"active": False}).status_code == 409
    assert root.patch("/api/users/root", json={"roles": ["staff"]}).status_code == 409
    kept = root.patch("/api/users/bob", json={"display_name": None, "roles": None, "region": "east"})
    assert kept.status_code == 200 and kept.json["display_name"].startswith("Bob") and kept.json["region"] == "east"
    assert root.patch("/api/users/bob", json={"region": ""}).json["region"] is None
    assert root.patch("/api/users/bob").status_code == 400
    assert root.patch("/api/users/bob", data="null", headers={"Content-Type": "application/json"}).status_code in (
        400, 422)
