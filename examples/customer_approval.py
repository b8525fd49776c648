"""New customer approval (新客户审批): a large credit limit goes to the general manager; a customer on watch asks
for 30 days, which its class may not get, and the credit manager decides on the exception.

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

# A customer on watch (观察客户) may only prepay (decision table payment_terms): finance approves 30 days anyway,
# the control point payment_terms_class alerts alice and the credit manager decides on the exception.
watched = Story(crm, "customer_approval", {}, "NC-2026-002", actor="alice")
watched.work("Task_CustomerInfoEntry", "alice", customer_name="Xiamen Coastal Foods 厦门海岸食品", region="south",
             industry="retail", requested_credit_limit=200000, payment_terms="net30", contact_name="Lin Tao",
             customer_class="watch")
watched.work("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30")
watched.work("Task_TermsException", "cathy", terms_exception_approved=True,
             terms_exception_reason="three years paid on time at the parent company")
watched.work("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=200000)
watched.work("Task_SalesExpenseEvaluation", "carol", expected_annual_revenue=900000, sales_expense_budget=20000,
             expense_approved=True)
watched.finish()
