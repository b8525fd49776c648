"""The pages through the Flask test client: sign-in, CSRF, task forms, languages, the editor."""
from __future__ import annotations

import html

import pytest

from designer_api.app import create_app
from domain.reports import REPORTS
from engine import InstanceSearch

INFO = {"customer_name": "Ningbo Port Logistics", "region": "east", "industry": "services",
        "requested_credit_limit": "300000", "payment_terms": "net30", "contact_name": "Chen Hui"}


def started_task(engine, user="alice"):
    instance = engine.start("customer_approval", {}, "CA-PAGE", user)
    return engine.tasks(instance_id=instance.id)[0]


def test_a_page_needs_sign_in_and_returns_there_after(visitor):
    browser = visitor()
    response = browser.get("/processes/customer_approval/1")
    assert response.status_code == 302 and "/login?next=" in response.location
    browser.get(response.location)
    signed = browser.post("/login", username="alice", password="demo", next="/processes/customer_approval/1")
    assert signed.location == "/processes/customer_approval/1"


def test_a_wrong_password_is_refused(visitor):
    browser = visitor()
    browser.get("/login")
    response = browser.post("/login", username="alice", password="guess")
    assert response.status_code == 401 and "Unknown user or wrong password" in response.get_data(as_text=True)
    assert browser.get("/tasks").status_code == 302


def test_sign_in_never_redirects_to_another_site(visitor):
    browser = visitor()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        browser.get("/login")
        assert browser.post("/login", username="alice", password="demo", next=target).location == "/tasks"


def test_a_form_posted_without_the_csrf_token_is_refused_and_changes_nothing(engine, signed_in):
    task = started_task(engine)
    alice = signed_in("alice")
    response = alice.post(f"/tasks/{task.id}/complete", csrf=False, **INFO)
    assert response.status_code == 401
    response = alice.post(f"/tasks/{task.id}/complete", csrf_token="forged", **INFO)
    assert response.status_code == 401 and engine.task(task.id).state == "ready"


def test_the_session_cookie_is_httponly_samesite_and_secure_by_default(engine):
    app = create_app({"ENGINE": engine, "SECRET_KEY": "s"})
    header = app.test_client().get("/login").headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header, header


