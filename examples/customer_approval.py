"""New customer approval (新客户审批): a large credit limit goes to the general manager.

    .venv/bin/python examples/customer_approval.py
"""
from _story import Story, engine

crm = engine()
story = Story(crm, "customer_approval", {}, "NC-2026-001", actor="alice")
story.work("Task_CustomerInfoEntry", "alice", customer_name="Hangzhou Smart Devices 杭州智能设备", region="east",
           industry="manufacturing", requested_credit_limit=800000, payment_terms="net30", contact_name="Li Ming")
story.work("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
story.work("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=800000)
story.work("Task_GeneralManagerApproval", "george", gm_approved=True, comment="key account")
story.work("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=5000000, sales_expense_budget=80000,
           expense_approved=True)
story.finish()
