"""Starting cases from the pages: start forms with pickers that find customers, quotes and contacts by name."""
from __future__ import annotations

import html
import re

from domain.records import Customer

ACTIVE = re.compile(r'<option value="([^"]+· C-\d{5})"')


def case_count(engine, key: str) -> int:
    return len(engine.instances(process_key=key, limit=500))


def test_staff_start_an_order_choosing_customer_and_quote_by_name(engine, signed_in):
    alice = signed_in("alice")
    assert 'href="/processes/order_release/start"' in alice.get("/processes").get_data(as_text=True)
    page = alice.get("/processes/order_release/start").get_data(as_text=True)
    offered = ACTIVE.findall(page)
    assert "Shanghai Precision Machinery 上海精密机械 · C-00001" in offered and "customer_id" in page
    response = alice.post("/processes/order_release/start", business_key="SO-PAGE-1",
                          customer_id="Shanghai Precision Machinery 上海精密机械 · C-00001", amount="100,000",
                          quote_id="approved price 100,000.00 · Q-00002", once="first-click")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (case,) = engine.instances(process_key="order_release")
    assert case.business_key == "SO-PAGE-1" and case.started_by == "alice"
    assert case.summary["customer_id"] == 1 and case.summary["quote_id"] == 2 and case.summary["amount"] == 100000
    assert [t.element_id for t in engine.tasks(instance_id=case.id)] == ["Task_CreditOverride"]  # 95 % usage

    again = alice.post("/processes/order_release/start", business_key="SO-PAGE-1",
                       customer_id="Shanghai Precision Machinery 上海精密机械 · C-00001", amount="100,000",
                       quote_id="approved price 100,000.00 · Q-00002", once="first-click")
    assert again.status_code == 302 and case_count(engine, "order_release") == 1  # a double click: one case


def test_a_double_submitted_start_without_business_key_starts_one_case(engine, signed_in):
    alice = signed_in("alice")
    alice.get("/processes/order_release/start")
    form = {"customer_id": "Beijing Energy", "amount": "1000", "once": "same-form"}
    assert alice.post("/processes/order_release/start", **form).status_code == 302
    assert alice.post("/processes/order_release/start", **form).status_code == 302
    assert case_count(engine, "order_release") == 1


def test_a_name_that_matches_no_record_or_a_quote_of_another_customer_is_named_next_to_its_field(engine, signed_in):
    alice = signed_in("alice")
    alice.get("/processes/order_release/start")
    nobody = alice.post("/processes/order_release/start", customer_id="Nanjing Nobody", amount="abc")
    body = nobody.get_data(as_text=True)
    assert nobody.status_code == 422
    assert re.search(r'id="error-customer_id">no active customer named &#39;Nanjing Nobody&#39;', body)
    assert 'id="error-amount">must be a number' in body and 'value="Nanjing Nobody"' in body  # kept as typed

    other = alice.post("/processes/order_release/start", customer_id="Beijing Energy Group 北京能源集团",
                       amount="1000", quote_id="Q-00002")
    body = other.get_data(as_text=True)
    assert other.status_code == 422 and re.search(r'id="error-quote_id">there is no quote Q-00002 of this customer',
                                                  body)
    wrong_kind = alice.post("/processes/order_release/start", customer_id="Q-00001", amount="1000")
    assert re.search(r'id="error-customer_id">&#39;Q-00001&#39; is not a customer number \(C-',
                     wrong_kind.get_data(as_text=True))
    assert case_count(engine, "order_release") == 0


def test_two_customers_with_one_name_are_told_apart_by_number(engine, signed_in):
    engine.execute(lambda uow: uow.session.add(Customer(name="Twin Trading", status="active", created_at=uow.now)))
    engine.execute(lambda uow: uow.session.add(Customer(name="Twin Trading", status="active", created_at=uow.now)))
    alice = signed_in("alice")
    alice.get("/processes/order_release/start")
    ambiguous = alice.post("/processes/order_release/start", customer_id="twin trading", amount="1000")
    assert ambiguous.status_code == 422
    assert "more than one active customer is named" in ambiguous.get_data(as_text=True)
    chosen = alice.post("/processes/order_release/start", customer_id="Twin Trading · C-00005", amount="1000")
    assert chosen.status_code == 302
    assert engine.instances(process_key="order_release")[0].summary["customer_id"] == 5