def test_staff_complete_a_task_through_its_form_after_a_refused_value(engine, signed_in):
    task = started_task(engine)
    alice = signed_in("alice")
    page = alice.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Requested credit limit" in page and 'data-element="Task_CustomerInfoEntry"' in page
    refused = alice.post(f"/tasks/{task.id}/complete", **{**INFO, "requested_credit_limit": "a lot"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="error-requested_credit_limit">must be a number' in body
    assert engine.task(task.id).state == "ready"
    done = alice.post(f"/tasks/{task.id}/complete", **INFO)
    assert done.status_code == 302 and engine.task(task.id).state == "completed"
    assert engine.history(task.instance_id)[-1].type != "incident"


def test_a_group_task_is_claimed_from_the_list(engine, signed_in):
    instance = engine.start("customer_approval", {}, "CA-CLAIM", "alice")
    first = engine.tasks(instance_id=instance.id)[0]
    engine.complete(first.id, "alice", {k: (300000 if k == "requested_credit_limit" else v) for k, v in INFO.items()})
    finance_task = engine.tasks(instance_id=instance.id)[0]
    frank = signed_in("frank")
    assert f'data-task="{finance_task.id}"' in frank.get("/tasks").get_data(as_text=True)
    assert frank.post(f"/tasks/{finance_task.id}/claim").status_code == 302
    assert engine.task(finance_task.id).assignee == "frank"
    fiona = signed_in("fiona")
    assert f'data-task="{finance_task.id}"' not in fiona.get("/tasks").get_data(as_text=True)
    assert fiona.post(f"/tasks/{finance_task.id}/complete", payment_terms_approved="on",
                      payment_terms="net30").status_code == 403


def test_the_language_switch_shows_chinese_labels(engine, signed_in):
    task = started_task(engine)
    alice = signed_in("alice")
    alice.get("/language/zh?next=/tasks")
    page = alice.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "申请信用额度" in page and "完成" in page and 'lang="zh-CN"' in page
    alice.get("/language/en")
    assert "Requested credit limit" in alice.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_an_analyst_copies_edits_and_diffs_in_the_editor(engine, signed_in):
    ann = signed_in("ann")
    created = ann.post("/drafts", source="customer_approval@1", new_key="ca_pages", name="Key accounts")
    assert created.status_code == 302
    editor = created.location
    ann.get(editor)
    applied = ann.post(f"{editor}/operations", op="insert_task", after="Task_CreditLimitReview",
                       name="General manager approval", lane="general_manager",
                       form_key="general_manager_approval", on_refusal="end", revision="1")
    assert applied.status_code == 302
    page = ann.get(editor).get_data(as_text=True)
    assert 'class="change-steps_added"' in page and "No problems" in page
    assert ann.post(f"{editor}/deploy").status_code == 403  # analysts do not deploy
    assert [v.process_key for v in engine.versions("customer_approval")] == ["customer_approval"]


def test_a_bad_edit_operation_is_named_and_changes_nothing(engine, signed_in):
    ann = signed_in("ann")
    editor = ann.post("/drafts", source="customer_approval@1", new_key="ca_bad").location
    ann.get(editor)
    refused = ann.post(f"{editor}/operations", op="set_timer", element_id="Task_CreditLimitReview",
                       duration="three days")
    assert refused.status_code == 422 and "is not an ISO 8601 duration" in refused.get_data(as_text=True)
    assert engine.authoring.draft(editor.rsplit("/", 1)[1]).revision == 1
    ann.get("/language/zh")  # an analyst reading Chinese reads the refusal in Chinese, from its template and figures
    refused = ann.post(f"{editor}/operations", op="set_condition", flow_id="Flow_NoSuchFlow", condition="x > 1")
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "此流程中没有元素“Flow_NoSuchFlow”" in body, body[-2000:]
    refused = ann.post(f"{editor}/operations", op="set_timer", element_id="Task_CreditLimitReview",
                       duration="three days")
    assert "“three days”不是 ISO 8601 时长" in html.unescape(refused.get_data(as_text=True))


def test_staff_cannot_open_the_reports_or_the_editor(signed_in):
    alice = signed_in("alice")
    assert alice.get("/reports").status_code == 403
    assert alice.get("/drafts").status_code == 403


def test_a_manager_sees_every_report_on_the_reports_page(signed_in):
    page = signed_in("carol").get("/reports").get_data(as_text=True)
    for key in REPORTS:
        assert f'id="{key}"' in page


def test_a_chart_has_a_value_axis_with_round_ticks_and_its_bars_say_their_values(signed_in):
    import re

    page = signed_in("carol").get("/reports/active_customers").get_data(as_text=True)
    chart = page[page.index("<svg"):page.index("</svg>")]
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', chart)
    assert ticks[0] == "0" and len(ticks) >= 3, ticks  # not only 0 and the maximum
    assert re.findall(r'<text class="value"[^>]*>([^<]+)</text>', chart)  # few bars: each labelled


def test_an_approver_s_page_shows_the_case_context_and_nobody_else_s_words(engine, signed_in):
    from tests.domain.conftest import Desk

    case = engine.start("customer_approval", {}, "NC-PAGE", "alice")
    desk = Desk(engine, case.id)
    desk.complete("Task_CustomerInfoEntry", "alice", customer_name="Ningbo Port 宁波港", region="east",
                  industry="services", requested_credit_limit=1500000, payment_terms="net60", contact_name="Chen")
    desk.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net30",
                  comment="frank: net60 is too long")
    task = desk.task("Task_CreditLimitReview")
    cathy = signed_in("cathy")
    cathy.post(f"/tasks/{task.id}/claim")
    page = cathy.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="case-context"' in page and "1,500,000" in page and "Ningbo Port" in page
    form = page[page.index('class="taskform"'):]
    assert "frank: net60 is too long" not in form[:form.index("</form>")]  # only the history shows it, as frank's


def test_staff_without_a_part_in_a_case_cannot_open_its_page(engine, signed_in):
    case = engine.start("customer_approval", {}, "NC-SEEN", "alice")
    assert signed_in("alice").get(f"/processes/instances/{case.id}").status_code == 200
    assert signed_in("sam").get(f"/processes/instances/{case.id}").status_code == 403


@pytest.mark.parametrize("typed,accepted", [("800,000", True), ("800 000", True), ("NaN", False), ("Infinity", False),
                                            ("1e309", False)])
def test_page_number_fields_read_thousands_separators_and_refuse_what_is_no_number(engine, signed_in, typed,
                                                                                    accepted):
    case = engine.start("customer_approval", {}, "NC-NUM", "alice")
    [task] = engine.tasks(instance_id=case.id)
    alice = signed_in("alice")
    alice.get(f"/tasks/{task.id}")
    response = alice.post(f"/tasks/{task.id}/complete", customer_name="Xiamen Tea", region="south", industry="retail",
                          requested_credit_limit=typed, payment_terms="net30", contact_name="Lin")
    assert (response.status_code == 302) is accepted
    if accepted:
        [done] = [e for e in engine.history(case.id) if e.type == "task_completed"]
        assert done.data["data"]["requested_credit_limit"] == 800_000


def test_signing_out_ends_the_session_even_for_a_copied_cookie(engine, app, signed_in):
    alice = signed_in("alice")
    cookie = alice.client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/tasks").status_code == 200
    alice.post("/logout")
    assert thief.get("/tasks").status_code == 302  # back to sign-in


def test_deactivating_a_user_or_changing_their_password_ends_their_sessions(engine, signed_in):
    from domain.directory import set_password
    from domain.records import User

    alice, bob = signed_in("alice"), signed_in("bob")
    engine.execute(lambda uow: set_password(uow.session, "alice", "a new secret"))
    assert alice.client.get("/tasks").status_code == 302

    def deactivate(uow):
        uow.session.get(User, "bob").active = False

    engine.execute(deactivate)
    assert bob.client.get("/tasks").status_code == 302


def test_an_idle_session_expires(engine, signed_in, clock):
    alice = signed_in("alice")
    clock.advance(hours=3)
    assert alice.client.get("/tasks").status_code == 302


def test_sign_in_is_throttled_per_user_and_says_so(visitor):
    attacker = visitor()
    attacker.get("/login")
    for _ in range(5):
        assert attacker.post("/login", username="alice", password="guess").status_code == 401
    locked = attacker.post("/login", username="alice", password="demo")
    assert locked.status_code == 429 and "try again in" in locked.get_data(as_text=True)


def test_an_unknown_user_costs_the_same_password_work_as_a_known_one(engine, monkeypatch):
    import hashlib

    from domain import directory

    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(directory.hashlib, "scrypt", lambda *a, **k: calls.append(k["n"]) or real(*a, **k))
    with engine.store.read() as session:
        assert directory.user_for_password(session, "alice", "wrong") is None
        assert directory.user_for_password(session, "nobody_at_all", "wrong") is None
    assert calls == [16384, 16384]


def test_an_administrator_plans_maps_and_executes_a_migration_and_manages_versions(engine, signed_in):
    waiting = engine.start("customer_approval", {}, "CA-MIGRATE", "alice")  # waits at the info entry
    draft = engine.authoring.copy("customer_approval", author="ann")
    engine.authoring.edit(draft.id, [{"op": "rename", "element_id": "Task_CustomerInfoEntry",
                                      "name": "Customer details"}], "ann")  # the step it waits at changes
    engine.authoring.deploy(draft.id, "root")
    root = signed_in("root")
    page = root.get("/processes/customer_approval/2").get_data(as_text=True)
    assert 'id="deactivate-2"' in page and 'id="rollback"' in page and "customer_approval@1" in page
    versions = page[page.index('id="versions"'):page.index('id="pilots"')]  # which one new cases start on
    assert versions.count("Current: new cases start on it") == 1 and "Active · a newer version is current" in versions
    row = next(r for r in versions.split("<tr>") if ">v2</a>" in r)
    assert "Current: new cases start on it" in row
    assert 'data-confirm="Deactivate this version?' in versions and 'data-confirm="Roll back?' in versions

    first = root.get("/processes/customer_approval/migration").get_data(as_text=True)  # v1 → v2 by default
    assert '<option value="1" selected>v1' in first and '<option value="2" selected>v2' in first
    assert "Customer info entry →" in first and ">Customer details</option>" in first  # names, not ids
    plan = root.post("/processes/customer_approval/migration", from_version="1", to_version="2", plan="1")
    text = plan.get_data(as_text=True)
    assert plan.status_code == 200 and "refused" in text and 'name="map.Task_CustomerInfoEntry"' in text
    done = root.post("/processes/customer_approval/migration", from_version="1", to_version="2", execute="1",
                     **{"map.Task_CustomerInfoEntry": "Task_CustomerInfoEntry"})
    assert done.status_code == 200 and 'id="outcome"' in done.get_data(as_text=True)
    assert engine.instance(waiting.id).version == 2

    assert root.post("/processes/customer_approval/rollback").status_code == 302
    assert {v.version: v.active for v in engine.versions("customer_approval")} == {1: True, 2: False}
    assert root.post("/processes/customer_approval/2/activate").status_code == 302
    assert {v.version: v.active for v in engine.versions("customer_approval")}[2]
    assert signed_in("ann").get("/processes/customer_approval/migration").status_code == 403


def test_a_stale_next_version_draft_shows_what_the_newer_version_changed_and_rebases(engine, signed_in):
    mine = engine.authoring.copy("customer_approval", author="ann")
    theirs = engine.authoring.copy("customer_approval", author="ann")
    engine.authoring.edit(theirs.id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": rule,
                                       "column": "Approved credit limit", "cell": cell}
                                      for rule, cell in ((1, "<= 900000"), (2, "> 900000"))], "ann")
    engine.authoring.deploy(theirs.id, "root")
    ann = signed_in("ann")
    page = ann.get(f"/drafts/{mine.id}").get_data(as_text=True)
    assert 'id="stale"' in page and "approval_level rule 2: Approved credit limit &gt; 900,000 → general_manager (was " \
        "Approved credit limit &gt; 500,000)" in page
    assert ann.post(f"/drafts/{mine.id}/rebase", revision=str(mine.revision)).status_code == 302
    assert 'id="stale"' not in ann.get(f"/drafts/{mine.id}").get_data(as_text=True)
    assert engine.authoring.draft(mine.id).copied_from == "customer_approval@2"


