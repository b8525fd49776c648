"""Complaint handling (客户投诉处理): a large compensation needs the supervisor.

    .venv/bin/python examples/complaint_handling.py
"""
from _story import Story, engine

crm = engine()
story = Story(crm, "complaint_handling", {}, "CMP-88", actor="sam")
story.work("Task_RegisterComplaint", "sam", customer_id=1, product="CNC-500", description="Spindle vibrates")
story.work("Task_ClassifyComplaint", "sam", severity="high", product="CNC-500")
story.work("Task_Investigate", "sam", findings="faulty bearing batch 42")
story.work("Task_ProposeResolution", "sam", resolution="replace spindle and refund service fee", compensation=8000)
story.work("Task_ApproveCompensation", "sue", compensation_approved=True)
story.work("Task_CustomerConfirmation", "sam", satisfied=True)
story.work("Task_CloseComplaint", "sam", root_cause="supplier bearing batch 42")
story.finish()
