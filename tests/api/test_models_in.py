"""Models from other tools over HTTP: what they leave unsaid is read the way their engines read it."""
from __future__ import annotations

from tests.engine.test_intake_models import NOBODY

XML = {"Content-Type": "application/xml"}


def test_administrators_see_claim_and_complete_a_task_nobody_is_named_for(as_user):
    root, bob = as_user("root"), as_user("bob")
    assert root.post("/api/processes", data=NOBODY, headers=XML).status_code == 201
    case = bob.post("/api/processes/vendor/instances", json={"data": {}}).json
    assert [t for t in bob.get("/api/tasks").json if t["instance_id"] == case["id"]] == []
    [task] = [t for t in root.get("/api/tasks").json if t["instance_id"] == case["id"]]
    assert task["candidate_group"] is None and task["assignee"] is None
    refused = bob.post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
    assert refused.status_code == 403 and "administrators' queue" in refused.json["error"]["message"]
    done = root.post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.json
    assert root.get(f"/api/instances/{case['id']}").json["status"] == "completed"
