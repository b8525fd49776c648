"""API conventions: one error shape, the right statuses, size limits, and a complete OpenAPI document."""
from __future__ import annotations

import re


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert "Traceback" not in response.get_data(as_text=True)
    return body["error"]


def test_unknown_ids_are_404_with_the_error_shape(as_user):
    root = as_user("root")
    assert error_of(root.get("/api/instances/nope"), 404)["code"] == "not_found"
    assert error_of(root.get("/api/processes/nope/versions"), 404)["message"] == "process 'nope' is not deployed"
    assert error_of(root.get("/api/no/such/route"), 404)["code"] == "not_found"


def test_invalid_form_data_is_422_naming_the_field(as_user):
    alice = as_user("alice")
    alice.post("/api/processes/customer_approval/instances", json={})
    task = alice.get("/api/tasks").get_json()[0]
    error = error_of(alice.post(f"/api/tasks/{task['id']}/complete", json={"data": {"credit_limit": 1}}), 422)
    assert "credit_limit" in [d["field"] for d in error["details"]]


def test_an_error_s_words_follow_accept_language_and_its_code_never_changes(as_user):
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    refused = as_user(None).get("/api/tasks", headers=chinese)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized" and "令牌" in refused.get_json()["error"]["message"]
    assert "Bearer" in as_user(None).get("/api/tasks").get_json()["error"]["message"]  # English by default
    alice = as_user("alice")
    alice.post("/api/processes/customer_approval/instances", json={})
    task = alice.get("/api/tasks").get_json()[0]
    error = error_of(alice.post(f"/api/tasks/{task['id']}/complete", json={"data": {"region": "east"}},
                                headers=chinese), 422)
    required = next(d for d in error["details"] if d["field"] == "customer_name")
    assert required["message"] == "为必填项" and error["code"] == "invalid_data"


def test_completing_twice_is_a_409(as_user):
    sam = as_user("sam")
    sam.post("/api/processes/complaint_handling/instances", json={})
    task = sam.get("/api/tasks").get_json()[0]
    data = {"customer_id": 1, "product": "X", "description": "broken again"}
    assert sam.post(f"/api/tasks/{task['id']}/complete", json={"data": data}).status_code == 200
    assert error_of(sam.post(f"/api/tasks/{task['id']}/complete", json={"data": data}), 409)["code"] == "conflict"


def test_malformed_json_is_400(as_user):
    response = as_user("alice").post("/api/processes/customer_approval/instances", data=b"{not json",
                                     headers={"Content-Type": "application/json"})
    assert error_of(response, 400)["code"] == "bad_request"


def test_a_model_over_the_size_cap_is_413_before_parsing(as_user):
    big = b"<" + b"x" * (3 * 1024 * 1024)
    assert error_of(as_user("root").post("/api/processes", data=big), 413)["code"] == "model_too_large"
    huge = b"x" * (5 * 1024 * 1024)
    assert error_of(as_user("root").post("/api/processes", data=huge), 413)["code"] == "request_entity_too_large"


def test_every_route_is_documented_in_openapi_and_nothing_else(app, as_user):
    paths = as_user(None).get("/api/openapi.json").get_json()["paths"]
    documented = {(path, method) for path, ops in paths.items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api_docs.") or not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_the_openapi_document_is_served_without_a_token(as_user):
    body = as_user(None).get("/api/openapi.json").get_json()
    assert body["openapi"].startswith("3.") and "/api/drafts/{draft_id}/simulation" in body["paths"]
