"""What a salesperson cutting corners tries over the API: odd numbers, duplicate cases, repeated clicks."""
from __future__ import annotations

import pytest

from tests.api.test_tasks import start_to_finance

ORDER = "/api/processes/order_release/instances"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_a_body_with_a_number_json_does_not_allow_is_refused_at_the_door(as_user, number):
    body = '{"data": {"customer_id": 3, "amount": ' + number + "}}"
    response = as_user("alice").post(ORDER, data=body, headers=JSON)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_a_second_open_case_with_the_same_business_key_is_409_naming_the_first(as_user):
    first = as_user("alice").post(ORDER, json={"data": {"customer_id": 1, "amount": 1000}, "business_key": "SO-77"})
    assert first.status_code == 201
    second = as_user("bob").post(ORDER, json={"data": {"customer_id": 1, "amount": 1000}, "business_key": "SO-77"})
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "duplicate_business_key" and error["details"][0]["instance_id"] == first.get_json()["id"]


def test_the_same_start_repeated_with_its_idempotency_key_returns_the_case_it_made(as_user):
    body = {"data": {"customer_id": 1, "amount": 1000}, "business_key": "SO-78"}
    headers = {"Idempotency-Key": "click-1"}
    first = as_user("alice").post(ORDER, json=body, headers=headers).get_json()
    again = as_user("alice").post(ORDER, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == first["id"]
    other = as_user("alice").post(ORDER, json=body, headers={"Idempotency-Key": "click-2"})
    assert other.status_code == 409


def test_a_start_without_business_key_repeated_with_its_idempotency_key_makes_one_case(as_user, engine):
    body = {"data": {"customer_id": 1, "amount": 1000}}
    first = as_user("alice").post(ORDER, json=body, headers={"Idempotency-Key": "retry-1"}).get_json()
    again = as_user("alice").post(ORDER, json=body, headers={"Idempotency-Key": "retry-1"})
    assert again.status_code == 201 and again.get_json()["id"] == first["id"]
    assert len(engine.instances(process_key="order_release")) == 1
    assert as_user("alice").post(ORDER, json=body, headers={"Idempotency-Key": "retry-2"}).get_json()["id"] != first["id"]


@pytest.mark.parametrize("key", [{"a": 1}, 5, "", "SO\n1", "x" * 200])
def test_a_business_key_that_is_not_short_text_is_422(as_user, key):
    response = as_user("alice").post(ORDER, json={"data": {"customer_id": 1, "amount": 10}, "business_key": key})
    assert response.status_code == 422 and response.get_json()["error"]["details"][0]["field"] == "business_key"


def test_claiming_ones_own_task_again_changes_nothing(as_user, engine):
    case = start_to_finance(as_user)
    task = as_user("frank").get("/api/tasks").get_json()[0]
    assert as_user("frank").post(f"/api/tasks/{task['id']}/claim").status_code == 200
    claimed = engine.instance(case["id"]).revision
    for _ in range(2):
        assert as_user("frank").post(f"/api/tasks/{task['id']}/claim").get_json()["assignee"] == "frank"
    assert [e.type for e in engine.history(case["id"])].count("task_claimed") == 1
    assert engine.instance(case["id"]).revision == claimed


@pytest.mark.parametrize("data,field", [
    ({"customer_id": 3, "amount": -5_000_000}, "amount"),
    ({"customer_id": 3, "amount": 0}, "amount"),
    ({"customer_id": 3, "amount": "1000"}, "amount"),
    ({"customer_id": 3, "amount": 10**12}, "amount"),
    ({"customer_id": 999_999, "amount": 1000}, "customer_id"),
    ({"customer_id": 3, "amount": 1000, "credit_used": 0}, "credit_used"),
    ({"customer_id": 1, "amount": 1000, "quote_id": 1}, "quote_id"),  # quote 1 is customer 3's
    ({"amount": 1000}, "customer_id"),
])
def test_an_order_start_with_data_the_start_form_refuses_is_422_and_starts_nothing(as_user, engine, data, field):
    response = as_user("alice").post(ORDER, json={"data": data})
    assert response.status_code == 422, response.get_json()
    assert field in [d["field"] for d in response.get_json()["error"]["details"]]
    assert engine.instances(process_key="order_release") == []


def test_every_shipped_process_serves_its_start_form(as_user):
    for key in ("order_release", "lead_to_opportunity", "customer_approval", "complaint_handling"):
        form = as_user("alice").get(f"/api/processes/{key}/start-form").get_json()
        assert form["form_key"] and form["schema"]["additionalProperties"] is False
    order = as_user("alice").get("/api/processes/order_release/start-form").get_json()["schema"]
    assert order["properties"]["amount"]["exclusiveMinimum"] == 0 and order["properties"]["amount"]["x-title-zh"]


def test_an_order_without_a_quote_is_not_released_without_a_price_exception(as_user, engine):
    case = as_user("alice").post(ORDER, json={"data": {"customer_id": 3, "amount": 1000, "quote_id": None}}).get_json()
    assert [t.element_id for t in engine.tasks(instance_id=case["id"])] == ["Task_PriceException"]
    assert case["status"] == "running" and case["ended_at"] is None


def test_the_requester_cannot_override_the_credit_block_on_their_own_order(as_user, engine):
    case = as_user("carol").post(ORDER, json={"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}}).get_json()
    [task] = engine.tasks(instance_id=case["id"])
    assert task.element_id == "Task_CreditOverride" and task.assignee is None  # not given to carol, who asked
    assert as_user("carol").post(f"/api/tasks/{task.id}/claim").status_code == 403
    refused = as_user("carol").post(f"/api/tasks/{task.id}/complete", json={"data": {
        "override_approved": True, "override_reason": "my own order"}})
    assert refused.status_code == 403 and "four eyes" in refused.get_json()["error"]["message"]
    assert as_user("maggie").post(f"/api/tasks/{task.id}/claim").status_code == 200
