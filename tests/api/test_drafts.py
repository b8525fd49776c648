"""The seed scenario over HTTP: copy customer_approval, adapt it, validate, diff, simulate, deploy, run."""
from __future__ import annotations

INFO = dict(customer_name="Ningbo Port Logistics 宁波港物流", region="east", industry="services",
            requested_credit_limit=1500000, payment_terms="net60", contact_name="Chen Hui")
NEW_STEP = {"op": "insert_task", "after": "Task_CreditLimitReview", "name": "General manager approval",
            "id": "Task_KeyAccountGmApproval", "lane": "general_manager", "form_key": "general_manager_approval",
            "on_refusal": "end"}
# The approval level's band raised from 500,000 to 2,000,000: two cells of the decision table approval_level.
RAISE_BAND = [{"op": "set_rule_cell", "decision": "approval_level", "rule": 1, "column": "Approved credit limit",
               "cell": "<= 2000000"},
              {"op": "set_rule_cell", "decision": "approval_level", "rule": 2, "column": "Approved credit limit",
               "cell": "> 2000000"}]


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def work(as_user, instance_id: str, element_id: str, user: str, **data):
    api = as_user(user)
    task = next(t for t in ok(api.get("/api/tasks")) if t["instance_id"] == instance_id
                and t["element_id"] == element_id)
    if task["assignee"] is None:
        ok(api.post(f"/api/tasks/{task['id']}/claim"))
    return ok(api.post(f"/api/tasks/{task['id']}/complete", json={"data": data}))


def test_an_analyst_adapts_a_copy_and_staff_run_it(as_user):
    ann, root = as_user("ann"), as_user("root")
    draft = ok(ann.post("/api/processes/customer_approval/copy",
                        json={"new_key": "customer_approval_key_accounts", "name": "Key account approval"}), 201)
    assert draft["copied_from"] == "customer_approval@1"
    draft = ok(ann.post(f"/api/drafts/{draft['id']}/operations",
                        json={"operations": [NEW_STEP, *RAISE_BAND], "revision": draft["revision"]}))

    assert ok(ann.get(f"/api/drafts/{draft['id']}/validation"))["errors"] == []
    diff = ok(ann.get(f"/api/drafts/{draft['id']}/diff"))
    assert {k: v for k, v in diff["summary"].items() if v} == {"steps_added": 1, "rules_changed": 2,
                                                              "conditions_changed": 1}  # a refusal ends the case
    assert diff["steps_added"][0]["element_id"] == "Task_KeyAccountGmApproval"
    assert [c["text_en"] for c in diff["rules_changed"]] == [
        "approval_level rule 1: Approved credit limit <= 2,000,000 → credit_manager (was Approved credit limit <= "
        "500,000)", "approval_level rule 2: Approved credit limit > 2,000,000 → general_manager (was Approved credit "
        "limit > 500,000)"]
    assert diff["steps_added"][0]["text_en"] == "Step 'General manager approval' added after 'Credit limit review'"

    simulation = ok(ann.post(f"/api/drafts/{draft['id']}/simulation", json={"answers": {
        "Task_CustomerInfoEntry": INFO,
        "Task_PaymentTermsReview": {"payment_terms_approved": True, "payment_terms": "net60"},
        "Task_CreditLimitReview": {"credit_limit_approved": True, "approved_credit_limit": 1500000},
        "Task_KeyAccountGmApproval": {"gm_approved": True}}}))
    path = [step["element_id"] for step in simulation["path"]]
    assert "Task_KeyAccountGmApproval" in path and "Task_GeneralManagerApproval" not in path  # band raised
    assert simulation["waiting_at"] == ["Task_SalesExpenseEvaluation"]
    gm_step = next(t for t in simulation["tasks"] if t["element_id"] == "Task_KeyAccountGmApproval")
    assert gm_step["assignee"] == "george"

    assert ann.post(f"/api/drafts/{draft['id']}/deploy").status_code == 403
    version = ok(root.post(f"/api/drafts/{draft['id']}/deploy"), 201)
    assert (version["process_key"], version["version"], version["copied_from"]) == \
        ("customer_approval_key_accounts", 1, "customer_approval@1")

    instance = ok(as_user("alice").post("/api/processes/customer_approval_key_accounts/instances",
                                        json={"business_key": "KA-1"}), 201)
    work(as_user, instance["id"], "Task_CustomerInfoEntry", "alice", **INFO)
    work(as_user, instance["id"], "Task_PaymentTermsReview", "frank", payment_terms_approved=True,
         payment_terms="net60")
    work(as_user, instance["id"], "Task_CreditLimitReview", "cathy", credit_limit_approved=True,
         approved_credit_limit=1500000)
    work(as_user, instance["id"], "Task_KeyAccountGmApproval", "george", gm_approved=True)
    done = work(as_user, instance["id"], "Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=8e6,
                sales_expense_budget=1e5, expense_approved=True)
    assert done["status"] == "completed"

    original = ok(ann.get("/api/processes/customer_approval/versions"))
    assert [v["version"] for v in original] == [1]
    outline = ok(ann.get("/api/processes/customer_approval/versions/1/outline"))
    assert "Task_KeyAccountGmApproval" not in outline["steps"]
    assert outline["decisions"]["approval_level"]["rules"][1]["inputs"] == ["> 500000", "-"]  # the original's table


