"""The HTTP surface tried as an attacker would: malformed requests, delegation, tokens, headers."""
from __future__ import annotations

import pytest

ANN, ROOT = {"Authorization": "Bearer demo-ann"}, {"Authorization": "Bearer demo-root"}


@pytest.fixture
def draft(as_user):
    return as_user("ann").post("/api/processes/order_release/copy", json={"new_key": "order_release_b"}).get_json()


@pytest.mark.parametrize("method,path,body,field", [
    ("post", "/api/processes/order_release/copy", {"new_key": "or_a", "name": 5}, "name"),
    ("post", "/api/processes/order_release/copy", {"new_key": "or_b", "name": "a\x00b"}, "name"),
    ("post", "/api/processes/order_release/copy", {"new_key": "order_release\n"}, "new_key"),
    ("post", "/api/processes/order_release/copy", {"new_key": "Order-Release"}, "new_key"),
    ("post", "/api/processes/order_release/copy", {"new_key": None, "name": ""}, "name"),
    ("post", "/api/processes/order_release/migrations/plan", {}, "from_version"),
    ("post", "/api/processes/order_release/migrations", {"from_version": 1}, "to_version"),
    ("post", "/api/processes/order_release/migrations/plan", {"from_version": 1, "to_version": 1}, "to_version"),
    ("post", "/api/processes/order_release/migrations/plan",
     {"from_version": 1, "to_version": 2, "mapping": {"Task_X": 5}}, "mapping.Task_X"),
    ("get", "/api/tasks?offset=99999999999999999999999", None, "offset"),
    ("post", "/api/processes/order_release/instances", {"business_key": {"a": 1}}, "business_key"),
])
def test_malformed_requests_are_422_naming_the_field(as_user, method, path, body, field):
    user = "root" if "migrations" in path else "ann" if "copy" in path else "alice"
    response = getattr(as_user(user), method)(path, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in [d.get("field") for d in response.get_json()["error"]["details"]]


def test_draft_requests_with_odd_values_are_4xx(as_user, draft):
    ann = as_user("ann")
    ops = ann.post(f"/api/drafts/{draft['id']}/operations",
                   json={"operations": [{"op": "rename", "element_id": "Task_CreditOverride", "name": 5}]})
    assert ops.status_code == 422
    assert ann.post(f"/api/drafts/{draft['id']}/simulation", json={"data": [1, 2]}).status_code == 422
    diff = ann.get(f"/api/drafts/{draft['id']}/diff?against=order_release@99999999999999999999")
    assert diff.status_code == 422


def test_a_lone_surrogate_in_data_is_refused(as_user):
    response = as_user("alice").post("/api/processes/order_release/instances",
                                     data=b'{"data": {"customer_id": 1, "amount": 5, "note": "\\ud800"}}',
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_a_second_draft_cannot_take_a_new_key_another_draft_reserved(as_user, draft):
    again = as_user("ann").post("/api/processes/customer_approval/copy", json={"new_key": "order_release_b"})
    assert again.status_code == 409 and draft["id"] in again.get_json()["error"]["message"]


@pytest.mark.parametrize("to", ["no_such_user", "", 123, {"a": 1}, "sam"])
def test_delegation_goes_only_to_an_active_member_of_the_task_s_group(as_user, to):
    from tests.api.test_tasks import start_to_finance

    start_to_finance(as_user)
    task = as_user("frank").get("/api/tasks").get_json()[0]
    as_user("frank").post(f"/api/tasks/{task['id']}/claim")
    refused = as_user("frank").post(f"/api/tasks/{task['id']}/delegate", json={"to": to})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["field"] == "to"
    assert as_user("frank").post(f"/api/tasks/{task['id']}/delegate", json={"to": "fiona"}).status_code == 200


def test_every_response_carries_the_security_headers_and_no_store(as_user, app):
    for response in (as_user("alice").get("/api/tasks"), app.test_client().get("/login")):
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"] and "'unsafe-inline'" not in \
            headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"


def test_the_api_docs_page_serves_swagger_ui_from_the_package_without_a_token(app):
    client = app.test_client()
    page = client.get("/api/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)  # no inline script, even here
    assert client.get("/api/docs/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    copy = spec["paths"]["/api/processes/{key}/copy"]["post"]
    assert copy["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CopyIn")
    assert copy["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/DraftOut")