def test_an_administrator_registers_a_webhook_and_redelivers_a_dead_letter(engine, signed_in, clock):
    from designer_api.wiring import outbox_delivery

    assert signed_in("alice").get("/admin/integration").status_code == 403
    root = signed_in("root")
    assert 'href="/admin/integration"' in root.get("/processes").get_data(as_text=True)
    root.get("/admin/integration")
    refused = root.post("/admin/integration/webhooks", url="ftp://erp.example.com", events=["instance_started"],
                        secret="0123456789abcdef")
    assert refused.status_code == 422 and "http:// or https://" in refused.get_data(as_text=True)
    created = root.post("/admin/integration/webhooks", url="http://127.0.0.1:9/unreachable",
                        events=["instance_started"], secret="0123456789abcdef")
    assert created.status_code == 302
    engine.start("order_release", {"customer_id": 3, "amount": 1000}, "SO-PAGE-1", "alice")
    deliver = outbox_delivery(engine)
    for _ in range(10):
        deliver()
        clock.advance(hours=2)
    root = signed_in("root")  # a new morning, a new session
    page = root.get("/admin/integration").get_data(as_text=True)
    assert "http://127.0.0.1:9/unreachable" in page and "Dead letters (1)" in page
    dead = engine.webhook_deliveries("dead")[0]
    assert "could not be reached" in (dead.last_error or "")
    again = root.post(f"/admin/integration/deliveries/{dead.delivery_id}/redeliver")
    assert again.status_code == 302
    assert engine.webhook_deliveries("pending")[0].delivery_id == dead.delivery_id


