"""Lead to opportunity (线索转商机): assigned by region, qualified, converted.

    .venv/bin/python examples/lead_to_opportunity.py
"""
import uuid

from _story import Story, engine

crm = engine()
company = f"Suzhou Robotics 苏州机器人 {uuid.uuid4().hex[:4]}"  # a new company each run: no duplicate
story = Story(crm, "lead_to_opportunity", {"company": company, "source": "referral", "contact_name": "Zhou Jie",
              "email": None, "phone": None, "region": "east", "industry": "manufacturing"}, "LEAD-7", "marketing")
story.work("Task_QualifyLead", "alice", budget_confirmed=True, decision_maker_known=True, timeline="this_quarter",
           estimated_amount=250000)
story.work("Task_PlanFirstMeeting", "alice", meeting_date="2026-12-01", agenda="needs analysis and demo")
story.finish()