def test_a_picker_offers_records_by_part_of_their_name_and_only_the_chosen_customer_s_quotes(signed_in):
    alice = signed_in("alice")
    found = alice.get("/lookup/active_customer?q=beij", headers={"Accept": "application/json"}).get_json()
    assert [c["label"] for c in found] == ["Beijing Energy Group 北京能源集团 · C-00003"]
    assert alice.get("/lookup/active_customer?q=%25").get_json() == []  # a wildcard is a character, not 'all'
    quotes = alice.get("/lookup/quote_of_customer?customer=Beijing Energy Group 北京能源集团 · C-00003").get_json()
    assert [q["label"] for q in quotes] == ["approved price 110,000.00 · Q-00001"]
    assert alice.get("/lookup/quote_of_customer").get_json() == []  # no customer chosen yet: nothing to offer
    contacts = alice.get("/lookup/contact_of_customer?customer=C-00002&q=huang").get_json()
    assert [c["label"] for c in contacts] == ["Huang Lei 黄磊 · P-00002"]
    unknown = alice.get("/lookup/order", headers={"Accept": "application/json"})
    assert unknown.status_code == 422 and "kind" in unknown.get_data(as_text=True)


def test_a_lead_s_start_form_shows_each_error_next_to_its_field_in_chinese_too(engine, signed_in):
    marketing = signed_in("alice")
    marketing.get("/language/zh")
    refused = marketing.post("/processes/lead_to_opportunity/start", company="X", source="web")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "发起新案件" in body
    assert 'id="error-company"' in body and 'id="error-region"' in body and "为必填项" in body
    assert case_count(engine, "lead_to_opportunity") == 0


def test_a_complaint_is_registered_with_its_customer_and_contact_chosen_by_name(engine, signed_in):
    sam = signed_in("sam")
    started = sam.post("/processes/complaint_handling/start", business_key="CP-PAGE")
    assert started.status_code == 302 and "/tasks/" in started.location  # straight to sam's first task
    task_page = sam.get(started.location).get_data(as_text=True)
    assert 'data-picker="/lookup/customer"' in task_page and 'data-picker="/lookup/contact_of_customer"' in task_page
    done = sam.post(started.location + "/complete", customer_id="Guangzhou Fresh Retail 广州鲜品零售",
                    contact_id="Huang Lei 黄磊", product="Cold chain box", description="arrived broken twice")
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    (case,) = engine.instances(process_key="complaint_handling")
    assert case.summary["customer_id"] == 2 and case.summary["contact_id"] == 2
    wrong = sam.post("/processes/complaint_handling/start", business_key="CP-PAGE-2")
    task_url = wrong.location
    refused = sam.post(task_url + "/complete", customer_id="Guangzhou Fresh Retail 广州鲜品零售",
                       contact_id="Ma Jun 马骏", product="Box", description="arrived broken")
    assert refused.status_code == 422
    assert "no contact named &#39;Ma Jun 马骏&#39; of this customer" in refused.get_data(as_text=True)