def test_comments_are_added_on_the_task_page_and_an_administrator_suspends_and_terminates_a_case(engine, signed_in):
    case = engine.start("complaint_handling", {}, "C-COMMENT", "sam")
    [task] = engine.tasks(instance_id=case.id)
    sam = signed_in("sam")
    sam.get(f"/tasks/{task.id}")
    added = sam.post(f"/processes/instances/{case.id}/comments", text="Customer calls back at 3 pm",
                     next=f"/tasks/{task.id}")
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/tasks/{task.id}")
    page = sam.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Customer calls back at 3 pm" in page
    assert sam.post(f"/processes/instances/{case.id}/suspend").status_code == 403  # staff: comments only
    root = signed_in("root")
    root.get(f"/processes/instances/{case.id}")
    assert root.post(f"/processes/instances/{case.id}/comments", text="x", next="//evil.example").headers[
        "Location"].endswith(f"/processes/instances/{case.id}")
    root.post(f"/processes/instances/{case.id}/suspend")
    assert engine.instance(case.id).status == "suspended"
    root.post(f"/processes/instances/{case.id}/terminate", reason="entered twice")
    assert engine.instance(case.id).status == "terminated"
    events = [e for e in engine.history(case.id) if e.type in ("comment_added", "instance_terminated")]
    assert [(e.type, e.actor) for e in events] == [("comment_added", "sam"), ("comment_added", "root"),
                                                  ("instance_terminated", "root")]
    history = root.get(f"/processes/instances/{case.id}").get_data(as_text=True)
    assert "Case terminated" in history and "instance_terminated</td>" not in history
    root.get("/language/zh")
    assert "案件已终止: entered twice" in root.get(f"/processes/instances/{case.id}").get_data(as_text=True)


