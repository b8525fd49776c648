"""Tokens, roles and ownership: who may do what."""
from __future__ import annotations


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
