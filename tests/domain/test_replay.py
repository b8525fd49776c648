"""Replay over the demo quarter: each shipped process's cases run again through an adapted copy, in memory.

The quarter is played once for the module (what `make run` plays), through the engine's own commands; every
figure a test expects is counted from the recorded history, never from the replay.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from domain import CrmPack
from domain.demo import DEMO_LEAD_DAYS, Quarter
from engine import Engine
from engine.store.tables import HistoryEvent, Instance, TaskRow
from tests.crm import prepare_crm

PROCESSES = ("order_release", "customer_approval", "complaint_handling", "lead_to_opportunity", "sales_forecast",
             "weekly_report")


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'crmflow.sqlite'}"
    engine = Engine(url, pack=CrmPack())
    engine.init_db()
    began = datetime.now(UTC) - timedelta(days=90 + DEMO_LEAD_DAYS)  # deployed as `crmflow setup` does
    deployer = Engine(url, pack=CrmPack(), clock=lambda: began)
    prepare_crm(deployer, scheduled=True)
    deployer.close()
    played = Quarter(lambda clock: Engine(url, pack=CrmPack(), clock=clock), days=90)
    played.play()
    played.engine.close()
    yield engine
    engine.close()


def cases_of(engine: Engine, process_key: str) -> int:
    with engine.store.read() as session:
        return session.scalar(select(func.count()).select_from(Instance).where(
            Instance.process_key == process_key)) or 0


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.store.read() as session:
        tables = inspect(session.connection()).get_table_names()
        return {name: session.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in tables}


def adapted(engine: Engine, process_key: str, *operations) -> str:
    draft = engine.authoring.copy(process_key, author="ann")
    if operations:
        engine.authoring.edit(draft.id, list(operations), "ann")
    return draft.id


@pytest.mark.parametrize("process_key", PROCESSES)
def test_an_unedited_copy_replays_every_recorded_case_onto_its_own_path(quarter, process_key):
    result = quarter.authoring.replay(adapted(quarter, process_key))

    recorded = cases_of(quarter, process_key)
    assert recorded > 5  # the quarter ran this process
    assert (result["replayed"], result["same"], result["changed"], result["not_replayable"]) == (
        recorded, recorded, 0, 0), [c for c in result["cases"] if c["verdict"] != "same"]
    assert all(case["first_difference"] is None and case["reason"] is None for case in result["cases"])
    assert result["summary"][0] == f"{recorded} cases replayed: {recorded} the same, 0 changed, 0 not replayable."


def test_a_conditional_step_changes_exactly_the_cases_whose_recorded_data_meets_its_condition(quarter):
    draft = adapted(quarter, "customer_approval", {
        "op": "insert_task", "after": "Task_CreditLimitReview", "name": "Key account approval",
        "when": "requested_credit_limit >= 600000", "candidate_group": "sales_manager"})

    result = quarter.authoring.replay(draft)

    # counted from the recording: the cases that passed Credit limit review with a limit of 600,000 or more
    with quarter.store.read() as session:
        events = session.scalars(select(HistoryEvent).where(HistoryEvent.process_key == "customer_approval",
                                                            HistoryEvent.type == "task_completed")).all()
    reviewed = {e.instance_id for e in events if e.element_id == "Task_CreditLimitReview"}
    large = {e.instance_id for e in events if e.element_id == "Task_CustomerInfoEntry"
             and e.data["data"]["requested_credit_limit"] >= 600_000}
    expected = reviewed & large
    assert expected and reviewed - large  # the quarter has cases on both sides of the condition
    changed = {case["instance_id"] for case in result["cases"] if case["verdict"] == "changed"}
    assert changed == expected
    assert result["not_replayable"] == 0
    for case in result["cases"]:
        if case["verdict"] == "changed":
            assert case["first_difference"] == {"element_id": "Task_KeyAccountApproval",
                                                "name": "Key account approval"}
            assert case["steps_added"] == ["Key account approval"]
            assert case["steps_skipped"] == []
            assert case["reason"].startswith("would have waited at Key account approval")
    assert (f"{len(expected)} of {len(reviewed)} cases that passed Credit limit review would have waited for "
            "Key account approval.") in result["summary"]


def test_a_changed_decision_table_changes_exactly_the_cases_its_new_rule_decides_otherwise(quarter):
    draft = adapted(quarter, "customer_approval", *(
        {"op": "set_rule_cell", "decision": "approval_level", "rule": rule, "column": "Approved credit limit",
         "cell": cell} for rule, cell in ((1, "<= 1000000"), (2, "> 1000000"))))

    result = quarter.authoring.replay(draft)

    # counted from the recording: the cases the table sent to the general manager for a limit up to 1,000,000
    with quarter.store.read() as session:
        decided = session.scalars(select(HistoryEvent).where(HistoryEvent.process_key == "customer_approval",
                                                             HistoryEvent.type == "decision_evaluated",
                                                             HistoryEvent.element_id == "Task_DecideApprovalLevel")).all()
        reviews = {e.instance_id: e.data["data"] for e in session.scalars(
            select(HistoryEvent).where(HistoryEvent.process_key == "customer_approval",
                                       HistoryEvent.type == "task_completed",
                                       HistoryEvent.element_id == "Task_CreditLimitReview"))}
    moved = {e.instance_id for e in decided if e.data["outputs"]["approval_level"] == "general_manager"
             and reviews[e.instance_id]["approved_credit_limit"] <= 1_000_000
             and reviews[e.instance_id]["credit_limit_approved"]}  # a refused limit is rejected at any level
    assert moved  # the quarter has such cases
    changed = {case["instance_id"] for case in result["cases"] if case["verdict"] == "changed"}
    assert changed == moved, [(c["reason"], c["steps_skipped"], c["first_difference"]) for c in result["cases"]
                              if c["instance_id"] in changed ^ moved]
    for case in result["cases"]:
        if case["instance_id"] in moved:  # past the table, the general manager is no longer asked
            assert case["first_difference"]["element_id"] != "Task_DecideApprovalLevel"
            assert "General manager approval" not in case["steps_added"]


# Steps a draft may remove (one flow in, one out): the quarter leaves cases waiting at the first, nearly always.
REMOVABLE = (("lead_to_opportunity", "Task_PlanFirstMeeting", "Plan first meeting"),
             ("order_release", "Task_RegisterPrepayment", "Register prepayment"))


def test_a_removed_step_makes_the_cases_waiting_there_not_replayable(quarter):
    # the played quarter depends on the hour it is played at: an order of a prepayment customer waits at Register
    # prepayment for certain
    quarter.start("order_release", {"customer_id": 2, "amount": 30000, "quote_id": 3}, "SO-REPLAY-PREPAID", "bob")
    with quarter.store.read() as session:
        def cases(process_key: str, element_id: str) -> tuple[set[str], set[str]]:
            waiting = set(session.scalars(select(TaskRow.instance_id).where(
                TaskRow.process_key == process_key, TaskRow.element_id == element_id, TaskRow.state == "ready")))
            went_through = set(session.scalars(select(HistoryEvent.instance_id).where(
                HistoryEvent.element_id == element_id, HistoryEvent.type == "task_completed")))
            return waiting, went_through

        # the played quarter depends on the hour it is played at: take a step some cases wait at
        process_key, element_id, name, waiting, went_through = next(
            (key, element, step, *found) for key, element, step in REMOVABLE if (found := cases(key, element))[0])
    assert waiting and went_through

    result = quarter.authoring.replay(adapted(quarter, process_key, {"op": "remove_task", "element_id": element_id}))

    refused = {case["instance_id"]: case for case in result["cases"] if case["verdict"] == "not_replayable"}
    assert set(refused) == waiting
    assert {case["reason"] for case in refused.values()} == {f"it waits at {name}, which the draft removes"}
    skipped = {case["instance_id"] for case in result["cases"] if name in case["steps_skipped"]}
    assert skipped == went_through - waiting
    assert f"{len(waiting)} case{'s' if len(waiting) != 1 else ''} cannot be replayed: it waits at {name}, " \
           "which the draft removes." in result["summary"]


def test_a_lower_credit_threshold_says_which_orders_the_credit_control_would_have_blocked(quarter):
    before = row_counts(quarter)
    result = quarter.authoring.replay(adapted(quarter, "order_release",
                                              {"op": "set_parameter", "name": "credit_alert_threshold",
                                               "value": 0.5}))

    blocked = [case for case in result["cases"] if "credit_usage" in case["control_points"]["fired"]]
    assert blocked
    for case in blocked:
        assert case["verdict"] == "changed"
        assert "Check credit usage ran against today's records (its inputs differ from the recorded call)" \
            in case["reason"]
    assert any("would have been blocked by the control point “Credit usage" in line for line in result["summary"])
    # the dry calls ran against today's records and left nothing behind (the draft's copy is its own row)
    after = row_counts(quarter)
    assert {k: v for k, v in after.items() if k != "draft"} == {k: v for k, v in before.items() if k != "draft"}


def test_replaying_writes_nothing(quarter):
    drafts = [adapted(quarter, key) for key in PROCESSES]
    before = row_counts(quarter)

    for draft in drafts:
        quarter.authoring.replay(draft)

    assert row_counts(quarter) == before
