"""The outbox dispatcher: delivers messages written by commands, after they committed.

Each round claims undelivered rows with SKIP LOCKED, hands each to the sender for its
topic, and marks it delivered in the same transaction. A failed delivery is tried again after
a backoff that doubles each time (2 s, 4 s, ... at most an hour); after `MAX_ATTEMPTS` it is a
dead letter, kept with its last error until someone redelivers it. A dispatcher that dies between
sending and committing sends that message again after restart, with the same
idempotency key: senders deliver once per key (the journal sender checks its journal;
mail carries the key as its Message-ID).
"""
from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable, Mapping
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import or_, select

from ..store.tables import OutboxMessage
from .unit_of_work import UnitOfWork, execute

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("crmflow.outbox")
MAX_ATTEMPTS = 10
MAX_BACKOFF_SECONDS = 3600


def queue(session: Any, topic: str, key: str, payload: dict[str, Any], now: Any) -> None:
    """Queue a message no case sends (a set-password mail): delivered after the caller's transaction commits, once
    per `key`, like a case's."""
    session.add(OutboxMessage(idempotency_key=key, instance_id=None, topic=topic, payload=payload, created_at=now,
                              attempts=0))


class Sender(Protocol):
    """Delivers one message; must deliver at most once per `key`."""

    def send(self, key: str, topic: str, payload: dict[str, Any]) -> None: ...


class JournalSender:
    """The default: writes each message as a JSON line to a journal file (and the log), once per key."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, key: str, topic: str, payload: dict[str, Any]) -> None:
        if self.path.exists() and any(json.loads(line)["key"] == key for line in self.path.open(encoding="utf-8")):
            return  # already delivered before a restart
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps({"key": key, "topic": topic, "payload": payload}, ensure_ascii=False) + "\n")
        log.info("delivered %s %s", topic, key)


class SmtpSender:
    """Mail for messages that name a user with an address; the idempotency key is the Message-ID.

    With `starttls` the connection is encrypted before anything is sent (and before the login, when a
    username is given). A refused or unreachable server raises, so the outbox tries again later.
    """

    def __init__(self, host: str, port: int, sender: str, address_of: Callable[[str], str | None],
                 username: str | None = None, password: str | None = None, starttls: bool = False):
        self.host, self.port, self.sender, self.address_of = host, port, sender, address_of
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, key: str, topic: str, payload: dict[str, Any]) -> None:
        address = self.address_of(payload.get("user", "")) if payload.get("user") else None
        if not address:
            return  # nobody to mail: the inbox has it
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, address, payload.get("title", topic)
        mail["Message-ID"] = f"<{key.replace(':', '.')}@crmflow>"
        mail.set_content(payload.get("body") or payload.get("title", ""))
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)
        log.info("mailed %s to %s", key, address)


def dispatch(context: Context, senders: Mapping[str, Sender], default: Sender, batch: int = 100) -> int:
    """Deliver one batch of undelivered messages; returns how many were delivered."""

    def _round(uow: UnitOfWork) -> int:
        rows = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.dispatched_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= uow.now))
            .order_by(OutboxMessage.id).limit(batch).with_for_update(skip_locked=True)).all()
        delivered = 0
        for row in rows:
            row.attempts += 1
            try:
                senders.get(row.topic, default).send(row.idempotency_key, row.topic, row.payload)
            except Exception as exc:  # tried again after the backoff; after MAX_ATTEMPTS a dead letter
                log.warning("delivery of %s failed (attempt %s): %s", row.idempotency_key, row.attempts, exc)
                row.last_error = f"{exc}"[:1000] or type(exc).__name__
                row.next_attempt_at = uow.now + timedelta(seconds=min(2 ** row.attempts, MAX_BACKOFF_SECONDS))
                continue
            row.dispatched_at, row.last_error = uow.now, None
            delivered += 1
        return delivered

    return execute(context, _round, actor="outbox")
