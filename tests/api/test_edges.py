"""The edges over HTTP: webhooks that are redirected or carry credentials, reused message ids, parameters sent as
data, CSV cells that would be formulas, mistyped edit operations and migration mappings onto the wrong step."""
from __future__ import annotations

import csv
import http.server
import io
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from designer_api.wiring import outbox_delivery
from domain.records import Contact, Customer
from engine.store.tables import Webhook
from tests.engine.test_edges import SECRET, paid_model

XML = {"Content-Type": "application/xml"}


class Redirect(http.server.BaseHTTPRequestHandler):
    """Answers every delivery with a redirect to an ftp:// address on this machine."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(307)
        self.send_header("Location", "ftp://127.0.0.1:2121/drop")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirect() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def deployed_paid(as_user, business_key: str = "P-1") -> str:
    assert as_user("root").post("/api/processes", data=paid_model(), headers=XML).status_code == 201
    started = as_user("bob").post("/api/processes/paid/instances", json={"data": {"amount": 5000},
                                                                        "business_key": business_key})
    assert started.status_code == 201 and started.json["status"] == "waiting", started.json
    return started.json["id"]


def fields(response) -> set[str]:
    return {d.get("field") for d in response.json["error"]["details"]}


def test_a_redirected_webhook_delivery_fails_naming_status_and_host_and_goes_nowhere(as_user, engine, redirect):
    hook = as_user("root").post("/api/webhooks", json={"url": redirect, "events": ["instance_started"],
                                                       "secret": SECRET})
    assert hook.status_code == 201
    deployed_paid(as_user)
    outbox_delivery(engine)()
    [delivery] = as_user("root").get("/api/webhooks/deliveries").json
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert "307" in delivery["last_error"] and "ftp://127.0.0.1:2121" in delivery["last_error"]
    assert "not followed" in delivery["last_error"]


def test_webhook_urls_with_credentials_are_refused_and_never_shown(as_user, engine):
    refused = as_user("root").post("/api/webhooks", json={"url": "https://erp:hunter2@erp.example.com/hook",
                                                          "events": ["instance_started"], "secret": SECRET})
    assert refused.status_code == 422 and fields(refused) == {"url"}
    assert "hunter2" not in refused.get_data(as_text=True)
    # one stored before this rule: listed without its password, and its failures too
    engine.execute(lambda uow: uow.session.add(Webhook(
        url="http://erp:hunter2@127.0.0.1:9/hook", events=["instance_started"], secret=SECRET, active=True,
        created_by="root", created_at=uow.now)))
    deployed_paid(as_user)
    outbox_delivery(engine)()
    listed = as_user("root").get("/api/webhooks")
    assert listed.json[0]["url"] == "http://127.0.0.1:9/hook"
    deliveries = as_user("root").get("/api/webhooks/deliveries")
    assert deliveries.json[0]["last_error"] and "hunter2" not in deliveries.get_data(as_text=True)


def test_a_reused_message_id_with_other_data_is_409_naming_message_id(as_user):
    deployed_paid(as_user)
    message = {"name": "paid", "business_key": "P-1", "message_id": "BANK-1", "data": {"amount_paid": 5000}}
    assert as_user("erp").post("/api/messages", json=message).status_code == 200
    assert as_user("erp").post("/api/messages", json=message).json["duplicate"] is True
    other = as_user("erp").post("/api/messages", json={**message, "data": {"amount_paid": 999999}})
    assert other.status_code == 409 and fields(other) == {"message_id"}


def test_a_message_or_a_retry_holding_a_parameter_is_422_naming_it(as_user):
    case = deployed_paid(as_user)
    message = {"name": "paid", "business_key": "P-1", "message_id": "BANK-2", "data": {"limit": 1000000}}
    refused = as_user("erp").post("/api/messages", json=message)
    assert refused.status_code == 422 and fields(refused) == {"limit"}
    assert as_user("root").get(f"/api/instances/{case}").json["status"] == "waiting"


def test_a_script_setting_a_parameter_is_refused_at_upload_naming_the_step(as_user):
    refused = as_user("root").post("/api/processes", data=paid_model(script="limit = 5\nbig = True"), headers=XML)
    assert refused.status_code == 422
    [problem] = [d for d in refused.json["error"]["details"] if d["code"] == "parameter_assigned"]
    assert problem["element_id"] == "Task_Check"


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"click\")", "=1+1", "+1", "-1", "@SUM(A1:A9)",
                                  "\t=1+1", "\r=1"])
def test_a_text_that_would_be_a_formula_is_exported_as_text(as_user, engine, name):
    def named(uow) -> None:
        customer = uow.session.scalars(select(Customer).order_by(Customer.id)).first()
        customer.name = name
        uow.session.add(Contact(customer_id=customer.id, name=name, role="buyer"))

    engine.execute(named)
    response = as_user("carol").get("/api/reports/contact_roles?format=csv&drill=buyer")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row if name in cell]
    assert cells and all(cell == "'" + name for cell in cells)
    counted = list(csv.reader(io.StringIO(as_user("carol").get("/api/reports/contact_roles?format=csv")
                                          .data.decode("utf-8-sig"))))
    assert all(not row[1].startswith("'") for row in counted[1:])  # numbers stay numbers


@pytest.mark.parametrize("operation, field", [
    ({"op": "set_timer", "element_id": "Task_CreditLimitReview", "duration": "P1D", "name": 5}, "name"),
    ({"op": "set_lane", "element_id": "Task_CreditLimitReview", "lane": "finance\x01"}, "lane"),
    ({"op": "rename", "element_id": "Task_CreditLimitReview", "name": 12}, "name"),
])
def test_a_mistyped_edit_operation_is_422_naming_index_and_field(as_user, operation, field):
    draft = as_user("ann").post("/api/processes/customer_approval/copy", json={}).json
    response = as_user("ann").post(f"/api/drafts/{draft['id']}/operations", json={"operations": [operation]})
    assert response.status_code == 422, response.json
    assert fields(response) == {f"operations[0].{field}"}


@pytest.mark.parametrize("target", ["StartEvent_CustomerRequested", "EndEvent_CustomerApproved", "Service_RegisterCustomer"])
def test_migrating_a_waiting_task_onto_a_step_where_nobody_waits_is_422_naming_the_mapping(as_user, target):
    root = as_user("root")
    case = as_user("alice").post("/api/processes/customer_approval/instances", json={"business_key": "M-1"}).json
    v1 = root.get("/api/processes/customer_approval/versions/1/bpmn").data
    v2 = v1.replace(b"Task_CustomerInfoEntry", b"Task_CustomerDetails")  # the step it waits at is gone from v2
    assert root.post("/api/processes", data=v2, headers=XML).status_code == 201
    for path in ("/migrations/plan", "/migrations"):
        refused = root.post(f"/api/processes/customer_approval{path}", json={
            "from_version": 1, "to_version": 2, "mapping": {"Task_CustomerInfoEntry": target}})
        assert refused.status_code == 422 and fields(refused) == {"mapping.Task_CustomerInfoEntry"}
    assert root.get(f"/api/instances/{case['id']}").json["version"] == 1
