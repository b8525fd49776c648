"""The task list as staff use it: customer and amount beside each task, search, pages, claiming several at once."""
from __future__ import annotations

import re

from domain.records import Customer
from tests.pages.test_pages import INFO

TASK_ROW = re.compile(r'<tr class="[^"]*" data-task="([^"]+)">')


def to_finance(engine, business_key: str) -> str:
    """A new-customer request past its first step: a finance task waiting to be claimed."""
    instance = engine.start("customer_approval", {}, business_key, "alice")
    first = engine.tasks(instance_id=instance.id)[0]
    engine.complete(first.id, "alice", {**INFO, "requested_credit_limit": 300000})
    return engine.tasks(instance_id=instance.id)[0].id


def test_each_task_shows_its_case_s_customer_and_amount_and_the_search_finds_a_customer(engine, signed_in):
    engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-LIST-1", "alice")
    engine.start("order_release", {"customer_id": 3, "amount": 1_700_000}, "SO-LIST-2", "alice")
    carol = signed_in("carol")
    page = carol.get("/tasks").get_data(as_text=True)
    row = page[page.index("SO-LIST-1") - 1500:page.index("SO-LIST-1")]
    assert "Shanghai Precision Machinery" in row and "100,000" in row
    found = carol.get("/tasks?q=beijing").get_data(as_text=True)  # part of the customer's name
    assert "SO-LIST-2" in found and "1,700,000" in found and "SO-LIST-1" not in found
    assert "SO-LIST-1" in carol.get("/tasks?q=SO-LIST-1").get_data(as_text=True)
    by_task = carol.get("/tasks?q=credit block").get_data(as_text=True)
    assert "SO-LIST-1" in by_task and "SO-LIST-2" not in by_task
    assert "No tasks" in carol.get("/tasks?q=%25").get_data(as_text=True)  # a wildcard is a character
    assert "SO-LIST-2" in carol.get("/tasks?q=beijing&process_key=&overdue=").get_data(as_text=True)  # empty boxes


def test_the_group_list_pages_through_many_tasks(engine, signed_in):
    ids = {to_finance(engine, f"NC-{n:02d}") for n in range(27)}
    frank = signed_in("frank")
    first = frank.get("/tasks").get_data(as_text=True)
    second = frank.get("/tasks?group_page=2").get_data(as_text=True)
    on_first, on_second = set(TASK_ROW.findall(first)), set(TASK_ROW.findall(second))
    assert len(on_first) == 25 and len(on_second) == 2 and on_first | on_second == ids
    assert 'rel="next"' in first and 'rel="next"' not in second and 'rel="prev"' in second
    assert frank.get("/tasks?group_page=abc").status_code == 200  # an unreadable page number is page 1


def test_several_group_tasks_are_claimed_at_once_and_one_taken_meanwhile_is_named(engine, signed_in):
    ids = [to_finance(engine, f"NC-B{n}") for n in range(3)]
    engine.claim(ids[1], "fiona", ["finance"])  # a colleague was quicker
    frank = signed_in("frank")
    frank.get("/tasks")
    response = frank.post("/tasks/claim", task=[*ids, "x\x00y"])  # a forged id is named, not a 500
    assert response.status_code == 302
    assert [engine.task(i).assignee for i in ids] == ["frank", "fiona", "frank"]
    page = frank.get("/tasks").get_data(as_text=True)
    assert "Tasks claimed 2" in page and "Not claimed" in page and "already claimed by fiona" in page


