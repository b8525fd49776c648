"""An audit that tells the truth: each person is credited with exactly what they submitted, and
approvers judge from read-only case context rather than from someone else's answers."""
from __future__ import annotations

from tests.api.test_tasks import INFO

REQUESTED = {**INFO, "customer_name": "Ningbo Port 宁波港", "requested_credit_limit": 1_500_000,
             "payment_terms": "net60"}


def through_payment_terms(as_user, engine) -> str:
    """alice requests a customer; frank reviews the payment terms (changing them, with a comment)."""
    case = as_user("alice").post("/api/processes/customer_approval/instances", json={"business_key": "NC-9"}).get_json()
    entry = as_user("alice").get("/api/tasks").get_json()[0]
    assert as_user("alice").post(f"/api/tasks/{entry['id']}/complete", json={"data": REQUESTED}).status_code == 200
    review = as_user("frank").get("/api/tasks").get_json()[0]
    as_user("frank").post(f"/api/tasks/{review['id']}/claim")
    done = as_user("frank").post(f"/api/tasks/{review['id']}/complete", json={"data": {
        "payment_terms_approved": True, "payment_terms": "net30", "comment": "frank: net60 is too long"}})
    assert done.status_code == 200, done.get_json()
    return case["id"]


def credit_review(as_user) -> dict:
    task = as_user("cathy").get("/api/tasks").get_json()[0]
    assert task["element_id"] == "Task_CreditLimitReview"
    return task


def through_credit_review(as_user, engine) -> str:
    """... and cathy approves a credit limit of 800,000."""
    case = through_payment_terms(as_user, engine)
    task = credit_review(as_user)
    as_user("cathy").post(f"/api/tasks/{task['id']}/claim")
    as_user("cathy").post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "credit_limit_approved": True, "approved_credit_limit": 800_000}})
    return case


def test_the_credit_reviewer_sees_the_request_as_context_and_no_one_elses_answers(as_user, engine):
    through_payment_terms(as_user, engine)
    form = as_user("cathy").get(f"/api/tasks/{credit_review(as_user)['id']}/form").get_json()
    assert form["values"] == {}  # frank's comment is not put into cathy's form
    facts = {f["key"]: f["value"] for f in form["context"]}
    assert facts["customer_name"] == "Ningbo Port 宁波港" and facts["requested_credit_limit"] == 1_500_000
    assert facts["payment_terms"] == "Net 30 days" and facts["payment_terms_approved"] is True
    assert all(f["label"] and f["label_zh"] for f in form["context"])


def test_the_history_holds_exactly_what_each_person_submitted_and_what_it_replaced(as_user, engine):
    case = through_credit_review(as_user, engine)
    completed = {e.element_id: e for e in engine.history(case) if e.type == "task_completed"}
    frank, cathy = completed["Task_PaymentTermsReview"], completed["Task_CreditLimitReview"]
    assert frank.actor == "frank" and frank.data["data"]["comment"] == "frank: net60 is too long"
    assert frank.data["changed"] == {"payment_terms": {"from": "net60", "to": "net30"}}
    assert cathy.actor == "cathy" and cathy.data["data"] == {"credit_limit_approved": True,
                                                             "approved_credit_limit": 800_000}
    assert "comment" not in cathy.data["data"] and "changed" not in cathy.data


def test_the_complaint_supervisor_sees_the_complaint(as_user, engine):
    case = engine.start("complaint_handling", {}, "C-9", "sam")
    desk_tasks = {t.element_id: t for t in engine.tasks(instance_id=case.id)}
    register = desk_tasks["Task_RegisterComplaint"]
    engine.complete(register.id, register.assignee or "sam", {"customer_id": 1, "product": "CNC-500",
                                                             "description": "Spindle vibrates after two weeks"},
                    groups=["service"])
    classify = engine.tasks(instance_id=case.id)[0]
    facts = {f["key"]: f["value"] for f in engine.task_context(classify.id)}
    assert facts["description"] == "Spindle vibrates after two weeks" and facts["customer"].startswith("Shanghai")


def test_the_audit_answers_who_approved_this_limit_and_what_they_saw(as_user, engine):
    case = through_credit_review(as_user, engine)
    [decision] = [e for e in engine.history(case) if e.type == "task_completed"
                  and e.element_id == "Task_CreditLimitReview"]
    seen = {f["key"]: f["value"] for f in decision.data["context"]}
    assert decision.actor == "cathy" and decision.data["data"]["approved_credit_limit"] == 800_000
    assert seen["requested_credit_limit"] == 1_500_000 and seen["payment_terms"] == "Net 30 days"
