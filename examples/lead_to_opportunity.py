"""Lead to opportunity (线索转商机): assigned by region, qualified, converted — then the new customer approved.

    .venv/bin/python examples/lead_to_opportunity.py
"""
import uuid

from _story import Story, engine
from sqlalchemy import select

from domain.records import Customer

crm = engine()
company = f"Suzhou Robotics 苏州机器人 {uuid.uuid4().hex[:4]}"  # a new company each run: no duplicate
story = Story(crm, "lead_to_opportunity", {"company": company, "source": "referral", "contact_name": "Zhou Jie",
              "region": "east", "industry": "manufacturing"}, "LEAD-7", "marketing")
story.work("Task_QualifyLead", "alice", budget_confirmed=True, decision_maker_known=True, timeline="this_quarter",
           estimated_amount=250000)
story.work("Task_PlanFirstMeeting", "alice", meeting_date="2026-12-01", agenda="needs analysis and demo")
story.finish()

# The conversion made a customer that takes no order until approved; alice's inbox says so, and she asks for it.
with crm.store.read() as session:
    customer = session.scalars(select(Customer).where(Customer.name == company)).one()
print(f"   customer C-{customer.id:05d} is {customer.status}: no orders until a new customer approval decides it")
approval = Story(crm, "customer_approval", {"customer_id": customer.id}, f"NC-C-{customer.id:05d}", "alice")
approval.work("Task_CustomerInfoEntry", "alice", customer_name=company, region="east", industry="manufacturing",
              requested_credit_limit=300000, payment_terms="net30", contact_name="Zhou Jie")
approval.work("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
approval.work("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=300000)
approval.work("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=2000000, sales_expense_budget=40000,
              expense_approved=True)
approval.finish()
with crm.store.read() as session:
    customer = session.get(Customer, customer.id)
print(f"   customer C-{customer.id:05d} is {customer.status}, credit limit {customer.credit_limit:,.0f}")