def test_an_assignee_hands_a_task_to_a_colleague_and_an_administrator_reassigns_it(engine, signed_in):
    task_id = to_finance(engine, "NC-HAND")
    engine.claim(task_id, "frank", ["finance"])
    frank = signed_in("frank")
    page = frank.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "<option>fiona</option>" in page and "<option>frank</option>" not in page
    assert frank.post(f"/tasks/{task_id}/delegate", to="alice").status_code == 422  # not in finance
    assert engine.task(task_id).assignee == "frank"
    handed = frank.post(f"/tasks/{task_id}/delegate", to="fiona", next=f"/tasks/{task_id}")
    assert handed.status_code == 302 and handed.headers["Location"].endswith("/tasks")  # not a page he may not see
    assert engine.task(task_id).assignee == "fiona"
    assert "Task handed to" in frank.get("/tasks").get_data(as_text=True)
    root = signed_in("root")
    case_page = root.get(f"/processes/instances/{engine.task(task_id).instance_id}").get_data(as_text=True)
    assert "Reassign to" in case_page and "<option>frank</option>" in case_page
    assert root.post(f"/tasks/{task_id}/delegate", to="frank").status_code == 302
    assert engine.task(task_id).assignee == "frank"
    assert [e.actor for e in engine.history(engine.task(task_id).instance_id) if e.type == "task_delegated"] == [
        "frank", "root"]


def test_a_manager_filters_a_report_drills_into_a_row_and_downloads_it(engine, signed_in):
    engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-REP", "alice")
    carol = signed_in("carol")
    page = carol.get("/reports/active_customers").get_data(as_text=True)
    assert '<svg class="chart"' in page and "East" in page and "North" in page
    narrowed = carol.get("/reports/active_customers?region=north").get_data(as_text=True)
    table = narrowed[narrowed.index('data-report="active_customers"'):]
    assert ">North</a>" in table and ">East</a>" not in table
    behind = carol.get("/reports/control_points?drill=credit_usage").get_data(as_text=True)
    assert "SO-REP" in behind
    download = carol.get("/reports/active_customers?format=csv&lang=zh")
    assert download.mimetype == "text/csv" and download.data.startswith("\ufeff".encode())
    assert "区域" in download.data.decode("utf-8-sig").splitlines()[0]
    conformance = carol.get("/reports/conformance?process_key=order_release").get_data(as_text=True)
    assert 'class="variant"' in conformance and "Task_PriceException" in conformance
    carol.get("/language/zh")
    assert "活跃客户（按区域）" in carol.get("/reports").get_data(as_text=True)
    assert carol.get("/reports/active_customers?since=soon").status_code == 422


def test_the_conformance_page_shows_a_credit_limit_raised_outside_any_approval_in_chinese(engine, signed_in):
    def raise_limit(uow):  # no case, no approval: straight into the record
        customer = uow.session.get(Customer, 1)
        customer.credit_limit = customer.credit_limit * 2
    engine.execute(raise_limit, actor="alice")
    carol = signed_in("carol")
    carol.get("/language/zh")
    page = carol.get("/reports/conformance?process_key=customer_approval").get_data(as_text=True)
    assert "流程外修改" in page and "上次核定" in page


def test_steps_carry_their_chinese_names_in_task_lists_task_pages_and_conformance(engine, signed_in):
    engine.start("customer_approval", business_key="NC-ZH", actor="alice")
    alice = signed_in("alice")
    alice.get("/language/zh")
    tasks = alice.get("/tasks").get_data(as_text=True)
    assert "客户信息录入" in tasks  # the model's nameZh of Task_CustomerInfoEntry
    (task,) = engine.tasks(instance_id=engine.instances(process_key="customer_approval")[0].id)
    page = alice.get(f"/tasks/{task.id}").get_data(as_text=True)
    diagram = page[page.index("<svg"):page.index("</svg>")]
    for chinese in ("新客户审批", "销售", "信用管理", "申请新客户", "付款条件通过？", "确定审批层级"):
        assert chinese in diagram, chinese  # the pool, lanes, events, gateways and steps in the reader's language
    assert "Payment terms approved?" not in diagram and ">sales<" not in diagram
    carol = signed_in("carol")
    carol.get("/language/zh")
    conformance = carol.get("/reports/conformance?process_key=customer_approval").get_data(as_text=True)
    assert "总经理审批" in conformance  # a step never taken, by its Chinese name
    carol.get("/language/en")
    english = carol.get("/reports/conformance?process_key=customer_approval").get_data(as_text=True)
    assert "General manager approval" in english
