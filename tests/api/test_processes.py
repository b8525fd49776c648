"""Processes over HTTP (/api/processes): migrating their running cases. A dry run gives a verdict per
instance; refused instances are left exactly as they were."""
from __future__ import annotations

from engine.authoring.operations import apply_operations

INFO = dict(customer_name="Xiamen Tea 厦门茶业", region="south", industry="retail", requested_credit_limit=100000,
            payment_terms="net30", contact_name="Lin")


def test_an_instance_waiting_on_a_removed_task_is_refused_and_untouched(as_user, engine):
    alice, root = as_user("alice"), as_user("root")
    at_entry = alice.post("/api/processes/customer_approval/instances", json={"business_key": "A"}).get_json()
    at_review = alice.post("/api/processes/customer_approval/instances", json={"business_key": "B"}).get_json()
    task = next(t for t in alice.get("/api/tasks").get_json() if t["instance_id"] == at_review["id"])
    alice.post(f"/api/tasks/{task['id']}/complete", json={"data": INFO})
    before = root.get(f"/api/instances/{at_review['id']}").get_json()

    v1 = root.get("/api/processes/customer_approval/versions/1/bpmn").data
    v2 = apply_operations(v1, "customer_approval", [{"op": "remove_task", "element_id": "Task_PaymentTermsReview"},
                                                    {"op": "set_condition", "flow_id": "Flow_TermsRefused",
                                                     "condition": "False"}])  # nobody refuses terms any more
    assert root.post("/api/processes", data=v2, headers={"Content-Type": "application/xml"}).status_code == 201

    plan = root.post("/api/processes/customer_approval/migrations/plan",
                     json={"from_version": 1, "to_version": 2}).get_json()["instances"]
    verdicts = {p["business_key"]: p for p in plan}
    assert verdicts["A"]["verdict"] == "ok"
    assert verdicts["B"]["verdict"] == "refused" and "Payment terms review" in verdicts["B"]["reason"]
    assert root.get(f"/api/instances/{at_review['id']}").get_json() == before  # a dry run changes nothing

    outcome = root.post("/api/processes/customer_approval/migrations",
                        json={"from_version": 1, "to_version": 2}).get_json()["instances"]
    assert {o["business_key"]: o["migrated"] for o in outcome} == {"A": True, "B": False}
    assert root.get(f"/api/instances/{at_entry['id']}").get_json()["version"] == 2
    assert root.get(f"/api/instances/{at_review['id']}").get_json() == before
    history = root.get(f"/api/instances/{at_entry['id']}/history").get_json()
    assert history[-1]["type"] == "instance_migrated" and history[-1]["data"] == {"from_version": 1, "to_version": 2}

    # the migrated instance carries on under version 2, skipping the removed review
    task = next(t for t in alice.get("/api/tasks").get_json() if t["instance_id"] == at_entry["id"])
    alice.post(f"/api/tasks/{task['id']}/complete", json={"data": {**INFO, "customer_name": "Xiamen Tea 2"}})
    ready = [t["element_id"] for t in root.get("/api/tasks").get_json()]
    assert "Task_PaymentTermsReview" not in ready


def test_only_administrators_migrate(as_user):
    response = as_user("ann").post("/api/processes/customer_approval/migrations/plan",
                                   json={"from_version": 1, "to_version": 1})
    assert response.status_code == 403
