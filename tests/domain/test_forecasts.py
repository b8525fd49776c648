"""The sales month and week: schedules start one case per salesperson, once; the 30 % forecast control point;
the weekly report with the CRM's figures."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.records import Activity, Forecast, Notification, Opportunity, WeeklyReport
from engine import Conflict, Engine, Forbidden, InvalidModel
from engine.runtime.worker import Worker
from tests.crm import prepare_crm

SALES = ["alice", "bob", "carol", "maggie"]  # the demo's sales group
DEC_15 = datetime.fromisoformat("2026-12-15T09:00:00+08:00")
JAN_1 = datetime.fromisoformat("2027-01-01T00:00:00+08:00")
FEB_1 = datetime.fromisoformat("2027-02-01T00:00:00+08:00")
MAR_1 = datetime.fromisoformat("2027-03-01T00:00:00+08:00")
BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def month(engine: Engine, clock) -> Engine:
    """The CRM with its scheduled processes deployed in mid-December."""
    clock.now = DEC_15
    return prepare_crm(engine, scheduled=True)


def cases(crm: Engine, process_key: str) -> list:
    return [i for i in crm.instances(limit=500) if i.process_key == process_key]


def forecast_task(crm: Engine, user: str):
    found = [t for t in crm.tasks(assignee=user) if t.element_id == "Task_Forecast"]
    assert len(found) == 1, found
    return found[0]


def win(crm: Engine, owner: str, amount: float, closed: datetime) -> None:
    def won(uow):
        uow.session.add(Opportunity(customer_id=1, name=f"deal of {owner}", stage="won", amount=Decimal(str(amount)),
                                    probability=100, owner=owner, created_at=closed, stage_changed_at=closed,
                                    closed_at=closed))
    crm.execute(won)


def forecast_of(crm: Engine, owner: str, period: str = "2027-02") -> Forecast:
    with crm.store.read() as session:
        return session.scalars(select(Forecast).where(Forecast.owner == owner, Forecast.period == period)).one()


def test_the_first_of_the_month_starts_one_forecast_per_salesperson_once(month, clock):
    assert Worker(month.context).run_once() == 0  # nothing fires for what was due before the deploy
    clock.now = JAN_1 + timedelta(minutes=1)
    assert Worker(month.context).run_once() == 2  # the forecasts, and the weekly reports of Dec 25 (the 18th's missed)
    assert Worker(month.context).run_once() == 0
    assert len(cases(month, "weekly_report")) == len(SALES)
    started = cases(month, "sales_forecast")
    assert sorted(i.business_key for i in started) == [f"FC-2027-01-01-{user}" for user in SALES]
    for user in SALES:
        task = forecast_task(month, user)
        assert task.due_at == clock() + timedelta(days=5)
    assert forecast_of(month, "alice", "2027-02").requested_at == clock()
    clock.now = FEB_1 + timedelta(hours=1)
    Worker(month.context).run_once()
    assert len(cases(month, "sales_forecast")) == 8  # February's, once


def test_two_workers_at_the_same_moment_start_the_cases_once(month, clock, database_url):
    clock.now = JAN_1 + timedelta(seconds=30)
    other = Engine(database_url, pack=month.context.pack, clock=clock)
    try:
        barrier, results = threading.Barrier(2), []

        def run(engine: Engine) -> None:
            barrier.wait()
            results.append(Worker(engine.context).run_once())

        threads = [threading.Thread(target=run, args=(e,)) for e in (month, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert len(cases(month, "sales_forecast")) == len(SALES)
    assert len(cases(month, "weekly_report")) == len(SALES)
    assert sum(results) == 2  # each firing taken by one worker


def test_a_scheduled_process_cannot_be_started_by_hand(month):
    with pytest.raises(Conflict) as refused:
        month.start("sales_forecast", {}, actor="alice")
    assert refused.value.code == "scheduled_process"


def submit_for_february(month, clock, user: str, amount: float, deals: int = 1) -> str:
    clock.now = JAN_1 + timedelta(hours=9)
    Worker(month.context).run_once()
    task = forecast_task(month, user)
    month.complete(task.id, user, {"forecast_amount": amount, "expected_deals": deals}, ["sales"])
    return task.instance_id


@pytest.mark.parametrize(("won", "deviation", "explain"), [(71_000, 0.29, False), (70_000, 0.30, False),
                                                           (69_000, 0.31, True)])
def test_a_deviation_above_30_percent_asks_for_a_reason(month, clock, won, deviation, explain):
    instance_id = submit_for_february(month, clock, "alice", 100_000)
    win(month, "alice", won, datetime.fromisoformat("2027-02-20T15:00:00+08:00"))
    win(month, "alice", 500_000, datetime.fromisoformat("2027-01-31T23:00:00+08:00"))  # January's: not counted
    win(month, "alice", 400_000, datetime.fromisoformat("2027-03-01T00:00:00+08:00"))  # March's: not counted
    clock.now = MAR_1 - timedelta(minutes=1)
    Worker(month.context).run_once()  # the month has not closed yet (other schedules fire meanwhile)
    assert [t.element_id for t in month.tasks(instance_id=instance_id)] == []
    assert forecast_of(month, "alice").status == "submitted"
    assert month.instance(instance_id).status == "waiting"
    clock.now = MAR_1 + timedelta(minutes=5)
    Worker(month.context).run_once()
    record = forecast_of(month, "alice")
    assert (float(record.actual), record.deviation) == (won, deviation)
    waiting = [t.element_id for t in month.tasks(instance_id=instance_id)]
    fired = [e for e in month.history(instance_id) if e.type == "control_point_triggered"]
    if explain:
        assert waiting == ["Task_ExplainDeviation"] and record.status == "explain"
        assert fired[0].data["control_point"] == "forecast_deviation" and fired[0].data["deviation"] == 0.31
        with month.store.read() as session:
            alert = session.scalars(select(Notification.body).where(Notification.username == "alice",
                                                                    Notification.kind == "alert")).one()
        assert "31 %" in alert and "100,000.00" in alert and "69,000.00" in alert and "偏差 31 %" in alert
    else:
        assert waiting == [] and month.instance(instance_id).status == "completed" and not fired
        assert record.status == "met"


def test_a_rejected_reason_is_recorded_and_never_judged_by_the_salesperson(month, clock):
    instance_id = submit_for_february(month, clock, "carol", 200_000)  # carol sells and manages
    clock.now = MAR_1 + timedelta(minutes=5)
    Worker(month.context).run_once()
    explain = month.tasks(instance_id=instance_id)[0]
    month.complete(explain.id, "carol", {"deviation_reason": "the Chengdu tender moved to March"}, ["sales"])
    review = month.tasks(instance_id=instance_id)[0]
    assert review.element_id == "Task_ReviewReason" and "carol" in (review.excluded or [])
    with pytest.raises(Forbidden):  # four eyes: her own reason is not hers to accept
        month.claim(review.id, "carol", ["sales_manager"])
    month.claim(review.id, "maggie", ["sales_manager"])
    month.complete(review.id, "maggie", {"reason_accepted": False, "review_comment": "known in December"},
                   ["sales_manager"])
    rejected = [e for e in month.history(instance_id) if e.type == "forecast_reason_rejected"]
    assert rejected[0].data["reason"] == "the Chengdu tender moved to March" and rejected[0].data["by"] == "maggie"
    record = forecast_of(month, "carol")
    assert (record.status, record.reviewed_by, record.deviation) == ("rejected", "maggie", 1.0)
    assert month.instance(instance_id).status == "completed"


def test_no_deals_forecast_zero_deviates_by_nothing(month, clock):
    instance_id = submit_for_february(month, clock, "bob", 0, deals=0)
    clock.now = MAR_1 + timedelta(minutes=5)
    Worker(month.context).run_once()
    record = forecast_of(month, "bob")
    assert (record.deviation, record.status) == (0.0, "met")
    assert month.instance(instance_id).status == "completed"


def test_the_forecast_is_suggested_from_the_open_pipeline_and_reminded(month, clock):
    def pipeline(uow):
        for amount, probability, close in ((400_000, 50, "2027-02-10"), (900_000, 75, "2027-03-01")):
            uow.session.add(Opportunity(customer_id=1, name="open deal", stage="proposal", amount=Decimal(amount),
                                        probability=probability, owner="alice", expected_close=close,
                                        created_at=uow.now, stage_changed_at=uow.now))
    month.execute(pipeline)
    clock.now = FEB_1 + timedelta(minutes=1)
    Worker(month.context).run_once()
    task = forecast_task(month, "alice")  # the first firing after the deploy: February's, for March
    assert month.task_data(task.id)["forecast"]["period"] == "2027-03"
    record = forecast_of(month, "alice", "2027-03")
    assert (float(record.pipeline), record.pipeline_deals) == (675_000, 1)  # 900,000 at 75 %, closing in March
    clock.now = FEB_1 + timedelta(days=3, minutes=2)
    Worker(month.context).run_once()
    with month.store.read() as session:
        reminders = list(session.scalars(select(Notification.title).where(Notification.username == "alice",
                                                                          Notification.kind == "reminder")))
    assert any("2027-03" in title for title in reminders)


def test_the_weekly_report_holds_the_weeks_figures_and_goes_to_another_manager(month, clock):
    friday = datetime.fromisoformat("2026-12-18T16:00:00+08:00")

    def week(uow):
        for day in (14, 16):
            uow.session.add(Activity(customer_id=1, owner="alice", kind="visit",
                                     at=datetime.fromisoformat(f"2026-12-{day}T10:00:00+08:00")))
        uow.session.add(Activity(customer_id=1, owner="alice", kind="call",
                                 at=datetime.fromisoformat("2026-12-16T11:00:00+08:00")))
    month.execute(week)
    win(month, "alice", 120_000, datetime.fromisoformat("2026-12-17T10:00:00+08:00"))
    clock.now = friday + timedelta(minutes=1)
    Worker(month.context).run_once()
    task = [t for t in month.tasks(assignee="alice") if t.element_id == "Task_WeeklyReport"][0]
    facts = {f["key"]: f["value"] for f in month.task_context(task.id)}
    assert (facts["visits"], facts["deals_signed"], facts["signed_amount"]) == (2, 1, "120,000.00")
    month.complete(task.id, "alice", {"next_week_plan": "visit Beijing Energy about the renewal"}, ["sales"])
    review = month.tasks(instance_id=task.instance_id)[0]
    month.claim(review.id, "carol", ["sales_manager"])
    month.complete(review.id, "carol", {"review_comment": "good"}, ["sales_manager"])
    with month.store.read() as session:
        report = session.scalars(select(WeeklyReport).where(WeeklyReport.owner == "alice")).one()
    assert (report.week, report.visits, report.reviewed_by) == ("2026-12-14", 2, "carol")
    assert report.submitted_at is not None and report.plan.startswith("visit Beijing")


@pytest.mark.parametrize(("timer", "words"), [
    ("<bpmn:timeDuration>P1D</bpmn:timeDuration>", "is a duration"),
    ("<bpmn:timeCycle>R/P1M/2027-01-01T00:00:00+08:00</bpmn:timeCycle>", "names its end"),
    ("<bpmn:timeCycle>R/2027-01-01T00:00:00/P1M</bpmn:timeCycle>", "names no time zone"),
    ("<bpmn:timeCycle>0 0 1 * *</bpmn:timeCycle>", "cron expression"),
    ("<bpmn:timeCycle>R/2027-01-01T00:00:00+08:00/PT0S</bpmn:timeCycle>", "zero seconds"),
    ("<bpmn:timeCycle>every friday</bpmn:timeCycle>", "repeating interval"),
])
def test_a_schedule_an_analyst_gets_wrong_is_refused_naming_the_start(month, timer, words):
    model = (BPMN_DIR / "weekly_report.bpmn").read_text().replace(
        '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R/2026-01-02T16:00:00+08:00/P7D</bpmn:timeCycle>', timer)
    with pytest.raises(InvalidModel) as refused:
        month.deploy(model.encode(), process_key="weekly_report_copy")
    found = [p for p in refused.value.problems if p.code == "bad_timer"]
    assert found and found[0].element_id == "Start_Friday" and words in found[0].message, refused.value.problems


def test_start_for_on_a_start_anyone_presses_is_refused(month):
    model = (BPMN_DIR / "lead_to_opportunity.bpmn").read_text().replace(
        '<spiffworkflow:property name="formKey" value="lead_start"/>',
        '<spiffworkflow:property name="formKey" value="lead_start"/><spiffworkflow:property name="startFor" '
        'value="sales"/>')
    with pytest.raises(InvalidModel) as refused:
        month.deploy(model.encode(), process_key="lead_copy")
    assert any(p.code == "bad_schedule" and "timer start event" in p.message for p in refused.value.problems)



def test_an_analyst_simulates_a_copy_with_a_lower_threshold(month):
    draft = month.authoring.copy("sales_forecast", author="ann")
    month.authoring.edit(draft.id, [{"op": "set_parameter", "name": "forecast_deviation_threshold", "value": 0.1}],
                         "ann")
    outcome = month.authoring.simulate(f"draft:{draft.id}", {"member": "bob", "scheduled_for": JAN_1.isoformat()},
                                       {"Task_Forecast": {"forecast_amount": 100_000, "expected_deals": 1}})
    steps = [step["element_id"] for step in outcome["path"]]
    assert steps[:3] == ["Start_FirstOfMonth", "Service_RequestForecast", "Task_Forecast"]
    assert outcome["status"] == "waiting"  # at the month's close, whatever it brings