def test_the_history_reads_as_sentences_with_labelled_facts_never_json(engine, signed_in):
    case = engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-READ", "alice")
    [task] = engine.tasks(instance_id=case.id)
    engine.complete(task.id, "carol", {"override_approved": True, "override_reason": "strategic customer"},
                    ["sales_manager"])
    root = signed_in("root")
    page = root.get(f"/processes/instances/{case.id}").get_data(as_text=True)
    history = page[page.index('<table class="list history">'):]
    history = history[:history.index("</table>")]
    assert "carol completed “Decide on credit block”" in history
    assert "Release despite the credit block:</span> yes" in history and "Order amount:</span> 100,000.00" in history
    assert "credit usage would be 95 % of the limit" in history  # the control point in the alert's words
    assert "{" not in history and "override_approved" not in history
    root.get("/language/zh")
    page = root.get(f"/processes/instances/{case.id}").get_data(as_text=True)
    assert "carol 完成了 “信用冻结决定”" in page and "特批放行:</span> 是" in page


def test_the_heat_map_fits_its_box_writes_the_hours_on_each_step_and_has_a_legend(engine, signed_in, clock):
    case = engine.start("complaint_handling", {}, "CP-HEAT", "sam")
    [task] = engine.tasks(instance_id=case.id)
    clock.advance(hours=5)
    engine.complete(task.id, "sam", {"customer_id": 1, "product": "CNC-500", "description": "noisy spindle"},
                    ["service"])
    page = signed_in("carol").get("/processes/complaint_handling/1").get_data(as_text=True)
    assert 'class="diagram fit"' in page and 'id="heat-legend"' in page and "slowest: 5.0 h" in page
    assert '<text class="figure"' in page and ">5.0 h</text>" in page  # on "Register complaint"
    carol = signed_in("carol")
    carol.get("/language/zh")
    diagram = carol.get("/processes/complaint_handling/1").get_data(as_text=True)
    diagram = diagram[diagram.index('<div class="diagram'):diagram.index("</svg>")]
    assert "登记投诉" in diagram and "Register complaint" not in diagram  # the steps' Chinese names


def test_the_cockpit_filters_by_process_and_step_chosen_by_name(engine, signed_in):
    engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-BLOCKED", "alice")
    engine.start("complaint_handling", {}, "CP-WAITING", "sam")
    root = signed_in("root")
    page = root.get("/processes/instances").get_data(as_text=True)
    assert '<option value="Task_CreditOverride" >Decide on credit block</option>' in page  # a name, not an id
    assert '<option value="order_release" >Order release</option>' in page
    found = root.get("/processes/instances?process_key=order_release&step=Task_CreditOverride").get_data(as_text=True)
    assert "SO-BLOCKED" in found and "CP-WAITING" not in found
    root.get("/language/zh")
    assert ">信用冻结决定</option>" in root.get("/processes/instances").get_data(as_text=True)


