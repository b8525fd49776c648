"""Adapting a process into its own next version: copy, a conditional step, a typed threshold, deploy, migrate."""
from __future__ import annotations

from tests.api.test_drafts import INFO, ok, work

KEY_ACCOUNT_STEP = {"op": "insert_task", "after": "Task_CreditLimitReview", "when": "requested_credit_limit > 1000000",
                    "name": "Key account approval", "name_zh": "大客户审批", "id": "Task_KeyAccountApproval",
                    "lane": "general_manager", "form_key": "general_manager_approval", "on_refusal": "end"}
# The approval level's band raised to 3,000,000: two cells of the decision table approval_level.
CREDIT_BAND = [{"op": "set_rule_cell", "decision": "approval_level", "rule": rule, "column": "Approved credit limit",
                "cell": cell} for rule, cell in ((1, "<= 3000000"), (2, "> 3000000"))]


def start(as_user, business_key: str, credit_limit: int) -> str:
    alice = as_user("alice")
    instance = ok(alice.post("/api/processes/customer_approval/instances", json={"business_key": business_key}), 201)
    work(as_user, instance["id"], "Task_CustomerInfoEntry", "alice",
         **{**INFO, "requested_credit_limit": credit_limit})
    work(as_user, instance["id"], "Task_PaymentTermsReview", "frank", payment_terms_approved=True,
         payment_terms="net60")
    return instance["id"]


def waiting_at(as_user, instance_id: str, user: str) -> list[str]:
    """The steps of a case in `user`'s task list."""
    return sorted(t["element_id"] for t in ok(as_user(user).get("/api/tasks")) if t["instance_id"] == instance_id)


def test_customer_approval_is_adapted_into_its_next_version_and_a_waiting_case_is_mapped_onto_it(as_user):
    ann, root = as_user("ann"), as_user("root")
    before = start(as_user, "CA-OLD", 2000000)  # waits at the credit limit review of version 1

    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    assert (draft["process_key"], draft["base_version"], draft["next_version_of"]) == ("customer_approval", 1, True)
    draft = ok(ann.post(f"/api/drafts/{draft['id']}/operations",
                        json={"operations": [KEY_ACCOUNT_STEP, *CREDIT_BAND], "revision": draft["revision"]}))
    assert ok(ann.get(f"/api/drafts/{draft['id']}/validation"))["errors"] == []
    diff = ok(ann.get(f"/api/drafts/{draft['id']}/diff"))
    assert [c["text_en"] for c in diff["steps_added"]] == [
        "Step 'Key account approval' added after 'Credit limit review', only when requested_credit_limit > 1000000"]
    assert diff["steps_added"][0]["text_zh"].startswith("新增步骤“Key account approval”")
    assert [c["text_en"] for c in diff["rules_changed"]][1] == \
        "approval_level rule 2: Approved credit limit > 3,000,000 → general_manager (was Approved credit limit > 500,000)"

    assert ann.post(f"/api/drafts/{draft['id']}/deploy").status_code == 403
    version = ok(root.post(f"/api/drafts/{draft['id']}/deploy"), 201)
    assert (version["process_key"], version["version"], version["copied_from"], version["author"]) == \
        ("customer_approval", 2, "customer_approval@1", "root")
    assert ok(root.get(f"/api/instances/{before}"))["version"] == 1  # started before: stays on version 1

    big, small = start(as_user, "CA-BIG", 2000000), start(as_user, "CA-SMALL", 200000)
    for instance_id in (big, small):
        work(as_user, instance_id, "Task_CreditLimitReview", "cathy", credit_limit_approved=True,
             approved_credit_limit=2000000)
    assert waiting_at(as_user, big, "george") == ["Task_KeyAccountApproval"]  # under the new 3,000,000 band
    assert waiting_at(as_user, small, "george") == []  # skipped the key account step
    assert waiting_at(as_user, small, "carol") == ["Task_SalesExpenseEvaluation"]

    # The old case waits at a step version 2 changed: refused until the administrator maps it.
    plan = ok(root.post("/api/processes/customer_approval/migrations/plan", json={"from_version": 1, "to_version": 2}))
    verdict = next(v for v in plan["instances"] if v["instance_id"] == before)
    assert verdict["verdict"] == "refused" and "map it" in verdict["reason"]
    mapping = {"Task_CreditLimitReview": "Task_CreditLimitReview"}
    plan = ok(root.post("/api/processes/customer_approval/migrations/plan",
                        json={"from_version": 1, "to_version": 2, "mapping": mapping}))
    verdict = next(v for v in plan["instances"] if v["instance_id"] == before)
    assert verdict["verdict"] == "ok" and verdict["waits_at"] == ["Task_CreditLimitReview"]
    outcome = ok(root.post("/api/processes/customer_approval/migrations",
                           json={"from_version": 1, "to_version": 2, "mapping": mapping}))
    assert next(o for o in outcome["instances"] if o["instance_id"] == before)["migrated"] is True
    assert ok(root.get(f"/api/instances/{before}"))["version"] == 2
    work(as_user, before, "Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=2000000)
    assert waiting_at(as_user, before, "george") == ["Task_KeyAccountApproval"]  # it now runs version 2's rules


def test_a_draft_based_on_an_older_version_is_refused_with_a_three_way_diff_until_rebased(as_user):
    ann, root = as_user("ann"), as_user("root")
    mine = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    theirs = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    ok(ann.post(f"/api/drafts/{theirs['id']}/operations", json={"operations": CREDIT_BAND}))
    ok(root.post(f"/api/drafts/{theirs['id']}/deploy"), 201)
    ok(ann.post(f"/api/drafts/{mine['id']}/operations", json={"operations": [
        {"op": "rename", "element_id": "Task_CreditLimitReview", "name": "Credit check", "name_zh": "信用审核"}]}))

    refused = root.post(f"/api/drafts/{mine['id']}/deploy")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "stale_base" and "rebase" in error["message"]
    three_way = error["details"][0]
    assert (three_way["base"], three_way["theirs"]) == ("customer_approval@1", "customer_approval@2")
    assert three_way["their_changes"]["summary"]["rules_changed"] == 2
    assert three_way["our_changes"]["steps_renamed"][0]["text_en"] == \
        "'Credit limit review / 信用额度审核' renamed 'Credit check / 信用审核'"

    rebased = ok(ann.post(f"/api/drafts/{mine['id']}/rebase", json={}))
    assert rebased["draft"]["copied_from"] == "customer_approval@2"
    assert rebased["their_changes"]["rules_changed"][0]["to"]["inputs"] == ["<= 3000000", "-"]  # what it accepts
    version = ok(root.post(f"/api/drafts/{mine['id']}/deploy"), 201)
    assert (version["version"], version["copied_from"]) == (3, "customer_approval@2")


def test_a_copy_to_a_new_key_still_makes_a_new_process(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={"new_key": "customer_approval_vip"}), 201)
    assert (draft["process_key"], draft["next_version_of"]) == ("customer_approval_vip", False)
    refused = ann.post(f"/api/drafts/{draft['id']}/rebase", json={})
    assert refused.status_code == 409 and "new process" in refused.get_json()["error"]["message"]
    taken = ann.post("/api/processes/customer_approval/copy", json={"new_key": "order_release"})
    assert taken.status_code == 409 and "leave new_key out" in taken.get_json()["error"]["message"]


