"""Lead to opportunity: duplicates, assignment by region/industry, qualification threshold, conversion."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from domain.records import Customer, Lead, Opportunity
from domain.services import convert_lead
from engine import Engine, ServiceCall

LEAD = dict(company="Suzhou Robotics 苏州机器人", source="referral", contact_name="Zhou Jie", email="zj@szr.cn",
            phone="+86 512 0000", region="east", industry="manufacturing")
HOT = dict(budget_confirmed=True, decision_maker_known=True, timeline="this_quarter", estimated_amount=250000)
COLD = dict(budget_confirmed=False, decision_maker_known=False, timeline="later", estimated_amount=0)


def lead(crm: Engine, company: str) -> Lead:
    with crm.store.read() as session:
        return session.scalars(select(Lead).where(Lead.company == company).order_by(Lead.id.desc())).first()


def test_a_qualified_lead_becomes_customer_contact_and_opportunity(crm, desk):
    d = desk(crm.start("lead_to_opportunity", LEAD, business_key="L-1", actor="marketing"))
    qualify = d.task("Task_QualifyLead")
    assert qualify.assignee == "alice" and "region East" in qualify.assignment_reason
    d.complete("Task_QualifyLead", "alice", **HOT)
    assert d.waiting_at() == ["Task_PlanFirstMeeting"]
    converted = lead(crm, LEAD["company"])
    assert (converted.status, converted.score) == ("converted", 100)  # referral 25 + budget 20 + authority 15 + quarter 25 + size 15
    with crm.store.read() as session:
        assert session.get(Customer, converted.customer_id).name == LEAD["company"]
        assert float(session.get(Opportunity, converted.opportunity_id).amount) == 250000
        # captured by marketing, qualified by alice: the lead, its customer and its opportunity are hers now
        assert converted.owner == session.get(Customer, converted.customer_id).owner == "alice"
        assert session.get(Opportunity, converted.opportunity_id).owner == "alice"
    d.complete("Task_PlanFirstMeeting", "alice", meeting_date="2026-12-01", agenda="needs and demo")
    assert d.status == "completed"


def test_assignment_follows_industry_when_no_region_rule_fits(crm, desk):
    d = desk(crm.start("lead_to_opportunity", {**LEAD, "region": "north", "industry": "energy",
                                                "company": "Datong Power"}, actor="marketing"))
    task = d.task("Task_QualifyLead")
    assert task.assignee == "carol" and "industry Energy" in task.assignment_reason


def test_a_lead_below_the_threshold_is_disqualified_with_its_reason(crm, desk):
    d = desk(crm.start("lead_to_opportunity", {**LEAD, "source": "cold_call"}, actor="marketing"))
    d.complete("Task_QualifyLead", "alice", **COLD)
    d.complete("Task_DisqualifyLead", "alice", reason="no budget this year", nurture=False)
    closed = lead(crm, LEAD["company"])
    assert (closed.status, closed.reason, closed.score) == ("disqualified", "no budget this year", 5)


def test_a_duplicate_goes_to_the_merge_task_and_can_be_merged(crm, desk):
    desk(crm.start("lead_to_opportunity", LEAD, actor="marketing"))
    d = desk(crm.start("lead_to_opportunity", {**LEAD, "contact_name": "Zhou J."}, actor="marketing"))
    assert d.waiting_at() == ["Task_MergeLead"]
    d.complete("Task_MergeLead", "alice", merge_confirmed=True)
    merged = lead(crm, LEAD["company"])
    assert merged.status == "merged" and merged.duplicate_of is not None
    assert d.status == "completed"


def test_a_suspected_duplicate_can_be_kept_and_qualified(crm, desk):
    desk(crm.start("lead_to_opportunity", LEAD, actor="marketing"))
    d = desk(crm.start("lead_to_opportunity", LEAD, actor="marketing"))
    d.complete("Task_MergeLead", "alice", merge_confirmed=False, comment="different plant")
    assert d.waiting_at() == ["Task_QualifyLead"]


def test_converting_a_lead_twice_returns_the_same_records(crm):
    def convert_twice(uow):
        capture = lambda: ServiceCall(uow.session, "i", "lead_to_opportunity", None, "Service_ConvertLead",  # noqa
                                      "alice", datetime.now(UTC))
        new = Lead(company="Twice Ltd", source="web", created_at=datetime.now(UTC))
        uow.session.add(new)
        uow.session.flush()
        return convert_lead(capture(), new.id, 1000), convert_lead(capture(), new.id, 1000)

    first, second = crm.execute(convert_twice)
    assert first == second


def test_a_lead_converted_by_someone_outside_sales_goes_to_the_salesperson_of_its_region(crm):
    def convert_as(actor: str):
        def command(uow):
            new = Lead(company=f"Retried by {actor}", source="web", region="south", industry="retail", owner="marketing",
                       created_at=datetime.now(UTC))
            uow.session.add(new)
            uow.session.flush()
            call = ServiceCall(uow.session, "i", "lead_to_opportunity", None, "Service_ConvertLead", actor,
                               datetime.now(UTC))
            return uow.session.get(Customer, convert_lead(call, new.id)["customer_id"]).owner
        return crm.execute(command)

    assert convert_as("root") == "bob"  # an administrator retrying the step: the south's salesperson owns it
    assert convert_as("carol") == "carol"  # a member of sales converting it owns it


def test_a_lead_with_only_what_its_form_requires_runs(crm, desk):
    bare = {name: LEAD[name] for name in ("company", "source", "region", "industry")}
    d = desk(crm.start("lead_to_opportunity", {**bare, "company": "Wuxi Valves 无锡阀门"}, actor="marketing"))
    assert d.waiting_at() == ["Task_QualifyLead"]  # no contact, e-mail or phone: nothing missing for the model
    captured = lead(crm, "Wuxi Valves 无锡阀门")
    assert (captured.contact_name, captured.email, captured.phone) == (None, None, None)
