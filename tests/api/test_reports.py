"""Reports over HTTP, built from what processes did: tables with columns, filters, drill-down, CSV, conformance."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from domain.records import Customer
from domain.reports import REPORTS
from engine import Worker
from tests.domain.conftest import Desk
from tests.domain.test_complaint_handling import REGISTER
from tests.domain.test_customer_approval import INFO
from tests.domain.test_lead_to_opportunity import COLD, HOT, LEAD

PRECISION = 1  # demo customer at 85% credit usage


def report(as_user, key: str, query: str = ""):
    response = as_user("carol").get(f"/api/reports/{key}{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["rows"]


def played(engine, clock) -> dict:
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
    return {"order": order, "waiting": waiting}


def test_reports_follow_what_the_processes_did(app, engine, as_user, clock):
    cases = played(engine, clock)
    sources = {row["source"]: row for row in report(as_user, "lead_sources")}
    assert (sources["referral"]["captured"], sources["referral"]["converted"]) == (1, 1)
    assert sources["referral"]["pipeline"] == 250000.0
    assert (sources["cold_call"]["captured"], sources["cold_call"]["disqualified"]) == (1, 1)
    assert report(as_user, "pipeline") == [{"stage": "qualification", "opportunities": 1, "amount": 250000.0,
                                            "weighted": 25000.0}]
    lifecycle = {row["status"]: row["leads"] for row in report(as_user, "lead_lifecycle")}
    assert (lifecycle["converted"], lifecycle["disqualified"]) == (1, 1)
    stalled = report(as_user, "stalled")
    assert [(s["step"], s["overdue"]) for s in stalled] == [("customer_approval:Task_CustomerInfoEntry", 1)]
    behind = report(as_user, "stalled", "?drill=customer_approval:Task_CustomerInfoEntry")
    assert [b["instance_id"] for b in behind] == [cases["waiting"].id]
    points = report(as_user, "control_points")
    assert points == [{"control_point": "credit_usage", "action": "block", "fired": 1, "overridden": 1}]
    fired = report(as_user, "control_points", "?drill=credit_usage")
    assert [f["business_key"] for f in fired] == ["SO-1"]
    customers = {row["region"]: row for row in report(as_user, "active_customers")}
    assert customers["east"]["at_or_above_90"] == 1 and customers["east"]["usage"] == 0.95


def test_a_filter_narrows_a_report_and_a_bad_one_is_named(app, engine, as_user, clock):
    played(engine, clock)
    assert {r["source"] for r in report(as_user, "lead_sources", "?source=referral")} == {"referral"}
    assert report(as_user, "lead_sources", "?since=2000-01-01&until=2000-12-31") == []
    assert {r["region"] for r in report(as_user, "active_customers", "?region=north")} == {"north"}
    refused = as_user("carol").get("/api/reports/lead_sources?since=yesterday")
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["field"] == "since"
    assert as_user("carol").get("/api/reports/lead_sources?format=pdf").status_code == 422
    for query in ("until=9999-12-31", "since=0001-01-01"):  # a period would run off the calendar
        for url in ("/api/reports/lead_sources?", "/api/reports/conformance?process_key=order_release&"):
            off = as_user("carol").get(url + query)
            assert off.status_code == 422 and off.get_json()["error"]["details"][0]["field"] == query.split("=")[0]


def test_csv_opens_in_excel_with_chinese_column_titles(app, engine, as_user, clock):
    played(engine, clock)
    response = as_user("carol").get("/api/reports/active_customers?format=csv&lang=zh")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["区域", "客户数", "信用额度"] and "华东" in {r[0] for r in rows[1:]}
    english = as_user("carol").get("/api/reports/active_customers?format=csv").data.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Region,Customers")


def test_csv_gives_amounts_as_numbers_local_times_and_drill_down_headers_in_the_readers_language(
        app, engine, as_user, clock, monkeypatch):
    monkeypatch.setenv("CRMFLOW_TIMEZONE", "Asia/Shanghai")
    cases = played(engine, clock)
    rows = list(csv.reader(io.StringIO(as_user("carol").get(
        "/api/reports/active_customers?format=csv").data.decode("utf-8-sig"))))
    east = next(r for r in rows if r[0] == "East")
    assert east[2] == "1000000.00" and east[4] == "0.95"  # a number a spreadsheet sums, not 1000000.0 or text
    rows = list(csv.reader(io.StringIO(as_user("carol").get(
        "/api/reports/control_points?format=csv&lang=zh&drill=credit_usage").data.decode("utf-8-sig"))))
    assert {"案件编号", "操作人", "时间"} <= set(rows[0])  # never business_key, actor, at
    when = rows[1][rows[0].index("时间")]
    fired = next(e for e in engine.history(cases["order"].instance_id) if e.type == "control_point_triggered")
    assert when == (fired.at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # Shanghai, to the minute
    english = as_user("carol").get("/api/reports/control_points?drill=credit_usage").get_json()
    assert {c["en"] for c in english["columns"]} >= {"Case", "By", "When"}


def test_conformance_lists_variants_steps_never_taken_and_departures(app, engine, as_user, clock):
    cases = played(engine, clock)
    body = as_user("carol").get("/api/reports/conformance?process_key=order_release").get_json()
    assert body["cases"] == 1 and body["variants"][0]["cases"] == 1 and body["variants"][0]["share"] == 1.0
    assert "Task_CreditOverride" in body["variants"][0]["elements"]
    assert "Task_PriceException" in {s["element_id"] for s in body["never_taken"]}
    [override] = [d for d in body["departures"] if d["kind"] == "overridden"]
    assert (override["actor"], override["instance_id"]) == ("carol", cases["order"].instance_id)
    missing = as_user("carol").get("/api/reports/conformance?process_key=nope")
    assert missing.status_code == 404
    assert as_user("carol").get("/api/reports/conformance").status_code == 422


def test_a_step_cases_wait_at_or_leave_by_its_timer_is_not_called_never_taken(app, engine, as_user, clock):
    played(engine, clock)
    engine.start("order_release", {"customer_id": 2, "amount": 30000, "quote_id": 3}, "SO-PREPAID", "bob")

    def never_taken() -> set[str]:
        body = as_user("carol").get("/api/reports/conformance?process_key=order_release").get_json()
        return {s["element_id"] for s in body["never_taken"]}

    assert "Task_AwaitPayment" not in never_taken()  # the prepayment order waits there now
    clock.advance(days=3, minutes=1)
    assert Worker(engine.context).run_once() == 1  # no payment message: it leaves by its 3-day timer
    assert "Task_AwaitPayment" not in never_taken() and "Task_SecondOverrideApproval" in never_taken()
    body = as_user("carol").get("/api/reports/conformance?process_key=order_release").get_json()
    [override] = [d for d in body["departures"] if d["kind"] == "overridden"]
    assert override["note"] == "strategic customer"  # why, in the words of whoever left the path
    assert body["by_person"] == [{"actor": "carol", "departures": 1, "kinds": {"overridden": 1}}]
    assert body["names"]["Task_AwaitPayment"].startswith("Wait for the payment")


def test_staff_may_not_read_reports_and_unknown_reports_are_404(app, as_user):
    assert as_user("alice").get("/api/reports/lead_sources").status_code == 403
    response = as_user("carol").get("/api/reports/nothing")
    assert response.status_code == 404 and "lead_sources" in response.get_json()["error"]["message"]


def test_every_registered_report_is_served_listed_and_documented(as_user):
    listed = {r["key"] for r in as_user("carol").get("/api/reports").get_json()}
    documented = as_user("carol").get("/api/openapi.json").get_json()["paths"]["/api/reports/{key}"]["get"]
    assert listed == set(REPORTS) and all(key in documented["summary"] for key in REPORTS)
    for key in REPORTS:
        assert as_user("carol").get(f"/api/reports/{key}").status_code == 200
        assert as_user("carol").get(f"/api/reports/{key}?format=csv").status_code == 200


def test_a_credit_limit_changed_outside_the_approval_process_is_a_departure(app, engine, as_user, clock):
    approval = Desk(engine, engine.start("customer_approval", business_key="NC-9", actor="alice").id)
    approval.complete("Task_CustomerInfoEntry", "alice", **INFO)
    approval.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
    approval.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=300000)
    approval.complete("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=2e6, sales_expense_budget=5e4,
                      expense_approved=True)

    def outside(url: str = "/api/reports/conformance?process_key=customer_approval") -> list[dict]:
        departures = as_user("carol").get(url).get_json()["departures"]
        return [d for d in departures if d["kind"] == "changed outside any process"]

    assert outside() == []  # approved limits and the demo customers' limits are where their approvals left them

    def raise_limit(uow):  # a salesperson raises it in the database: no case, no approval
        customer = uow.session.scalars(select(Customer).where(Customer.name == INFO["customer_name"])).one()
        customer.credit_limit = Decimal(900000)
    engine.execute(raise_limit, actor="alice")

    found = outside()
    assert len(found) == 1
    assert found[0]["actor"] == "alice"  # the customer's owner answers for it
    assert found[0]["instance_id"] == approval.instance_id  # the last approval, which set 300,000
    assert (found[0]["data"]["credit_limit"], found[0]["data"]["approved_credit_limit"]) == (900000, 300000)
    assert found[0]["data"]["approved_by"] == "carol"
    assert outside("/api/reports/conformance?process_key=order_release") == []  # not that process's record


def test_reports_of_records_over_time_read_the_last_90_days_unless_asked_for_more(app, engine, as_user, clock):
    played(engine, clock)
    clock.advance(days=100)
    fresh = Desk(engine, engine.start("lead_to_opportunity", {**LEAD, "company": "Fresh Co", "source": "web",
                                                             "email": "hi@fresh.example", "phone": "+86 10 2222"},
                                      "L-FRESH", "marketing").id)
    fresh.complete("Task_QualifyLead", "alice", **HOT)
    body = as_user("carol").get("/api/reports/lead_sources").get_json()
    assert {r["source"] for r in body["rows"]} == {"web"}  # the two leads of 100 days ago are out of the quarter
    assert body["since"] == (clock.now.date() - timedelta(days=90)).isoformat()
    assert {r["source"] for r in report(as_user, "lead_sources", "?since=2000-01-01")} == {"web", "referral",
                                                                                          "cold_call"}
    assert report(as_user, "control_points") == []  # the override was 100 days ago
    assert report(as_user, "control_points", "?since=2000-01-01")[0]["fired"] == 1
    # An open opportunity stays open however long ago it was opened: a period is no filter of the stalled ones.
    stalled = as_user("carol").get("/api/reports/stalled_opportunities?since=2100-01-01").get_json()
    assert sum(r["opportunities"] for r in stalled["rows"]) == 1 and stalled["since"] is None
    conformance = as_user("carol").get("/api/reports/conformance?process_key=order_release").get_json()
    assert conformance["cases"] == 0
    older = as_user("carol").get("/api/reports/conformance?process_key=order_release&since=2000-01-01").get_json()
    assert older["cases"] == 1 and older["since"] == "2000-01-01"


def test_a_complaint_closed_after_its_sla_is_a_breach_as_much_as_one_still_open(app, engine, as_user, clock):
    def complaint(key: str) -> Desk:
        desk = Desk(engine, engine.start("complaint_handling", business_key=key, actor="sam").id)
        desk.complete("Task_RegisterComplaint", "sam", **REGISTER)
        desk.complete("Task_ClassifyComplaint", "sam", severity="critical", product="CNC-500")  # 4 hours
        return desk

    def close(desk: Desk) -> None:
        desk.complete("Task_Investigate", "sam", findings="bearing batch 42")
        desk.complete("Task_ProposeResolution", "sam", resolution="replace spindle", compensation=100)
        desk.complete("Task_CustomerConfirmation", "sam", satisfied=True)
        desk.complete("Task_CloseComplaint", "sam", root_cause="supplier bearing batch 42")

    in_time, late, _still_open = complaint("CP-A"), complaint("CP-B"), complaint("CP-C")
    close(in_time)
    clock.advance(hours=5)
    close(late)
    assert report(as_user, "complaint_sla") == [{"severity": "critical", "complaints": 3, "open": 1,
                                                 "open_past_sla": 1, "closed_late": 1, "breach_rate": 0.667}]
    detail = report(as_user, "complaint_sla", "?drill=critical")
    assert sorted((d["status"], d["past_sla"]) for d in detail) == [("closed", False), ("closed", True),
                                                                    ("open", True)]
