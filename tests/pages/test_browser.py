"""The pages in a real browser (Debian's headless Chromium driven by Playwright), with screenshots.

Runs when /usr/bin/chromium is installed (CRMFLOW_CHROMIUM names another); with
CRMFLOW_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails instead of skipping.
Screenshots of every page go to CRMFLOW_SCREENSHOTS (default var/screenshots).
"""
from __future__ import annotations

import os
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from designer_api.app import create_app
from domain import CrmPack
from domain.demo import DEMO_LEAD_DAYS, Quarter
from domain.reports import REPORTS
from engine import Engine
from tests.api.test_served import served_crmflow
from tests.crm import prepare_crm
from tests.domain.conftest import Desk
from tests.domain.test_lead_to_opportunity import HOT, LEAD
from tests.pages.screenshots import shot

CHROMIUM = os.environ.get("CRMFLOW_CHROMIUM", "/usr/bin/chromium")

if not Path(CHROMIUM).exists():
    if os.environ.get("CRMFLOW_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"CRMFLOW_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium chromium-driver)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """crmflow served on a free local port, over a fresh SQLite database with the CRM pack and demo data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'crmflow.sqlite'}"
    engine = Engine(url, pack=CrmPack())
    engine.init_db()
    began = datetime.now(UTC) - timedelta(days=65 + DEMO_LEAD_DAYS)  # as setup deploys before its quarter
    deployer = Engine(url, pack=CrmPack(), clock=lambda: began)
    prepare_crm(deployer, scheduled=True)
    deployer.close()
    played = Quarter(lambda clock: Engine(url, pack=CrmPack(), clock=clock), days=65)  # what setup plays
    played.play()
    played.engine.close()
    engine.start("customer_approval", {}, "CA-BROWSER", "alice")
    _history_for_the_reports(engine)
    app = create_app({"ENGINE": engine, "SECRET_KEY": "browser-test"})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield engine, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    engine.close()


def _history_for_the_reports(engine: Engine) -> None:
    """A converted lead and an overridden credit block, so the reports have something to show."""
    lead = Desk(engine, engine.start("lead_to_opportunity", LEAD, "L-BROWSER", "marketing").id)
    lead.complete("Task_QualifyLead", "alice", **HOT)
    order = Desk(engine, engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2},
                                      "SO-OVERRIDE", "alice").id)
    order.complete("Task_CreditOverride", "carol", override_approved=True, override_reason="strategic customer")


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#me")


def test_staff_claim_and_complete_a_task_through_its_form(page, server):
    engine, base = server
    sign_in(page, base, "alice")
    shot(page, "01-tasklist")
    page.goto(f"{base}/tasks?q=CA-BROWSER")
    page.click("#my-tasks tr:has-text('CA-BROWSER') a:has-text('Customer info entry')")
    page.fill("#f-customer_name", "Ningbo Port Logistics 宁波港物流")
    page.select_option("#f-region", "east")
    page.select_option("#f-industry", "services")
    page.fill("#f-requested_credit_limit", "a lot")
    page.select_option("#f-payment_terms", "net30")
    page.fill("#f-contact_name", "Chen Hui")
    page.click("#complete")
    assert page.inner_text("#error-requested_credit_limit") == "must be a number"
    shot(page, "02-task-form-refused-value")
    page.fill("#f-requested_credit_limit", "300000")
    page.click("#complete")
    assert "Task completed" in page.inner_text(".flash")

    sign_in(page, base, "frank")  # finance: the next step is a group task to claim, found by its business key
    page.fill("#task-search input[name=q]", "CA-BROWSER")
    page.click("#task-search button")
    page.click("#group-tasks tr:has-text('CA-BROWSER') form.inline button:has-text('Claim')")
    assert "Task claimed" in page.inner_text(".flash")
    current = page.locator("svg g[data-element='Task_PaymentTermsReview'] rect").first
    assert current.get_attribute("stroke") == "#f59f00"  # the current position, highlighted
    done = page.locator("svg g[data-element='Task_CustomerInfoEntry'] rect").first
    assert done.get_attribute("stroke") == "#2f9e44"  # the completed path
    shot(page, "03-task-with-diagram-position")
    page.click("a:has-text('中文')")
    assert "付款条件审核" in page.inner_text("main")
    shot(page, "04-task-form-chinese")
    page.click("a:has-text('English')")


def test_an_analyst_copies_a_process_inserts_a_step_and_sees_the_diff(page, server):
    engine, base = server
    sign_in(page, base, "ann")
    page.goto(f"{base}/drafts")
    page.select_option("#source", "customer_approval@1")
    page.fill("#new_key", "customer_approval_key_accounts")
    page.fill("#name", "New key-account approval")
    page.click("#copy")
    page.select_option("#op", "insert_task")
    page.wait_for_selector("#op_duration", state="hidden")  # the editor shows only what the operation needs
    page.select_option("#op_after", "Task_CreditLimitReview")
    page.fill("#op_name", "General manager approval")
    page.select_option("#op_lane", "general_manager")
    page.select_option("#op_form_key", "general_manager_approval")
    page.fill("#op_on_refusal", "end")  # the manager's "no" ends the case: without it the edit is refused
    page.click("#apply")
    assert "Changes applied" in page.inner_text(".flash")
    assert "General manager approval" in page.inner_text("#diff .change-steps_added")
    assert "No problems" in page.inner_text("#validation")
    shot(page, "05-draft-editor-diff")
    for decision in page.locator("#simulate select.decision").all():  # no decision is assumed: each is chosen
        decision.select_option("true")
    page.click("#run-simulation")
    page.wait_for_selector("#simulation-result .path li")
    assert "General manager approval" in page.inner_text("#simulation-result .path")
    if page.locator("#modeler.ready").count():  # drawn on the diagram in place, without a reload
        assert page.locator(".djs-element.sim-path").count() >= 5
    shot(page, "06-draft-simulation")


def test_the_draft_page_models_in_bpmn_js_saves_reloads_and_validates(page, server):
    engine, base = server
    sign_in(page, base, "ann")
    page.goto(f"{base}/drafts")
    page.select_option("#source", "customer_approval@1")
    page.fill("#new_key", "")  # no new key: the next version of customer_approval
    page.click("#copy")
    assert "next version" in page.inner_text("h1")
    page.wait_for_selector("#modeler.ready .djs-container")
    assert page.locator(".djs-element[data-element-id='Task_CreditLimitReview']").count() == 1

    page.click(".djs-element[data-element-id='Task_CreditLimitReview'] .djs-hit")  # its properties
    page.fill("#properties label:has-text('Name in Chinese') input", "信用额度审核")
    page.press("#properties label:has-text('Name in Chinese') input", "Tab")
    page.select_option("#properties label:has-text('Form') select", "general_manager_approval")
    page.click(".djs-element[data-element-id='Flow_AboveBand_label'] .djs-hit")  # a gateway condition, checked live
    condition = page.locator("#properties textarea")
    condition.fill("approved_credit_limit >")
    page.wait_for_selector("#properties output.error")
    condition.fill("approved_credit_limit > 1,000,000")  # as people write numbers: shown on the flow before saving
    page.wait_for_selector("#properties output.error:has-text('write 1000000')")
    condition.fill("approved_credit_limt > 500000")
    page.wait_for_selector("#properties output.error:has-text('did you mean approved_credit_limit')")
    condition.fill("approved_credit_limit > 2000000")
    page.wait_for_selector("#properties output.ok")
    condition.press("Tab")
    page.click("#modeler-save")
    page.wait_for_selector("#modeler-status:has-text('Saved')")
    shot(page, "07-draft-modeler")

    page.reload()  # what was saved is what comes back, and the validation reads it
    page.wait_for_selector("#modeler.ready .djs-container")
    draft_id = page.url.rsplit("/", 1)[-1]
    outline = engine.authoring.outline(f"draft:{draft_id}")
    review = outline["steps"]["Task_CreditLimitReview"]
    assert (review["name_zh"], review["form"]) == ("信用额度审核", "general_manager_approval")
    assert outline["flows"]["Flow_AboveBand"]["condition"] == "approved_credit_limit > 2000000"
    source = engine.authoring.outline("customer_approval@1")  # every other crmflow setting survived bpmn-js
    for step_id, step in source["steps"].items():
        kept = outline["steps"][step_id]
        assert (kept["service"], kept["assignment"], kept["due_in"], kept["lane"], kept["decision"]) == \
            (step["service"], step["assignment"], step["due_in"], step["lane"], step["decision"]), step_id
    assert outline["steps"]["Task_DecideApprovalLevel"]["decision"] == "approval_level"  # bpmn-js kept the table
    assert outline["parameters"] == source["parameters"]
    # The review now records the general manager's form, so the gateway after it reads a field nobody sets: the
    # validation says so on the flow, with the field that is no longer there.
    assert "Forms changed" in page.inner_text("#diff")
    assert "credit_limit_approved" in page.inner_text("#validation")
    assert engine.authoring.draft(draft_id).revision == 2

    # A stale tab saving over a newer revision is refused, and says so.
    engine.authoring.edit(draft_id, [{"op": "set_rule_cell", "decision": "approval_level", "rule": 2,
                                      "column": "Approved credit limit", "cell": "> 600000"},
                                     {"op": "set_rule_cell", "decision": "approval_level", "rule": 1,
                                      "column": "Approved credit limit", "cell": "<= 600000"}], "ann")
    page.click(".djs-element[data-element-id='Task_CreditLimitReview'] .djs-hit")
    page.fill("#properties label:has-text('Due in') input", "P5D")
    page.press("#properties label:has-text('Due in') input", "Tab")
    page.click("#modeler-save")
    page.wait_for_selector("#modeler-status.error")
    assert "409" in page.inner_text("#modeler-status") and "someone else" in page.inner_text("#modeler-status")


def test_the_draft_page_edits_a_decision_table_in_dmn_js_and_the_diff_says_the_rule(page, server):
    engine, base = server
    draft = engine.authoring.copy("customer_approval", new_key="ca_tables", author="ann")
    sign_in(page, base, "ann")
    page.goto(f"{base}/drafts/{draft.id}")
    page.click(".table-open[data-decision='approval_level']")
    cell = page.locator(".table-editor[data-decision='approval_level'] td.input-cell").nth(2)  # rule 2's limit
    cell.wait_for()
    assert "500000" in cell.inner_text()
    cell.locator("[contenteditable]").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("> 800000")
    page.locator(".table-editor[data-decision='approval_level'] td.input-cell").nth(0) \
        .locator("[contenteditable]").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("<= 800000")
    shot(page, "20-draft-decision-table")
    status = page.locator(".table-editor[data-decision='approval_level'] .table-status")
    try:
        with page.expect_navigation():  # saved: the page shows the diff and the validation of the saved table
            page.click(".table-save[data-decision='approval_level']")
    except PlaywrightTimeout:
        raise AssertionError(f"the table was not saved: {status.inner_text()}") from None
    assert "approval_level rule 2: Approved credit limit > 800,000 → general_manager (was Approved credit limit > " \
           "500,000)" in page.inner_text("#diff")
    rules = engine.authoring.outline(f"draft:{draft.id}")["decisions"]["approval_level"]["rules"]
    assert [rule["inputs"][0] for rule in rules] == ["<= 800000", "> 800000"]
    assert engine.authoring.draft(draft.id).revision == draft.revision + 1


def test_a_manager_opens_the_reports(page, server):
    engine, base = server
    sign_in(page, base, "carol")
    page.goto(f"{base}/reports")
    for key in REPORTS:
        assert page.is_visible(f"#{key}")
    shot(page, "07-reports")
    for key in REPORTS:  # on a fresh set-up every report has figures: a chart and rows
        page.goto(f"{base}/reports/{key}")
        assert page.locator("#chart svg rect.bar").count() > 0, key
        assert page.locator("table.report tbody tr").count() > 0, key
    page.goto(f"{base}/reports/lead_sources")
    everything = page.locator("table.report tbody tr").count()
    page.select_option("select[name=source]", "fair")
    page.click("#report-filters button")
    assert page.locator("table.report tbody tr").count() == 1 < everything  # a filter narrows
    shot(page, "17-report-filtered")
    with page.expect_download() as download:
        page.click("#csv")
    assert download.value.suggested_filename == "lead_sources.csv"
    assert Path(download.value.path()).read_bytes().startswith("\ufeff".encode())
    page.click("table.report tbody tr a.drill")
    assert page.locator("#drill").count() == 1 and page.locator("table.report tbody tr").count() > 0
    page.goto(f"{base}/reports")
    page.select_option("#conformance-pick select", "complaint_handling")
    page.click("#conformance-pick button")
    assert page.locator("#variants tr.variant").count() > 0
    shot(page, "18-conformance")
    page.click("a:has-text('中文')")
    assert "路径变体" in page.inner_text("main") and "投诉分类" in page.inner_text("#variants")  # steps' nameZh
    page.goto(f"{base}/reports/pipeline")
    assert "商机管道" in page.inner_text("h1") and "谈判" in page.inner_text("main")
    page.click("a:has-text('English')")


def test_catalog_process_view_and_inbox(page, server):
    engine, base = server
    engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-BROWSER", "alice")
    sign_in(page, base, "root")
    page.goto(f"{base}/processes")
    shot(page, "08-catalog")
    page.click("#catalog a:has-text('v1') >> nth=0")
    assert page.locator("#diagram svg").count() == 1
    shot(page, "09-process-view-heat")
    sign_in(page, base, "alice")
    page.goto(f"{base}/inbox")
    assert "Credit usage" in page.inner_text("ul.inbox")  # the control point's alert to the salesperson
    shot(page, "10-inbox")


def test_on_a_390_px_phone_nothing_is_cut_off_and_sign_out_is_reachable(chromium, server):
    _, base = server
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        sign_in(phone, base, "root")  # the most navigation links
        for path in ("/tasks", "/processes/instances", "/admin/integration", "/inbox"):
            phone.goto(f"{base}{path}")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 391, f"{path} is {width}px wide on a 390px screen"
            box = phone.locator("button:has-text('Sign out')").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, f"sign-out cut off on {path}"
        shot(phone, "12-phone-header")
        phone.click("button:has-text('Sign out')")
        phone.wait_for_selector("input[name=username]")
    finally:
        context.close()


def choose(page, field: str, typed: str, label: str) -> None:
    """Type part of a name into a picker, wait until it offers `label`, and choose it."""
    page.fill(f"#f-{field}", "")
    page.type(f"#f-{field}", typed)
    page.wait_for_function("([list, label]) => [...document.getElementById(list).options].some(o => o.value === label)",
                           arg=[f"choices-{field}", label])
    page.fill(f"#f-{field}", label)


def test_staff_start_an_order_from_its_page_choosing_customer_and_quote_by_name(page, server):
    engine, base = server
    sign_in(page, base, "alice")
    page.goto(f"{base}/processes")
    page.click("#start-order_release")
    page.fill("#f-business_key", "SO-FROM-PAGE")
    page.fill("#f-amount", "-5000")
    choose(page, "customer_id", "beij", "Beijing Energy Group 北京能源集团 · C-00003")
    choose(page, "quote_id", "Q", "approved price 110,000.00 · Q-00001")  # only this customer's quotes
    page.click("#start")
    assert page.inner_text("#error-amount") == "must be more than 0"
    shot(page, "13-start-order-refused-amount")
    page.fill("#f-amount", "110,000")
    page.click("#start")
    assert "Case started SO-FROM-PAGE" in page.inner_text(".flash")
    [case] = [i for i in engine.instances(process_key="order_release") if i.business_key == "SO-FROM-PAGE"]
    assert case.summary["customer_id"] == 3 and case.summary["quote_id"] == 1 and case.summary["amount"] == 110000
    shot(page, "14-order-started")


def test_an_administrator_finds_a_case_by_customer_and_terminates_it(page, server):
    engine, base = server
    engine.start("order_release", {"customer_id": 2, "amount": 30000, "quote_id": 3}, "SO-TO-CANCEL", "bob")
    sign_in(page, base, "root")
    page.click("nav a:has-text('Cases')")
    page.type("#f-customer", "guangzhou")
    page.click("#case-search button")
    page.click("a:has-text('SO-TO-CANCEL')")
    shot(page, "15-case-found-by-customer")
    page.fill("input[name=reason]", "customer cancelled the order")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('Terminate')")  # asked first; dismissed, nothing happens
    assert asked and "cannot be undone" in asked[0] and page.locator(".flash").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Terminate')")
    assert "Case terminated" in page.inner_text(".flash")
    [case] = [i for i in engine.instances(process_key="order_release") if i.business_key == "SO-TO-CANCEL"]
    assert case.status == "terminated"


def test_a_complaint_s_sla_escalation_fires_under_plain_serve(page, tmp_path):
    """`crmflow setup` and `crmflow serve` as `make run` starts them (the worker in-process), with a copy of the
    complaint process whose SLA is two seconds: the breach reaches the supervisor without anyone ticking a clock."""
    with served_crmflow(f"sqlite:///{tmp_path / 'sla.sqlite'}") as port:
        base, root = f"http://127.0.0.1:{port}", {"Authorization": "Bearer demo-root"}
        with urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/processes/complaint_handling/versions/1/bpmn", headers=root), timeout=10) as answer:
            shipped = answer.read().decode()
        short = shipped.replace("sla['duration']", "'PT2S'")
        assert short != shipped
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/processes", data=short.encode(), method="POST",
            headers={**root, "Content-Type": "application/xml"}), timeout=30)
        sign_in(page, base, "sam")
        page.goto(f"{base}/processes")
        page.click("#start-complaint_handling")
        page.fill("#f-business_key", "CP-SLA")
        page.click("#start")  # straight to sam's first task: register the complaint
        choose(page, "customer_id", "guang", "Guangzhou Fresh Retail 广州鲜品零售 · C-00002")
        choose(page, "contact_id", "huang", "Huang Lei 黄磊 · P-00002")
        page.fill("#f-product", "Cold chain box")
        page.fill("#f-description", "arrived broken twice")
        page.click("#complete")
        page.click("#my-tasks a:has-text('Classify complaint')")
        page.select_option("#f-severity", "high")
        page.fill("#f-product", "Cold chain box")
        page.click("#complete")
        assert page.locator("#my-tasks a:has-text('Investigate')").count() == 1
        sign_in(page, base, "sue")
        for _ in range(60):  # the two-second SLA, then the worker's next round (every second)
            page.goto(f"{base}/tasks")
            if page.locator("a:has-text('Supervisor investigation')").count():
                break
            page.wait_for_timeout(500)
        assert page.locator("a:has-text('Supervisor investigation')").count() == 1
        page.goto(f"{base}/inbox")
        assert "escalated" in page.inner_text("main")
        shot(page, "16-sla-escalation-inbox")


def test_the_modeler_gives_a_named_step_a_readable_id_and_the_id_field_renames_it(page, server):
    engine, base = server
    draft = engine.authoring.copy("customer_approval", author="ann")
    bpmn, _ = engine.authoring.bpmn(f"draft:{draft.id}")
    engine.authoring.upload(draft.id, bpmn.replace(b"Task_SalesExpenseEvaluation", b"Activity_16hczsy"), "ann")
    sign_in(page, base, "ann")
    page.goto(f"{base}/drafts/{draft.id}")
    page.wait_for_selector("#modeler.ready .djs-container")
    page.click(".djs-element[data-element-id='Activity_16hczsy'] .djs-hit")
    name = page.locator("#properties label").first.locator("input")
    name.fill("Check the sales budget")
    name.press("Tab")
    page.wait_for_selector(".djs-element[data-element-id='Task_CheckTheSalesBudget']")
    assert page.input_value("#element-id") == "Task_CheckTheSalesBudget"
    page.fill("#element-id", "Task_SalesBudget")
    page.press("#element-id", "Tab")
    page.wait_for_selector(".djs-element[data-element-id='Task_SalesBudget']")
    page.fill("#element-id", "Task_CreditLimitReview")  # taken: refused, said
    page.press("#element-id", "Tab")
    page.wait_for_selector("#modeler-status.error")
    page.click("#modeler-save")
    page.wait_for_selector("#modeler-status:has-text('Saved')")
    steps = engine.authoring.outline(f"draft:{draft.id}")["steps"]
    assert "Task_SalesBudget" in steps and "Activity_16hczsy" not in steps
    assert steps["Task_SalesBudget"]["name"] == "Check the sales budget"
    page.wait_for_selector("#outline:has-text('Check the sales budget')")  # the outline refreshed after the save


def test_an_administrator_pilots_a_version_compares_it_and_ends_the_pilot(page, server):
    engine, base = server
    draft = engine.authoring.copy("order_release", author="ann")
    engine.authoring.edit(draft.id, [{"op": "set_parameter", "name": "credit_alert_threshold", "value": 0.95}], "ann")
    piloted = engine.authoring.deploy(draft.id, "root", pilot={"regions": ["east"]}).version
    engine.start("order_release", {"customer_id": 1, "amount": 30000, "quote_id": None}, "SO-PILOT-1", "alice")
    sign_in(page, base, "root")
    page.goto(f"{base}/processes/order_release/{piloted}")
    assert "east" in page.inner_text(f"#pilot-{piloted}")
    page.click("#compare-link")
    page.wait_for_selector("#comparison")
    started = page.locator("#comparison tr[data-measure='started'] td")
    assert started.nth(2).inner_text() == "1"  # the case alice started on the pilot
    assert page.locator("#compare-csv").count() == 1 and "too few" in page.inner_text("main")
    shot(page, "19-compare-versions")
    page.goto(f"{base}/processes/order_release/{piloted}")
    page.on("dialog", lambda dialog: dialog.accept())  # ending asks first
    page.click("#pilot-end")
    assert "Pilot ended" in page.inner_text(".flash")
    assert engine.start("order_release", {"customer_id": 1, "amount": 30000, "quote_id": None}, "SO-PILOT-2",
                        "alice").version != piloted


def test_every_page_on_a_390_px_phone_in_chinese_fits_and_keeps_its_primary_action_on_screen(chromium, server):
    """Each role's pages, in Chinese on a phone: nothing wider than the screen, the action the page is for within it."""
    engine, base = server
    case = engine.start("order_release", {"customer_id": 1, "amount": 100000, "quote_id": 2}, "SO-PHONE", "alice")
    [task] = engine.tasks(instance_id=case.id)
    mine = next(t for t in engine.tasks(assignee="alice") if t.form_key)
    draft = engine.authoring.copy("order_release", author="ann")
    pages = {
        "alice": [("/tasks", None), (f"/tasks/{mine.id}", "#complete"), ("/inbox", None), ("/processes", None),
                  ("/processes/order_release/start", "#start"), (f"/processes/instances/{case.id}", None)],
        "carol": [(f"/tasks/{task.id}", "#complete"), ("/reports", None), ("/reports/forecast_accuracy", None),
                  ("/reports/weekly_reports", None), ("/reports/conformance?process_key=order_release", None),
                  ("/processes/order_release/compare?a=1&b=1", None)],
        "ann": [("/drafts", "#copy"), (f"/drafts/{draft.id}", "#apply"), ("/processes/order_release/1", None)],
        "root": [("/processes/instances", None), ("/admin/users", None), ("/admin/integration", None),
                 ("/processes/order_release/migration", None)],
    }
    problems = []
    for user, visits in pages.items():
        context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        context.set_default_timeout(10_000)
        phone = context.new_page()
        try:
            sign_in(phone, base, user)
            phone.goto(f"{base}/language/zh")
            for path, primary in visits:
                phone.goto(f"{base}{path}")
                width = phone.evaluate("document.documentElement.scrollWidth")
                if width > 391:
                    problems.append(f"{user} {path}: {width}px wide")
                if primary is not None:
                    phone.locator(primary).scroll_into_view_if_needed()
                    box = phone.locator(primary).bounding_box()
                    if box is None or box["x"] < 0 or box["x"] + box["width"] > 390:
                        problems.append(f"{user} {path}: {primary} off screen ({box})")
                name = path.strip("/").split("?")[0].replace("/", "-")[:40] or "home"
                shot(phone, f"phone-zh-{user}-{name}")
        finally:
            context.close()
    assert not problems, problems
