"""POST /api/drafts/{id}/replay: the recorded cases run again through a draft, over HTTP."""
from __future__ import annotations

from sqlalchemy import inspect, text

from tests.api.test_drafts import INFO, ok, work

KEY_ACCOUNTS = {"op": "insert_task", "after": "Task_CreditLimitReview", "name": "Key account approval",
                "when": "requested_credit_limit >= 1000000", "candidate_group": "sales_manager"}


def recorded_cases(as_user) -> dict[str, str]:
    """Three customer approvals as staff ran them: a large and a small one reviewed, one still at the start."""
    alice, cases = as_user("alice"), {}
    for key, limit in (("CA-LARGE", 1_500_000), ("CA-SMALL", 300_000), ("CA-OPEN", None)):
        cases[key] = ok(alice.post("/api/processes/customer_approval/instances", json={"business_key": key}),
                        201)["id"]
        if limit is None:
            continue
        work(as_user, cases[key], "Task_CustomerInfoEntry", "alice", **{**INFO, "requested_credit_limit": limit})
        work(as_user, cases[key], "Task_PaymentTermsReview", "frank", payment_terms_approved=True,
             payment_terms="net60")
        work(as_user, cases[key], "Task_CreditLimitReview", "cathy", credit_limit_approved=True,
             approved_credit_limit=limit)
    return cases


def row_counts(engine) -> dict[str, int]:
    with engine.store.read() as session:
        return {name: session.scalar(text(f'SELECT count(*) FROM "{name}"'))
                for name in inspect(session.connection()).get_table_names()}


def test_an_analyst_sees_which_recorded_cases_an_inserted_approval_would_have_stopped(as_user, engine):
    cases = recorded_cases(as_user)
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    ok(ann.post(f"/api/drafts/{draft['id']}/operations", json={"operations": [KEY_ACCOUNTS]}))
    before = row_counts(engine)

    result = ok(ann.post(f"/api/drafts/{draft['id']}/replay", json={}))

    assert row_counts(engine) == before
    assert (result["replayed"], result["same"], result["changed"], result["not_replayable"]) == (3, 2, 1, 0)
    [changed] = [case for case in result["cases"] if case["verdict"] == "changed"]
    assert (changed["instance_id"], changed["business_key"]) == (cases["CA-LARGE"], "CA-LARGE")
    assert changed["first_difference"] == {"element_id": "Task_KeyAccountApproval", "name": "Key account approval"}
    assert (changed["steps_added"], changed["steps_skipped"]) == (["Key account approval"], [])
    assert changed["control_points"] == {"fired": [], "no_longer": []}
    assert changed["reason"] == "would have waited at Key account approval: nobody did this step in the recorded case"
    assert result["summary"] == [
        "3 cases replayed: 2 the same, 1 changed, 0 not replayable.",
        "1 of 2 cases that passed Credit limit review would have waited for Key account approval."]
    assert ok(as_user("root").post(f"/api/drafts/{draft['id']}/replay", json={"limit": 1}))["replayed"] == 1


def test_replay_is_for_analysts_and_administrators_and_checks_what_it_is_asked(as_user):
    recorded_cases(as_user)
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)["id"]

    assert as_user("alice").post(f"/api/drafts/{draft}/replay", json={}).status_code == 403
    assert as_user("george").post(f"/api/drafts/{draft}/replay", json={}).status_code == 403  # a manager
    assert ann.post("/api/drafts/nope/replay", json={}).status_code == 404
    for body, field in (({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"), ({"since": "yesterday"}, "since"),
                        ({"since": "2026-12-01", "until": "2026-11-01"}, "since"), ({"cases": 3}, "cases")):
        refused = ann.post(f"/api/drafts/{draft}/replay", json=body)
        assert refused.status_code == 422, body
        assert field in {d["field"].split(".")[-1] for d in refused.get_json()["error"]["details"]}, body
    answer = ok(ann.post(f"/api/drafts/{draft}/replay", json={"since": "2026-01-01", "until": "2026-01-31"}))
    assert answer["replayed"] == 0 and answer["summary"][0].startswith("No case of this process was started")


def test_a_draft_that_fails_validation_is_422_before_anything_is_replayed(as_user):
    ann = as_user("ann")
    draft = ok(ann.post("/api/processes/customer_approval/copy", json={}), 201)
    bpmn = ann.get(f"/api/drafts/{draft['id']}/bpmn").data.replace(
        b"<bpmn:conditionExpression>not credit_limit_approved</bpmn:conditionExpression>", b"")
    ok(ann.put(f"/api/drafts/{draft['id']}/bpmn", data=bpmn, headers={"Content-Type": "application/xml"}))

    refused = ann.post(f"/api/drafts/{draft['id']}/replay", json={})

    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "invalid_model"
