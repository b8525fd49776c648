"""Decision tables over HTTP: an analyst changes one cell of the CRM pack's approval_level table in the next version
of new-customer approval; the diff says the rule in words; simulation and new cases take the new level, a case
started before keeps its version's table."""
from __future__ import annotations

from tests.api.test_drafts import INFO, ok, work

XML = {"Content-Type": "application/xml"}


def through_credit_review(as_user, key: str, limit: int) -> str:
    case = ok(as_user("alice").post("/api/processes/customer_approval/instances", json={"business_key": key}), 201)
    work(as_user, case["id"], "Task_CustomerInfoEntry", "alice", **{**INFO, "requested_credit_limit": limit})
    work(as_user, case["id"], "Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net60")
    return case["id"]


def decided(as_user, case_id: str, decision: str = "approval_level") -> dict:
    history = ok(as_user("root").get(f"/api/instances/{case_id}/history"))
    return next(e for e in history if e["type"] == "decision_evaluated" and e["data"]["decision"] == decision)["data"]


def test_one_cell_of_approval_level_changed_over_the_api_decides_new_cases_only(as_user):
    ann, root = as_user("ann"), as_user("root")
    before = through_credit_review(as_user, "CA-BEFORE", 800_000)  # waits at the credit review, on version 1
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    table = ann.get(f"/api/drafts/{draft['id']}/decisions/approval_level")
    assert table.status_code == 200 and table.mimetype == "application/xml"
    changed = table.data.replace(b"&lt;= 500000", b"&lt;= 1000000").replace(b"&gt; 500000", b"&gt; 1000000")
    stale = ann.put(f"/api/drafts/{draft['id']}/decisions/approval_level", data=changed,
                    headers={**XML, "If-Match": str(draft["revision"] + 5)})
    assert stale.status_code == 409
    saved = ok(ann.put(f"/api/drafts/{draft['id']}/decisions/approval_level", data=changed,
                       headers={**XML, "If-Match": str(draft["revision"])}))
    assert saved["revision"] == draft["revision"] + 1

    diff = ok(ann.get(f"/api/drafts/{draft['id']}/diff"))
    assert [c["text_en"] for c in diff["rules_changed"]] == [
        "approval_level rule 1: Approved credit limit <= 1,000,000 → credit_manager (was Approved credit limit <= "
        "500,000)",
        "approval_level rule 2: Approved credit limit > 1,000,000 → general_manager (was Approved credit limit > "
        "500,000)"]
    assert diff["rules_changed"][1]["text_zh"].startswith("approval_level 规则 2：")
    outline = ok(ann.get(f"/api/drafts/{draft['id']}/outline"))
    assert outline["steps"]["Task_DecideApprovalLevel"]["decision"] == "approval_level"
    assert [r["inputs"][0] for r in outline["decisions"]["approval_level"]["rules"]] == ["<= 1000000", "> 1000000"]

    simulation = ok(ann.post(f"/api/drafts/{draft['id']}/simulation", json={"answers": {
        "Task_CustomerInfoEntry": INFO,
        "Task_PaymentTermsReview": {"payment_terms_approved": True, "payment_terms": "net60"},
        "Task_CreditLimitReview": {"credit_limit_approved": True, "approved_credit_limit": 800_000}}}))
    step = next(s for s in simulation["path"] if s["element_id"] == "Task_DecideApprovalLevel")
    assert step["decision"]["outputs"] == {"approval_level": "credit_manager"}
    assert simulation["waiting_at"] == ["Task_SalesExpenseEvaluation"]  # no general manager any more

    ok(root.post(f"/api/drafts/{draft['id']}/deploy"), 201)
    after = through_credit_review(as_user, "CA-AFTER", 800_000)
    for case_id in (before, after):
        work(as_user, case_id, "Task_CreditLimitReview", "cathy", credit_limit_approved=True,
             approved_credit_limit=800_000)
    assert decided(as_user, before)["outputs"] == {"approval_level": "general_manager"}  # version 1's table
    assert decided(as_user, before)["rules"] == [2]
    assert decided(as_user, after)["outputs"] == {"approval_level": "credit_manager"}
    assert decided(as_user, after)["table"] == "Approval level" and decided(as_user, after)["rules"] == [1]

    conformance = ok(as_user("carol").get("/api/reports/conformance?process_key=customer_approval"))
    [by_rule] = [d for d in conformance["decisions"] if d["decision"] == "approval_level"]  # which rule, how often
    assert (by_rule["element_id"], by_rule["decision"], by_rule["cases"]) == ("Task_DecideApprovalLevel",
                                                                              "approval_level", 2)
    assert sorted((r["rules"], r["cases"]) for r in by_rule["rules"]) == [([1], 1), ([2], 1)]



