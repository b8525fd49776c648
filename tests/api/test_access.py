"""Tokens, roles and ownership: who may do what."""
from __future__ import annotations


def test_no_token_is_401_and_a_wrong_token_too(as_user):
    assert as_user(None).get("/api/processes").status_code == 401
    response = as_user("nobody").get("/api/processes")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert as_user(None).get("/api/health").status_code == 200


def test_an_analyst_cannot_deploy(as_user):
    draft = as_user("ann").post("/api/processes/order_release/copy", json={"new_key": "or_x"}).get_json()
    assert as_user("ann").post(f"/api/drafts/{draft['id']}/deploy").status_code == 403
    assert as_user("ann").post("/api/processes", data=b"<x/>").status_code == 403


def test_staff_cannot_copy_or_upload(as_user):
    alice = as_user("alice")
    assert alice.post("/api/processes/order_release/copy", json={"new_key": "or_y"}).status_code == 403
    draft = as_user("ann").post("/api/processes/order_release/copy", json={"new_key": "or_z"}).get_json()
    assert alice.put(f"/api/drafts/{draft['id']}/bpmn", data=b"<x/>").status_code == 403
    assert alice.get(f"/api/drafts/{draft['id']}").status_code == 403


def test_staff_cannot_complete_a_task_assigned_to_someone_else(as_user):
    instance = as_user("alice").post("/api/processes/customer_approval/instances", json={}).get_json()
    task = as_user("alice").get("/api/tasks").get_json()[0]
    assert task["instance_id"] == instance["id"] and task["assignee"] == "alice"
    response = as_user("bob").post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
    assert response.status_code == 403
    assert as_user("bob").get(f"/api/tasks/{task['id']}").status_code == 403
    assert as_user("alice").get(f"/api/tasks/{task['id']}").get_json()["state"] == "ready"


def test_whoami_reports_roles_and_groups(as_user):
    assert as_user("carol").get("/api/me").get_json() == {
        "username": "carol", "roles": ["manager", "staff"], "groups": ["sales", "sales_manager"]}


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
