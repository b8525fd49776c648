"""Staff task work over HTTP: lists, claims, delegation, overdue work, inbox, history, outbox."""
from __future__ import annotations

import json

from engine.runtime.outbox import JournalSender, dispatch

INFO = dict(customer_name="Qingdao Beer Trading", region="north", industry="retail", requested_credit_limit=10000,
            payment_terms="prepayment", contact_name="Sun")


def to_finance_task(engine, business_key: str) -> str:
    """A new-customer request past its first step (through the engine): the id of the finance task it waits at."""
    instance = engine.start("customer_approval", {}, business_key, "alice")
    first = engine.tasks(instance_id=instance.id)[0]
    engine.complete(first.id, "alice", {**INFO, "requested_credit_limit": 300000})
    return engine.tasks(instance_id=instance.id)[0].id


def start_to_finance(as_user) -> dict:
    alice = as_user("alice")
    instance = alice.post("/api/processes/customer_approval/instances", json={"business_key": "NC-77"}).get_json()
    task = alice.get("/api/tasks").get_json()[0]
    alice.post(f"/api/tasks/{task['id']}/complete", json={"data": INFO})
    return instance


def test_a_group_task_claimed_by_one_user_leaves_colleagues_lists(as_user):
    start_to_finance(as_user)
    frank, fiona = as_user("frank"), as_user("fiona")
    task = frank.get("/api/tasks").get_json()[0]
    assert [t["id"] for t in fiona.get("/api/tasks").get_json()] == [task["id"]]
    assert frank.post(f"/api/tasks/{task['id']}/claim").get_json()["assignee"] == "frank"
    assert fiona.get("/api/tasks").get_json() == []
    assert fiona.post(f"/api/tasks/{task['id']}/claim").status_code == 409


def test_a_refused_completion_is_recorded_and_changes_nothing(as_user):
    instance = start_to_finance(as_user)
    task = as_user("frank").get("/api/tasks").get_json()[0]
    as_user("frank").post(f"/api/tasks/{task['id']}/claim")
    before = as_user("root").get(f"/api/instances/{instance['id']}").get_json()
    assert as_user("fiona").post(f"/api/tasks/{task['id']}/complete", json={"data": {}}).status_code == 403
    assert as_user("root").get(f"/api/instances/{instance['id']}").get_json() == before
    denial = as_user("root").get(f"/api/instances/{instance['id']}/history").get_json()[-1]
    assert (denial["type"], denial["actor"], denial["data"]["action"]) == ("access_denied", "fiona", "complete")


def test_why_and_delegation_are_answered_and_audited(as_user):
    alice = as_user("alice")
    alice.post("/api/processes/customer_approval/instances", json={})
    task = alice.get("/api/tasks").get_json()[0]
    assert "default member of group 'Sales'" in alice.get(f"/api/tasks/{task['id']}/why").get_json()["reason"]
    assert as_user("bob").post(f"/api/tasks/{task['id']}/delegate", json={"to": "bob"}).status_code == 403
    delegated = alice.post(f"/api/tasks/{task['id']}/delegate", json={"to": "bob"}).get_json()
    assert delegated["assignee"] == "bob" and "handed over by alice" in delegated["assignment_reason"]
    assert [t["id"] for t in as_user("bob").get("/api/tasks").get_json()] == [task["id"]]


def test_the_overdue_filter_shows_only_late_work(as_user, clock):
    alice = as_user("alice")
    alice.post("/api/processes/customer_approval/instances", json={})  # info entry is due in 1 day
    assert alice.get("/api/tasks?overdue=true").get_json() == []
    clock.advance(days=1, minutes=1)
    late = alice.get("/api/tasks?overdue=true").get_json()
    assert [t["element_id"] for t in late] == ["Task_CustomerInfoEntry"]
    error = alice.get("/api/tasks?due_before=yesterday").get_json()["error"]
    assert error["details"][0]["field"] == "due_before"


def test_the_form_describes_fields_in_english_and_chinese(as_user):
    alice = as_user("alice")
    alice.post("/api/processes/customer_approval/instances", json={})
    task = alice.get("/api/tasks").get_json()[0]
    form = alice.get(f"/api/tasks/{task['id']}/form").get_json()
    region = form["schema"]["properties"]["region"]
    assert (region["title"], region["x-title-zh"], region["x-enum-labels"]["east"]["zh"]) == ("Region", "区域", "华东")


def test_the_outbox_delivers_each_message_once_per_key_even_after_a_restart(as_user, engine, tmp_path):
    as_user("alice").post("/api/processes/order_release/instances",
                          json={"data": {"customer_id": 3, "amount": 110000, "quote_id": 1}})
    journal = tmp_path / "outbox.jsonl"
    sender = JournalSender(journal)
    assert dispatch(engine.context, {}, sender) >= 1
    assert dispatch(engine.context, {}, sender) == 0  # delivered rows are not sent again
    line = json.loads(journal.read_text().splitlines()[0])
    sender.send(line["key"], line["topic"], line["payload"])  # as after a crash before the commit
    keys = [json.loads(x)["key"] for x in journal.read_text().splitlines()]
    assert len(keys) == len(set(keys))


def test_the_api_searches_tasks_and_claims_several(engine, as_user):
    ids = [to_finance_task(engine, f"NC-A{n}") for n in range(2)]
    frank = as_user("frank")
    listed = frank.get("/api/tasks?q=NC-A1").get_json()
    assert [t["id"] for t in listed] == [ids[1]] and listed[0]["case"]["customer_name"] == "Qingdao Beer Trading"
    results = frank.post("/api/task-claims", json={"task_ids": [*ids, "deadbeef-0000"]}).get_json()
    assert [(r["task_id"], r["claimed"]) for r in results] == [(ids[0], True), (ids[1], True), ("deadbeef-0000", False)]
    assert "does not exist" in results[2]["reason"]
    assert frank.post("/api/task-claims", json={"task_ids": []}).status_code == 422
    assert frank.post("/api/task-claims", json={"task_ids": ["x"] * 101}).status_code == 422


def test_a_task_the_four_eyes_rule_keeps_from_someone_is_not_offered_to_them(as_user, engine):
    """Carol orders without a quote: the price exception waits for a sales manager other than her."""
    started = as_user("carol").post("/api/processes/order_release/instances",
                                    json={"data": {"customer_id": 3, "amount": 80000}, "business_key": "SO-4EYES"})
    assert started.status_code == 201
    exception = [t for t in engine.tasks(instance_id=started.json["id"]) if t.element_id == "Task_PriceException"]
    assert exception and exception[0].excluded == ["carol"]
    offered = lambda user: [t["id"] for t in as_user(user).get("/api/tasks").json]  # noqa: E731
    assert exception[0].id not in offered("carol")
    assert exception[0].id in offered("maggie")
