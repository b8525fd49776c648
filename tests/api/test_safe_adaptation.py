"""Safe adaptation over HTTP: every way a condition comes in refuses what would route real cases wrong."""
from __future__ import annotations

import pytest

from tests.api.test_drafts import ok

XML = {"Content-Type": "application/xml"}
BAND = b'approval_level == "general_manager"'


def copy(as_user) -> dict:
    return ok(as_user("ann").post("/api/processes/customer_approval/copy", json={}), 201)


@pytest.mark.parametrize("condition, code", [("requested_credit_limit > 1,000,000", "number_separator"),
                                             ("requested_credit_limt > 1000000", "unknown_name"),
                                             ("customer_name > 1000000", "type_mismatch"),
                                             ("requested_credit_limit > '1000000'", "type_mismatch")])
def test_a_guided_condition_the_case_cannot_run_as_meant_is_422_naming_the_operation(as_user, condition, code):
    draft = copy(as_user)
    response = as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "set_condition", "flow_id": "Flow_AboveBand", "condition": condition}]})
    assert response.status_code == 422, response.json
    [detail] = response.json["error"]["details"]
    assert detail["field"] == "operations[0].condition" and "Flow_AboveBand" in detail["message"]
    inserted = as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [
        {"op": "insert_task", "after": "Task_CreditLimitReview", "name": "Key account approval", "when": condition,
         "lane": "general_manager", "form_key": "general_manager_approval", "on_refusal": "end"}]})
    assert inserted.status_code == 422 and inserted.json["error"]["details"][0]["field"] == "operations[0].when"


def test_an_inserted_approval_whose_no_is_never_read_is_refused_and_on_refusal_fixes_it(as_user, engine):
    draft = copy(as_user)
    step = {"op": "insert_task", "after": "Task_CreditLimitReview", "name": "Key account approval",
            "lane": "general_manager", "form_key": "general_manager_approval"}
    refused = as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [step]})
    assert refused.status_code == 422 and "gm_approved" in refused.json["error"]["message"]
    ok(as_user("ann").post(f"/api/drafts/{draft['id']}/operations",
                           json={"operations": [{**step, "on_refusal": "end"}]}))
    assert ok(as_user("ann").get(f"/api/drafts/{draft['id']}/validation"))["errors"] == []
    simulation = ok(as_user("ann").post(f"/api/drafts/{draft['id']}/simulation", json={"answers": {
        "Task_CustomerInfoEntry": {"customer_name": "Tea Co", "region": "east", "industry": "retail",
                                   "requested_credit_limit": 100000, "payment_terms": "net30", "contact_name": "Lin"},
        "Task_PaymentTermsReview": {"payment_terms_approved": True, "payment_terms": "net30"},
        "Task_CreditLimitReview": {"credit_limit_approved": True, "approved_credit_limit": 100000},
        "Task_KeyAccountApproval": {"gm_approved": False}}}))
    path = [step["element_id"] for step in simulation["path"]]
    assert path[-1] == "EndEvent_CustomerRejected" and "Task_SalesExpenseEvaluation" not in path


def test_an_uploaded_model_with_a_comma_number_is_refused_naming_the_flow(as_user):
    bpmn = as_user("root").get("/api/processes/customer_approval/versions/1/bpmn").data
    bad = bpmn.replace(BAND, b"requested_credit_limit &gt; 1,000,000")
    deployed = as_user("root").post("/api/processes", data=bad, headers=XML)
    assert deployed.status_code == 422
    assert ("number_separator", "Flow_AboveBand") in {(d["code"], d["element_id"])
                                                      for d in deployed.json["error"]["details"]}
    draft = copy(as_user)
    saved = as_user("ann").put(f"/api/drafts/{draft['id']}/bpmn", data=bad, headers=XML)
    assert saved.status_code == 422 and "write 1000000" in saved.json["error"]["message"]


def test_a_draft_holding_a_misspelt_name_shows_it_and_cannot_deploy(as_user):
    draft = copy(as_user)
    bpmn = as_user("ann").get(f"/api/drafts/{draft['id']}/bpmn").data
    ok(as_user("ann").put(f"/api/drafts/{draft['id']}/bpmn", data=bpmn.replace(
        BAND, b"requested_credit_limt &gt; 1000000"), headers=XML))  # saved: the analyst may still be drawing
    validation = ok(as_user("ann").get(f"/api/drafts/{draft['id']}/validation"))
    [error] = validation["errors"]
    assert error["element_id"] == "Flow_AboveBand" and "did you mean requested_credit_limit" in error["message"]
    assert as_user("root").post(f"/api/drafts/{draft['id']}/deploy").status_code == 422


def test_the_version_dictionary_says_what_the_case_holds_at_a_flow(as_user):
    dictionary = ok(as_user("ann").get("/api/processes/customer_approval/versions/1/dictionary"))
    names = dictionary["elements"]["Flow_AboveBand"]["names"]
    assert names["requested_credit_limit"] == {"type": "number"} and names["region"]["type"] == "enum"
    assert names["approval_level"] == {"type": "enum", "values": ["credit_manager", "general_manager"]}


def test_a_misspelt_field_of_a_service_result_is_refused_with_the_fields_it_has(as_user):
    bpmn = as_user("root").get("/api/processes/order_release/versions/1/bpmn").data
    refused = as_user("root").post("/api/processes", data=bpmn.replace(b"credit['blocked']", b"credit['blockd']"),
                                   headers=XML)
    assert refused.status_code == 422
    [problem] = refused.json["error"]["details"]
    assert (problem["code"], problem["element_id"]) == ("unknown_field", "Flow_CreditBlocked")
    assert "did you mean blocked" in problem["message"]
