"""Order release (订单放行): the control points fire — credit usage blocks, a manager overrides;
a prepayment customer waits until finance's system says the money arrived
(POST /api/messages; sent twice, it counts once); an order with no quote waits for a price exception,
which its own requester may not give.

    .venv/bin/python examples/order_release.py
"""
from _story import Story, engine

crm = engine()
blocked = Story(crm, "order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-1001", "alice")
blocked.work("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic order, CFO agreed")
blocked.finish()

prepaid = Story(crm, "order_release", {"customer_id": 2, "amount": 30000, "quote_id": 3}, "SO-1002", "bob")
prepaid.message("payment_received", "ICBC-20261124-01", "erp", payment_amount=30000,
                payment_reference="ICBC-20261124-01")
prepaid.message("payment_received", "ICBC-20261124-01", "erp", payment_amount=30000,
                payment_reference="ICBC-20261124-01")
prepaid.finish()

unquoted = Story(crm, "order_release", {"customer_id": 3, "amount": 80000}, "SO-1003", "carol")
unquoted.refused("Task_PriceException", "carol")  # four eyes: carol entered this order
unquoted.work("Task_PriceException", "maggie", price_exception_approved=True,
              price_exception_reason="list price for a repeat order")
unquoted.finish()