def test_a_modeler_save_keeps_a_half_drawn_model_and_refuses_a_foreign_or_unsafe_one(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    xml = ann.get(f"/api/drafts/{draft['id']}/bpmn").data
    half_drawn = xml.replace(b'<bpmn:conditionExpression>approval_level == "general_manager"'
                             b"</bpmn:conditionExpression>", b"")
    saved = ok(ann.put(f"/api/drafts/{draft['id']}/bpmn", data=half_drawn,
                       headers={"Content-Type": "application/xml", "If-Match": str(draft["revision"])}))
    report = ok(ann.get(f"/api/drafts/{draft['id']}/validation"))
    assert not report["valid"] and report["errors"][0]["element_id"] == "Flow_AboveBand"  # shown, blocks deploy
    assert as_user("root").post(f"/api/drafts/{draft['id']}/deploy").status_code == 422

    foreign = xml.replace(b'id="customer_approval"', b'id="someone_else"')
    refused = ann.put(f"/api/drafts/{draft['id']}/bpmn", data=foreign, headers={"Content-Type": "application/xml"})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["code"] == "wrong_process"
    stale = ann.put(f"/api/drafts/{draft['id']}/bpmn", data=xml,
                    headers={"Content-Type": "application/xml", "If-Match": str(draft["revision"])})
    assert stale.status_code == 409 and saved["revision"] == draft["revision"] + 1


def test_a_new_process_draft_never_deploys_over_a_process_deployed_under_its_key_meanwhile(as_user):
    ann, root = as_user("ann"), as_user("root")
    draft = ok(ann.post("/api/processes/order_release/copy", json={"new_key": "or_vip", "name": "VIP approval"}),
               201)
    theirs = ann.get(f"/api/drafts/{draft['id']}/bpmn").data.replace(b"VIP approval", b"VIP approval (root's)")
    ok(root.post("/api/processes", data=theirs, headers={"Content-Type": "application/xml"}), 201)

    refused = root.post(f"/api/drafts/{draft['id']}/deploy")
    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert "'or_vip'" in message and "v1" in message
    versions = [p for p in ok(root.get("/api/processes")) if p["process_key"] == "or_vip"]
    assert [v["name"] for v in versions[0]["versions"]] == ["VIP approval (root's)"]
    assert ok(ann.get(f"/api/drafts/{draft['id']}"))["deployed_version"] is None
