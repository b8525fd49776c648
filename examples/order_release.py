"""Order release (订单放行): the control points fire — credit usage blocks, a manager overrides;
a prepayment customer waits for the money.

    .venv/bin/python examples/order_release.py
"""
from _story import Story, engine

crm = engine()
blocked = Story(crm, "order_release", {"customer_id": 1, "amount": 100000, "quote_id": None}, "SO-1001", "alice")
blocked.work("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic order, CFO agreed")
blocked.finish()

prepaid = Story(crm, "order_release", {"customer_id": 2, "amount": 30000, "quote_id": None}, "SO-1002", "bob")
prepaid.work("Task_RegisterPrepayment", "frank", payment_amount=30000, payment_reference="ICBC-20261124-01")
prepaid.finish()