def test_a_table_that_is_not_one_crmflow_reads_is_refused_naming_the_cell(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    table = ann.get(f"/api/drafts/{draft['id']}/decisions/approval_level").data
    refused = ann.put(f"/api/drafts/{draft['id']}/decisions/approval_level",
                      data=table.replace(b"&gt; 500000", b"&gt; 1,000,000"), headers=XML)
    assert refused.status_code == 422
    [detail] = refused.get_json()["error"]["details"]
    assert detail["code"] == "rule_cell" and "rule 2, input “Approved credit limit”" in detail["message"]
    doctype = ann.put(f"/api/drafts/{draft['id']}/decisions/approval_level",
                      data=b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><definitions/>', headers=XML)
    assert doctype.status_code == 422 and doctype.get_json()["error"]["details"][0]["code"] == "doctype"
    other = ann.put(f"/api/drafts/{draft['id']}/decisions/payment_terms", data=table, headers=XML)
    assert other.status_code == 422 and "approval_level" in other.get_json()["error"]["message"]
    assert ann.get(f"/api/drafts/{draft['id']}/decisions/nope").status_code == 404
    assert ann.get(f"/api/drafts/{draft['id']}").get_json()["revision"] == draft["revision"]  # nothing saved
    staff = as_user("alice").put(f"/api/drafts/{draft['id']}/decisions/approval_level", data=table, headers=XML)
    assert staff.status_code == 403


def test_a_guided_cell_edit_says_the_rule_in_chinese_too(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_rule_cell", "decision": "approval_level", "rule": 2, "column": "Region", "cell": '"east"'},
        {"op": "add_rule", "decision": "approval_level", "cells": '> 500000 | not("east") | "credit_manager"'}]}))
    diff = ok(ann.get(f"/api/drafts/{draft['id']}/diff"))
    assert [c["text_zh"] for c in diff["rules_changed"]] == [
        "approval_level 规则 2：Approved credit limit > 500,000 and Region east → general_manager（原为 Approved credit "
        "limit > 500,000）",
        "approval_level 新增规则 3：Approved credit limit > 500,000 and Region not east → credit_manager"]
    assert ok(ann.get(f"/api/drafts/{draft['id']}/validation"))["errors"] == []
    refused = ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_rule_cell", "decision": "approval_level", "rule": 3, "column": "Region", "cell": "-"}]})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["field"] == "operations[0].cell"
    table = ann.get(f"/api/drafts/{draft['id']}/decisions/approval_level").data  # saved as a table editor would
    ok(ann.put(f"/api/drafts/{draft['id']}/decisions/approval_level", data=table.replace(
        b"&gt; 500000</text>", b"&gt; 400000</text>", 1), headers=XML))
    chinese = ok(ann.get(f"/api/drafts/{draft['id']}/validation", headers={"Accept-Language": "zh-CN"}))
    assert any("规则 1 和 2 会同时匹配某些情况" in p["message"] for p in chinese["errors"]), chinese


def test_a_key_user_lowers_the_watch_class_credit_block_and_a_misspelt_parameter_is_refused(as_user):
    ann, root = as_user("ann"), as_user("root")
    deployed = root.get("/api/processes/order_release/versions/1/decisions/credit_block_threshold")
    assert deployed.status_code == 200 and deployed.mimetype == "application/xml"
    assert b"credit_alert_threshold" in deployed.data  # the standard class's cell names the process's parameter
    assert root.get("/api/processes/order_release/versions/1/decisions/nope").status_code == 404
    draft = ok(ann.post("/api/processes/order_release/copy", json={}), 201)
    misspelt = deployed.data.replace(b"<text>credit_alert_threshold</text>", b"<text>credit_alert_treshold</text>")
    ok(ann.put(f"/api/drafts/{draft['id']}/decisions/credit_block_threshold", data=misspelt, headers=XML))
    findings = ok(ann.get(f"/api/drafts/{draft['id']}/validation"))
    [problem] = [p for p in findings["errors"] if p["code"] == "rule_cell"]
    assert problem["element_id"] == "Task_DecideCreditBlock"
    assert 'rule 3, output “Block from credit usage”: credit_alert_treshold is not a value: write ' \
        '"credit_alert_treshold" in double quotes' in problem["message"]
    assert "credit_alert_threshold, second_approval_above" in problem["message"]  # the parameters it may name
    assert root.post(f"/api/drafts/{draft['id']}/deploy").status_code == 422
    unquoted = deployed.data.replace(b"<text>0.8</text>", b"<text>watch</text>")
    revision = ok(ann.get(f"/api/drafts/{draft['id']}"))["revision"]
    ok(ann.put(f"/api/drafts/{draft['id']}/decisions/credit_block_threshold", data=unquoted,
               headers={**XML, "If-Match": str(revision)}))
    [problem] = [p for p in ok(ann.get(f"/api/drafts/{draft['id']}/validation"))["errors"] if p["code"] == "rule_cell"]
    assert "rule 4" in problem["message"] and '"watch" in double quotes' in problem["message"]
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_rule_cell", "decision": "credit_block_threshold", "rule": 4, "column": "Block from credit usage",
         "cell": "0.7"}]}))
    changes = ok(ann.get(f"/api/drafts/{draft['id']}/diff"))["rules_changed"]
    assert [c["text_en"] for c in changes] == [
        'credit_block_threshold rule 4: Customer class watch → 0.7 (was 0.8)']