def test_a_converted_lead_s_owner_starts_its_approval_from_the_inbox(engine, signed_in):
    alice = signed_in("alice")
    alice.post("/processes/lead_to_opportunity/start", company="Ningbo Pumps 宁波水泵", source="referral",
               region="east", industry="manufacturing")
    (qualify,) = engine.tasks(process_key="lead_to_opportunity", assignee="alice")
    engine.complete(qualify.id, "alice", {"budget_confirmed": True, "decision_maker_known": True,
                                          "timeline": "this_quarter", "estimated_amount": 250000})
    inbox = alice.get("/inbox").get_data(as_text=True)
    link = re.search(r'href="(/processes/customer_approval/start\?[^"]+)"', inbox)
    assert link and "awaits approval" in inbox
    page = alice.get(html.unescape(link.group(1))).get_data(as_text=True)
    number = re.search(r'name="customer_id"[^>]+value="Ningbo Pumps 宁波水泵 · C-(\d{5})"', page).group(1)  # by name
    assert f'value="NC-C-{number}"' in page  # and the business key that keeps a second approval of it out
    form = {"customer_id": f"C-{number}", "business_key": f"NC-C-{number}"}
    assert alice.post("/processes/customer_approval/start", once="inbox", **form).status_code == 302
    (case,) = engine.instances(process_key="customer_approval")
    assert case.summary["customer_id"] == int(number)
    again = alice.post("/processes/customer_approval/start", once="inbox-again", **form)
    assert again.status_code == 422 and re.search(r'id="error-business_key">an open case .* already has business key',
                                                  again.get_data(as_text=True))
    assert len(engine.instances(process_key="customer_approval")) == 1

    stale = alice.get("/processes/customer_approval/start?customer_id=C-00001")  # a link to a customer decided since
    assert stale.status_code == 200 and re.search(r'id="error-customer_id">there is no customer awaiting approval '
                                                  r'C-00001', stale.get_data(as_text=True))
    refused = alice.post("/processes/customer_approval/start", customer_id="Shanghai Precision Machinery")
    assert refused.status_code == 422  # an active customer awaits no approval
    assert re.search(r'id="error-customer_id">no customer awaiting approval named', refused.get_data(as_text=True))
    odd = alice.get("/processes/customer_approval/start?customer_id=%3Cb%3Enobody&business_key=" + "k" * 300)
    body = odd.get_data(as_text=True)  # a link's values are only shown, escaped and cut, until the form is sent
    assert odd.status_code == 200 and 'value="&lt;b&gt;nobody"' in body and f'value="{"k" * 128}"' in body


def test_a_case_started_from_a_page_without_a_business_key_gets_the_process_s_next_number(engine, signed_in):
    engine.start("order_release", {"customer_id": 3, "amount": 1000}, "SO-00041", "bob")
    engine.start("order_release", {"customer_id": 3, "amount": 1000}, "SO-PAGE-9", "bob")  # not a number
    alice = signed_in("alice")
    alice.get("/processes/order_release/start")
    for once in ("first", "second"):
        assert alice.post("/processes/order_release/start", customer_id="Beijing Energy", amount="1000",
                          once=once).status_code == 302
    keys = sorted(case.business_key or "" for case in engine.instances(process_key="order_release"))
    assert keys == ["SO-00041", "SO-00042", "SO-00043", "SO-PAGE-9"]
    assert engine.start("order_release", {"customer_id": 3, "amount": 1000}, actor="bob").business_key is None


def test_pickers_errors_reasons_and_process_names_read_in_chinese(engine, signed_in):
    alice = signed_in("alice")
    alice.get("/language/zh")
    catalog = alice.get("/processes").get_data(as_text=True)
    assert "订单放行" in catalog and "新客户审批" in catalog and "Order release" not in catalog
    customers = alice.get("/lookup/active_customer?q=guangzhou").get_json()
    assert customers and customers[0]["detail"] == "华南 · 有效", customers  # never "south · active"
    refused = alice.post("/processes/order_release/start", customer_id="Nobody Ltd", quote_id="Q-00001",
                         order_amount="1000")
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "没有名为“Nobody Ltd”的有效客户" in body, body[:3000]
    alice.post("/processes/complaint_handling/start", business_key="CP-ZH")
    sam = signed_in("sam")
    sam.get("/language/zh")
    (task,) = engine.tasks(assignee="sam")
    task_page = html.unescape(sam.get(f"/tasks/{task.id}").get_data(as_text=True))
    why = re.search(r'<p id="why">(.*?)</p>', task_page)
    assert "为什么分配给我" in task_page and why and "组" in why.group(1) and "group" not in why.group(1), why
    english = signed_in("bob")
    assert "Order release" in english.get("/processes").get_data(as_text=True)
