"""Pilots over HTTP: a next version tried in one region, compared with the current one, rolled out or ended."""
from __future__ import annotations

import csv
import io

import pytest

from tests.api.test_drafts import ok

EAST = {"customer_id": 1, "amount": 30000, "quote_id": None}  # Shanghai Precision Machinery, east
SOUTH = {"customer_id": 2, "amount": 30000, "quote_id": None}  # Guangzhou Fresh Retail, south


def next_version_draft(as_user) -> dict:
    draft = ok(as_user("ann").post("/api/processes/order_release/copy", json={}), 201)
    return ok(as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_parameter", "name": "credit_alert_threshold", "value": 0.95}]}))


def start(as_user, user: str, data: dict, key: str) -> dict:
    return ok(as_user(user).post("/api/processes/order_release/instances", json={"data": data, "business_key": key}),
              201)


def test_a_pilot_in_one_region_is_compared_rolled_out_and_ended(as_user):
    root = as_user("root")
    draft = next_version_draft(as_user)
    version = ok(root.post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"regions": ["east"]}}), 201)
    assert version["version"] == 2 and version["active"] is False  # not current: only the pilot starts on it
    east = start(as_user, "alice", EAST, "SO-P1")
    south = start(as_user, "bob", SOUTH, "SO-P2")
    assert (east["version"], south["version"]) == (2, 1)
    assert "piloted in region east" in east["version_reason"] and "is current" in south["version_reason"]
    [running] = ok(root.get("/api/processes/order_release/pilots"))
    assert (running["version"], running["regions"], running["started_by"]) == (2, ["east"], "root")

    compared = ok(as_user("carol").get("/api/processes/order_release/compare?a=1&b=2"))
    started = next(r for r in compared["rows"] if r["measure"] == "started")
    assert started["b"] == 1 and started["a"] >= 1 and compared["notes"]  # too few cases to judge, and it says so
    exported = as_user("carol").get("/api/processes/order_release/compare?a=1&b=2&format=csv&lang=zh")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["指标", "v1", "v2", "差异"] and rows[1][0] == "发起案件数"

    rolled = ok(root.post("/api/processes/order_release/pilot/rollout", json={}))
    assert (rolled["current_version"], rolled["previous_version"]) == (2, 1)
    assert rolled["migration"]["from_version"] == 1 and rolled["migration"]["cases"] >= 1
    assert start(as_user, "bob", SOUTH, "SO-P3")["version"] == 2  # everyone now
    assert ok(root.get(f"/api/instances/{south['id']}"))["version"] == 1  # a running case keeps its version

    # a pilot ended sends its region back to the current version
    draft = next_version_draft(as_user)
    draft = ok(as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_parameter", "name": "second_approval_above", "value": 600000}]}))
    assert ok(root.post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"regions": ["east"]}}), 201)[
        "version"] == 3
    assert start(as_user, "alice", EAST, "SO-P4")["version"] == 3
    ended = ok(root.post("/api/processes/order_release/pilot/end", json={}))
    assert ended["pilot"]["outcome"] == "ended" and ended["current_version"] == 2
    assert start(as_user, "alice", EAST, "SO-P5")["version"] == 2


def test_without_a_customer_the_starter_s_region_or_group_decides(as_user):
    root = as_user("root")
    draft = ok(as_user("ann").post("/api/processes/lead_to_opportunity/copy", json={}), 201)
    ok(as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_parameter", "name": "qualify_threshold", "value": 70}]}))
    ok(root.post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"groups": ["service"]}}), 201)
    lead = {"company": "Hangzhou Tea", "source": "web", "region": "east", "industry": "retail"}
    piloted = ok(as_user("sam").post("/api/processes/lead_to_opportunity/instances", json={"data": lead}), 201)
    other = ok(as_user("alice").post("/api/processes/lead_to_opportunity/instances", json={"data": lead}), 201)
    assert (piloted["version"], other["version"]) == (2, 1)
    assert "group service" in piloted["version_reason"]


@pytest.mark.parametrize("body, status, field", [
    ({"regions": ["mars"]}, 422, "regions"), ({"groups": ["nobody"]}, 422, "groups"), ({}, 422, "regions"),
    ({"regions": ["east"], "until": "2001-01-01"}, 422, "until"), ({"regions": ["east"], "until": "soon"}, 422, "until"),
])
def test_a_pilot_of_unknown_scope_is_422_naming_the_field(as_user, body, status, field):
    draft = next_version_draft(as_user)
    ok(as_user("root").post(f"/api/drafts/{draft['id']}/deploy"), 201)  # v2, current
    refused = as_user("root").post("/api/processes/order_release/versions/1/pilot", json=body)
    assert refused.status_code == status, refused.json
    assert field in {d.get("field") for d in refused.json["error"]["details"]}


def test_pilot_refusals_overlap_missing_version_current_version_and_roles(as_user):
    root = as_user("root")
    draft = next_version_draft(as_user)
    ok(root.post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"regions": ["east", "north"]}}), 201)
    overlap = root.post("/api/processes/order_release/versions/2/pilot", json={"regions": ["north"]})
    assert overlap.status_code == 409 and "north" in overlap.json["error"]["message"]
    assert root.post("/api/processes/order_release/versions/9/pilot", json={"regions": ["south"]}).status_code == 404
    current = root.post("/api/processes/order_release/versions/1/pilot", json={"regions": ["south"]})
    assert current.status_code == 409 and "already current" in current.json["error"]["message"]
    for user in ("alice", "ann"):
        assert as_user(user).post("/api/processes/order_release/versions/2/pilot",
                                  json={"regions": ["south"]}).status_code == 403
        assert as_user(user).post("/api/processes/order_release/pilot/end", json={}).status_code == 403
    assert as_user("alice").get("/api/processes/order_release/compare?a=1&b=2").status_code == 403


def test_an_analyst_proposes_the_pilot_on_the_draft(as_user):
    draft = next_version_draft(as_user)
    proposed = ok(as_user("ann").put(f"/api/drafts/{draft['id']}/pilot", json={"regions": ["east"]}))
    assert proposed["regions"] == ["east"] and proposed["proposed_by"] == "ann"
    assert ok(as_user("ann").get(f"/api/drafts/{draft['id']}"))["proposed_pilot"]["regions"] == ["east"]
    assert as_user("ann").post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"regions": ["east"]}}
                               ).status_code == 403


def test_a_new_process_cannot_start_as_a_pilot(as_user):
    draft = ok(as_user("ann").post("/api/processes/order_release/copy", json={"new_key": "order_release_vip"}), 201)
    refused = as_user("root").post(f"/api/drafts/{draft['id']}/deploy", json={"pilot": {"regions": ["east"]}})
    assert refused.status_code == 409 and "no current version" in refused.json["error"]["message"]
    assert [v for v in ok(as_user("root").get("/api/processes")) if v["process_key"] == "order_release_vip"] == []
