"""The inbox over HTTP (/api/notifications, /api/history): alerts to read, history by business key."""
from __future__ import annotations

from .test_tasks import start_to_finance


def test_control_point_alerts_land_in_the_inbox_and_can_be_read(as_user):
    as_user("alice").post("/api/processes/order_release/instances",
                          json={"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}})
    alerts = as_user("alice").get("/api/notifications?unread=true").get_json()
    assert alerts[0]["kind"] == "alert" and "信用" in alerts[0]["title"]
    assert as_user("alice").post(f"/api/notifications/{alerts[0]['id']}/read").status_code == 200
    assert as_user("alice").get("/api/notifications?unread=true").get_json() == []
    assert as_user("bob").post(f"/api/notifications/{alerts[0]['id']}/read").status_code == 404


def test_history_by_business_key_spans_the_instances(as_user):
    start_to_finance(as_user)
    events = as_user("root").get("/api/history?business_key=NC-77").get_json()
    assert events[0]["type"] == "instance_started" and "task_completed" in [e["type"] for e in events]
