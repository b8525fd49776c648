"""API fixtures: the Flask app on the test engine (CRM pack, demo data), clients per user, a webhook receiver."""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from tests.crm import crm_app


@pytest.fixture
def app(engine):
    return crm_app(engine)


class Api:
    """A test client that sends one demo user's token."""

    def __init__(self, client, user: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer demo-{user}"} if user else {}

    def __getattr__(self, method: str):
        def call(path: str, json=None, data=None, headers=None, **kwargs):
            response = getattr(self.client, method)(path, json=json, data=data,
                                                    headers={**self.headers, **(headers or {})}, **kwargs)
            return response

        return call


@pytest.fixture
def as_user(app):
    client = app.test_client()
    return lambda user: Api(client, user)


SECRET = "shared-secret-of-the-erp"
PAYMENT = {"payment_amount": 30000, "payment_reference": "ICBC-7"}


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that answers with the statuses it is told, in turn, and keeps what it got."""

    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.received.append((dict(self.headers), body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    Receiver.answers, Receiver.received = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver
    server.shutdown()


def prepaid_order(api, business_key: str) -> str:
    """An order of the prepayment customer that waits for its payment."""
    started = api("bob").post("/api/processes/order_release/instances", json={
        "data": {"customer_id": 2, "amount": 30000, "quote_id": 3}, "business_key": business_key})
    assert started.status_code == 201, started.json
    assert started.json["status"] == "waiting"
    return started.json["id"]