def test_an_administrator_finds_a_case_by_customer_and_terminates_it_from_the_cockpit(engine, signed_in):
    engine.start("order_release", {"customer_id": 2, "amount": 30000, "quote_id": 3}, "SO-FIND-1", "bob")
    engine.start("order_release", {"customer_id": 3, "amount": 1000, "quote_id": 1}, "SO-OTHER", "alice")
    assert signed_in("alice").get("/processes/instances").status_code == 403
    root = signed_in("root")
    page = root.get("/processes/instances?customer=guangzhou&business_key=SO-&started_from=2000-01-01&status=")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "SO-FIND-1" in text and "SO-OTHER" not in text and "30,000" in text
    assert "Guangzhou Fresh Retail" in text  # the customer by name, not by id
    by_label = root.get("/processes/instances?customer=Guangzhou Fresh Retail 广州鲜品零售 · C-00002")
    assert "SO-FIND-1" in by_label.get_data(as_text=True)
    for refused in (root.get("/processes/instances?customer=Atlantis"), root.get("/processes/instances?customer_id=abc")):
        assert refused.status_code == 422 and "customer" in refused.get_data(as_text=True)
    [case] = engine.search_instances(InstanceSearch(business_key="SO-FIND"))[0]
    root.get(f"/processes/instances/{case.id}")
    root.post(f"/processes/instances/{case.id}/terminate", reason="customer cancelled the order")
    assert engine.instance(case.id).status == "terminated"
    assert 'href="/processes/instances"' in signed_in("carol").get("/tasks").get_data(as_text=True)


def test_an_administrator_creates_a_user_and_deactivates_another_from_the_users_page(engine, signed_in):
    assert signed_in("alice").get("/admin/users").status_code == 403
    root = signed_in("root")
    assert "Alice Wang" in root.get("/admin/users").get_data(as_text=True)
    refused = root.client.post("/admin/users", data={"csrf_token": root.token, "create": "1", "username": "Dora!",
                                                     "roles": ["staff"]})
    assert refused.status_code == 422 and "lower-case" in refused.get_data(as_text=True)
    root.get("/admin/users")
    created = root.client.post("/admin/users", data={"csrf_token": root.token, "create": "1", "username": "dora",
                                                     "display_name": "Dora Ma", "roles": ["staff"],
                                                     "groups": ["sales"], "region": "north"})
    assert created.status_code == 302
    root.get("/admin/users")
    root.client.post("/admin/users", data={"csrf_token": root.token, "username": "bob", "roles": ["staff"],
                                           "groups": ["sales"], "region": "south"})  # active left unticked
    with engine.store.read() as session:
        from domain.directory import list_users
        users = {u.username: u for u in list_users(session)}
    assert (users["dora"].groups, users["dora"].region, users["dora"].active) == (["sales"], "north", True)
    assert users["bob"].active is False


def test_a_blocked_order_s_case_page_says_which_control_point_stopped_it_in_plain_words(engine, signed_in):
    case = engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-PLAIN", "alice")
    alice = signed_in("alice")
    page = alice.get(f"/processes/instances/{case.id}").get_data(as_text=True)
    block = page[page.index('id="control-points"'):]
    assert "Credit usage" in block and "credit usage would be 95 % of the limit (the control blocks from 90 %)" in block
    assert "usage=" not in block
    alice.get("/language/zh")
    chinese = alice.get(f"/processes/instances/{case.id}").get_data(as_text=True)
    assert "信用额度使用率将达" in chinese[chinese.index('id="control-points"'):]


def test_a_case_without_a_business_key_is_titled_by_its_process_and_start_not_by_an_id(engine, signed_in):
    case = engine.start("customer_approval", {}, None, "alice")
    page = signed_in("alice").get(f"/processes/instances/{case.id}").get_data(as_text=True)
    heading = page[page.index("<h1>"):page.index("</h1>")]
    assert "New customer approval" in heading and "started" in heading and case.id not in heading
    assert case.id[:8] not in page[page.index("<title>"):page.index("</title>")]


def test_the_process_page_says_which_table_decides_a_control_point_s_threshold(signed_in):
    carol = signed_in("carol")
    page = carol.get("/processes/order_release/1").get_data(as_text=True)
    assert "Check credit usage, Threshold 0.9, decided by the table “Credit block threshold” (blocks)" in page
    carol.get("/language/zh")
    page = carol.get("/processes/customer_approval/1").get_data(as_text=True)
    assert "付款条件不得超出客户等级所允许的期限" in page and "由决策表决定 “Longest payment terms”" in page
    assert "核对付款条件与客户等级" in page and "(阻止)" in page and "(block)" not in page
    outline = page[page.index('class="list outline"'):]
    assert "审批超出等级的付款条件" in outline and "信用管理" in outline  # steps and lanes as people call them
