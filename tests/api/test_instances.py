"""Cases over HTTP (/api/instances): who may read one, comments, the cockpit's search."""
from __future__ import annotations

import json

from designer_api.wiring import outbox_delivery

from .conftest import SECRET, prepaid_order


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


def test_a_case_is_read_only_by_those_with_a_part_in_it(as_user, engine):
    from tests.api.test_tasks import start_to_finance

    case = start_to_finance(as_user)  # alice started it; the payment-terms review waits for finance
    path = f"/api/instances/{case['id']}"
    for reader in ("alice", "frank", "root"):  # the starter, a member who may claim its task, an administrator
        assert as_user(reader).get(path).status_code == 200, reader
        assert as_user(reader).get(f"{path}/history").status_code == 200, reader
    for outsider in ("sam", "ann"):  # service staff, an analyst
        assert as_user(outsider).get(path).status_code == 403, outsider
        assert as_user(outsider).get(f"{path}/history").status_code == 403, outsider
        assert as_user(outsider).get("/api/history?business_key=NC-77").get_json() == []
    denials = [e for e in engine.history(case["id"]) if e.type == "access_denied"]
    assert {e.actor for e in denials} == {"sam", "ann"}
