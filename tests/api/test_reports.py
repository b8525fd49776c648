"""Reports over HTTP, built from what processes did: funnel, pipeline, stalled work, control points, deviations."""
from __future__ import annotations

from domain.reports import REPORTS
from tests.domain.conftest import Desk
from tests.domain.test_lead_to_opportunity import COLD, HOT, LEAD

PRECISION = 1  # demo customer at 85% credit usage


def report(as_user, key: str):
    response = as_user("carol").get(f"/api/reports/{key}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["rows"]


def test_reports_follow_what_the_processes_did(app, engine, as_user, clock):
    hot = Desk(engine, engine.start("lead_to_opportunity", LEAD, "L-HOT", "marketing").id)
    hot.complete("Task_QualifyLead", "alice", **HOT)
    cold = Desk(engine, engine.start("lead_to_opportunity", {**LEAD, "company": "Cold Co", "source": "cold_call",
                                                      "email": "buy@cold.example", "phone": "+86 10 1111"},
                                     "L-COLD", "marketing").id)
    cold.complete("Task_QualifyLead", "alice", **COLD)
    cold.complete("Task_DisqualifyLead", "alice", reason="no budget", nurture=False)
    order = Desk(engine, engine.start("order_release", {"customer_id": PRECISION, "amount": 100000,
                                                        "quote_id": 2}, "SO-1", "alice").id)
    order.complete("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic customer")
    waiting = engine.start("customer_approval", {}, "CA-LATE", "alice")
    clock.advance(days=2)

    funnel = {row["source"]: row for row in report(as_user, "lead_funnel")}
    assert (funnel["referral"]["captured"], funnel["referral"]["converted"]) == (1, 1)
    assert (funnel["cold_call"]["captured"], funnel["cold_call"]["disqualified"]) == (1, 1)
    pipeline = report(as_user, "pipeline")
    assert pipeline["stages"] == [{"stage": "qualification", "count": 1, "amount": 250000.0, "weighted": 25000.0}]
    assert [s["element_id"] for s in report(as_user, "lead_lifecycle") if s["completed"]] \
        >= ["Task_QualifyLead"]
    stalled = report(as_user, "stalled")
    assert [(s["instance_id"], s["element_id"]) for s in stalled] == [(waiting.id, "Task_CustomerInfoEntry")]
    assert stalled[0]["overdue_hours"] == 24.0
    sales = next(g for g in report(as_user, "workload") if g["group"] == "sales")
    assert (sales["open"], sales["overdue"], sales["by_user"]) == (2, 1, {"alice": 2})
    points = report(as_user, "control_points")["counts"]
    assert points == [{"control_point": "credit_usage", "action": "block", "count": 1, "overridden": 1}]
    kinds = {(d["process_key"], d["kind"]): d["count"] for d in report(as_user, "deviations")["counts"]}
    assert kinds == {("order_release", "overridden"): 1}


def test_staff_may_not_read_reports_and_unknown_reports_are_404(app, as_user):
    assert as_user("alice").get("/api/reports/lead_funnel").status_code == 403
    response = as_user("carol").get("/api/reports/nothing")
    assert response.status_code == 404 and "lead_funnel" in response.get_json()["error"]["message"]


def test_every_registered_report_is_served_listed_and_documented(as_user):
    listed = {r["key"] for r in as_user("carol").get("/api/reports").get_json()}
    documented = as_user("carol").get("/api/openapi.json").get_json()["paths"]["/api/reports/{key}"]["get"]
    assert listed == set(REPORTS) and all(key in documented["summary"] for key in REPORTS)
    for key in REPORTS:
        assert as_user("carol").get(f"/api/reports/{key}").status_code == 200
