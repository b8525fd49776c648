"""Notifications by e-mail: the outbox mails them through a real local SMTP server (aiosmtpd)."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from designer_api.wiring import outbox_delivery


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.mails.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"crmflow" and auth_data.password == b"s3cret-relay"
    return AuthResult(success=ok, handled=False)  # a refusal answers 535


def settings(monkeypatch, tmp_path, port: int, password: str = "s3cret-relay") -> None:
    """The outbox configured for a local SMTP server as the README says."""
    for name, value in {"CRMFLOW_SMTP_HOST": "127.0.0.1", "CRMFLOW_SMTP_PORT": str(port),
                        "CRMFLOW_SMTP_FROM": "crmflow@example.com", "CRMFLOW_SMTP_USER": "crmflow",
                        "CRMFLOW_SMTP_PASSWORD": password,
                        "CRMFLOW_OUTBOX_JOURNAL": str(tmp_path / "outbox.jsonl")}.items():
        monkeypatch.setenv(name, value)


def smtp_server(box: Mailbox, port: int) -> Controller:
    """A local SMTP server that requires a login."""
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=login, auth_require_tls=False,
                            auth_required=True, auth_exclude_mechanism=["LOGIN"])  # PLAIN, as relays offer
    controller.start()
    return controller


def credit_alert(as_user) -> None:
    """An order that takes Shanghai Precision's credit usage to 95 %: the salesperson (alice) is alerted."""
    started = as_user("alice").post("/api/processes/order_release/instances",
                                    json={"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}})
    assert started.status_code == 201


def mails_to(box: Mailbox, address: str) -> list:
    return [mail for to, mail in box.mails if to == [address]]


def test_a_credit_alert_is_mailed_to_the_salesperson_once(as_user, engine, monkeypatch, tmp_path):
    box, port = Mailbox(), free_port()
    settings(monkeypatch, tmp_path, port)
    server = smtp_server(box, port)
    try:
        credit_alert(as_user)
        deliver = outbox_delivery(engine)
        deliver()
        deliver()  # nothing is mailed twice
    finally:
        server.stop()
    [mail] = mails_to(box, "alice@example.com")
    assert mail["From"] == "crmflow@example.com" and mail["Message-ID"].endswith("@crmflow>")
    titles = {note["title"] for note in as_user("alice").get("/api/notifications").get_json()}
    assert " ".join(mail["Subject"].split()) in titles and mail.get_content().strip()  # unfolded


def test_mail_waits_while_the_server_is_down_and_is_sent_once_it_is_back(as_user, engine, clock, monkeypatch,
                                                                          tmp_path):
    box, port = Mailbox(), free_port()
    settings(monkeypatch, tmp_path, port)
    credit_alert(as_user)
    deliver = outbox_delivery(engine)
    deliver()  # nobody listens on the port: kept, to be tried again
    server = smtp_server(box, port)
    try:
        deliver()
        assert box.mails == []  # not before its backoff has passed
        clock.advance(seconds=3)
        deliver()
    finally:
        server.stop()
    assert len(mails_to(box, "alice@example.com")) == 1


def test_a_wrong_smtp_password_mails_nothing_and_the_right_one_later_does(as_user, engine, clock, monkeypatch,
                                                                           tmp_path):
    box, port = Mailbox(), free_port()
    server = smtp_server(box, port)
    try:
        settings(monkeypatch, tmp_path, port, password="guessed")
        credit_alert(as_user)
        outbox_delivery(engine)()
        assert box.mails == []
        settings(monkeypatch, tmp_path, port)
        clock.advance(seconds=3)
        outbox_delivery(engine)()
    finally:
        server.stop()
    assert len(mails_to(box, "alice@example.com")) == 1
