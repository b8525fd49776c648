"""The pages in a real browser (Debian's headless Chromium driven by Playwright), with screenshots.

Runs when /usr/bin/chromium is installed (CRMFLOW_CHROMIUM names another); with
CRMFLOW_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails instead of skipping.
Screenshots of every page go to CRMFLOW_SCREENSHOTS (default var/screenshots).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from designer_api.app import create_app
from domain import CrmPack
from domain.reports import REPORTS
from engine import Engine
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """crmflow served on a free local port, over a fresh SQLite database with the CRM pack and demo data."""
    engine = Engine(f"sqlite:///{tmp_path_factory.mktemp('pages') / 'crmflow.sqlite'}", pack=CrmPack())
    engine.init_db()
    prepare_crm(engine)
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
    page.click("#my-tasks a:has-text('Customer info entry')")
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

    sign_in(page, base, "frank")  # finance: the next step is a group task to claim
    page.click("#group-tasks button:has-text('Claim')")
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
    assert page.is_hidden("#op_duration")  # the editor shows only what the operation needs
    page.select_option("#op_after", "Task_CreditLimitReview")
    page.fill("#op_name", "General manager approval")
    page.select_option("#op_lane", "general_manager")
    page.select_option("#op_form_key", "general_manager_approval")
    page.click("#apply")
    assert "Changes applied" in page.inner_text(".flash")
    assert "General manager approval" in page.inner_text("#diff .change-steps_added")
    assert "No problems" in page.inner_text("#validation")
    shot(page, "05-draft-editor-diff")
    page.click("#run-simulation")
    assert "General manager approval" in page.inner_text("#simulation-result .path")
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
    condition.fill("approved_credit_limit > credit_band * 2")
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
    assert outline["flows"]["Flow_AboveBand"]["condition"] == "approved_credit_limit > credit_band * 2"
    source = engine.authoring.outline("customer_approval@1")  # every other crmflow setting survived bpmn-js
    for step_id, step in source["steps"].items():
        kept = outline["steps"][step_id]
        assert (kept["service"], kept["assignment"], kept["due_in"], kept["lane"]) == \
            (step["service"], step["assignment"], step["due_in"], step["lane"]), step_id
    assert outline["parameters"] == source["parameters"]
    assert "Forms changed" in page.inner_text("#diff") and "No problems" in page.inner_text("#validation")
    assert engine.authoring.draft(draft_id).revision == 2

    # A stale tab saving over a newer revision is refused, and says so.
    engine.authoring.edit(draft_id, [{"op": "set_parameter", "name": "credit_band", "value": 600000}], "ann")
    page.click(".djs-element[data-element-id='Task_CreditLimitReview'] .djs-hit")
    page.fill("#properties label:has-text('Due in') input", "P5D")
    page.press("#properties label:has-text('Due in') input", "Tab")
    page.click("#modeler-save")
    page.wait_for_selector("#modeler-status.error")
    assert "409" in page.inner_text("#modeler-status") and "someone else" in page.inner_text("#modeler-status")


def test_a_manager_opens_the_reports(page, server):
    engine, base = server
    sign_in(page, base, "carol")
    page.goto(f"{base}/reports")
    for key in REPORTS:
        assert page.is_visible(f"#{key}")
    shot(page, "07-reports")


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
