"""Where the application is assembled: the engine on its database, with the CRM pack."""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from domain import crm_pack
from engine import DataLimits, Engine, StepLimits

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_BPMN = ROOT / "bpmn"


def build_engine(url: str | None = None, clock: Callable[[], datetime] | None = None) -> Engine:
    """An engine on `url` (or CRMFLOW_DATABASE_URL, or the SQLite default) with the CRM pack.

    CRMFLOW_MAX_DATA_BYTES (default 262144) bounds one case's data; CRMFLOW_MAX_STEPS (default
    2000) bounds the engine steps one command may run before it must reach a wait state.
    """
    data = DataLimits(max_bytes=int(os.environ.get("CRMFLOW_MAX_DATA_BYTES", DataLimits.max_bytes)))
    steps = StepLimits(max_steps=int(os.environ.get("CRMFLOW_MAX_STEPS", StepLimits.max_steps)))
    if clock is None:
        return Engine(url, pack=crm_pack(), data_limits=data, step_limits=steps)
    return Engine(url, pack=crm_pack(), data_limits=data, step_limits=steps, clock=clock)


def shipped_models() -> list[Path]:
    """The BPMN files crmflow ships, in a stable order."""
    return sorted(SHIPPED_BPMN.glob("*.bpmn"))


def shipped(path: Path) -> tuple[bytes, dict[str, bytes]]:
    """A shipped model's bytes and the shipped decision tables (bpmn/*.dmn) its business rule tasks name: what
    `engine.deploy(bpmn, decisions=...)` takes."""
    bpmn = path.read_bytes()
    tables = Engine.split_decisions(*(dmn.read_bytes() for dmn in sorted(path.parent.glob("*.dmn"))))
    return bpmn, Engine.decisions_for(bpmn, tables)


def outbox_delivery(engine: Engine):
    """A callable that delivers one batch from the outbox with the configured senders.

    CRMFLOW_OUTBOX_JOURNAL (default var/outbox.jsonl) receives every message. With
    CRMFLOW_SMTP_HOST set, notifications are mailed to the user's address instead, through that
    server: CRMFLOW_SMTP_PORT (default 25, or 587 with STARTTLS), CRMFLOW_SMTP_FROM (default
    crmflow@localhost), CRMFLOW_SMTP_STARTTLS=1 to encrypt, CRMFLOW_SMTP_USER and
    CRMFLOW_SMTP_PASSWORD to log in. Webhook deliveries are posted to their subscribers.
    """
    from engine import JournalSender, Sender, SmtpSender, WebhookSender, dispatch

    journal = JournalSender(os.environ.get("CRMFLOW_OUTBOX_JOURNAL", "var/outbox.jsonl"))
    senders: dict[str, Sender] = {"webhook": WebhookSender(engine.store)}
    if os.environ.get("CRMFLOW_SMTP_HOST"):
        starttls = os.environ.get("CRMFLOW_SMTP_STARTTLS", "") in ("1", "true", "yes")
        senders["notification"] = SmtpSender(
            os.environ["CRMFLOW_SMTP_HOST"], int(os.environ.get("CRMFLOW_SMTP_PORT", "587" if starttls else "25")),
            os.environ.get("CRMFLOW_SMTP_FROM", "crmflow@localhost"), lambda user: _email_of(engine, user),
            os.environ.get("CRMFLOW_SMTP_USER") or None, os.environ.get("CRMFLOW_SMTP_PASSWORD"), starttls)
    return lambda: dispatch(engine.context, senders, journal)


def _email_of(engine: Engine, username: str) -> str | None:
    from domain.records import User

    with engine.store.read() as session:
        user = session.get(User, username)
        return user.email if user else None