def test_the_catalog_shows_lineage_and_control_points(as_user):
    ann, root = as_user("ann"), as_user("root")
    draft = ok(ann.post("/api/processes/order_release/copy", json={"new_key": "order_release_strict"}), 201)
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_parameter", "name": "credit_alert_threshold", "value": 0.8}]}))
    ok(root.post(f"/api/drafts/{draft['id']}/deploy"), 201)
    entry = next(e for e in ok(ann.get("/api/processes")) if e["process_key"] == "order_release_strict")
    assert entry["active_version"] == 1 and entry["versions"][0]["copied_from"] == "order_release@1"
    outline = ok(ann.get("/api/processes/order_release_strict/versions/1/outline"))
    credit = next(p for p in outline["control_points"] if p["key"] == "credit_usage")
    assert (credit["element_id"], credit["threshold"], credit["action"]) == ("Service_CheckCredit", 0.8, "block")
    assert credit["threshold_from"] == "credit_block_threshold"  # by customer class; standard: the parameter
    terms = ok(ann.get("/api/processes/customer_approval/versions/1/outline"))
    [check] = [p for p in terms["control_points"] if p["key"] == "payment_terms_class"]
    assert (check["element_id"], check["threshold"], check["threshold_from"]) == \
        ("Service_CheckPaymentTerms", None, "payment_terms")


def test_a_batch_with_one_bad_operation_changes_nothing(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={"new_key": "ca_batch"}), 201)
    before = ann.get(f"/api/drafts/{draft['id']}/bpmn").data
    response = ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        *RAISE_BAND, {"op": "rename", "element_id": "Task_Nowhere", "name": "x"}]})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["details"][0]["field"] == "operations[2].element_id"
    assert ann.get(f"/api/drafts/{draft['id']}/bpmn").data == before


def test_an_uploaded_hostile_model_is_refused_with_the_element_named(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={"new_key": "ca_upload"}), 201)
    bpmn = ann.get(f"/api/drafts/{draft['id']}/bpmn").data.replace(
        b'approval_level == "general_manager"', b"__import__('os').system('id')")
    response = ann.put(f"/api/drafts/{draft['id']}/bpmn", data=bpmn, headers={"Content-Type": "application/xml"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["element_id"] == "Flow_AboveBand"


def test_a_stale_draft_revision_is_a_conflict(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={"new_key": "ca_stale"}), 201)
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": RAISE_BAND, "revision": 1}))
    response = ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": RAISE_BAND, "revision": 1})
    assert response.status_code == 409


def test_a_new_lane_whose_id_is_taken_gets_an_id_of_its_own(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={"new_key": "ca_lane"}), 201)
    step = {**NEW_STEP, "lane": "General manager"}  # camel-cases to Lane_GeneralManager, already the id of a lane
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [step]}))
    outline = ok(ann.get(f"/api/drafts/{draft['id']}/outline"))
    assert outline["steps"]["Task_KeyAccountGmApproval"]["lane"] == "General manager"
    assert not [p for p in ok(ann.get(f"/api/drafts/{draft['id']}/validation"))["errors"]
                if p["code"] == "duplicate_id"]
