"""Webhooks: history events posted to subscribers outside, signed, through the outbox.

When a command writes history events of a type a webhook subscribes to, it writes one outbox
message per event and webhook in the same transaction; the dispatcher posts it after commit. The
body is fixed when the event happens, so every retry sends the same bytes with the same
`X-Crmflow-Delivery` id and `X-Crmflow-Signature: sha256=<HMAC-SHA256 of the body with the secret>`.
A delivery that fails is retried with backoff (outbox.py); after the last attempt it is a dead
letter an administrator can redeliver.

Subscriptions are read once per `REFRESH_SECONDS` per process (at once after a change made here):
a webhook registered on one server is seen by the others within that time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from ..errors import FieldError, InvalidData, NotFound
from ..store.database import Store
from ..store.tables import Instance, OutboxMessage, Webhook
from .unit_of_work import UnitOfWork

TOPIC = "webhook"
# The engine's own history event types (the pack adds those its services record: Pack.event_types).
EVENT_TYPES = frozenset({
    "instance_started", "instance_completed", "instance_suspended", "instance_resumed", "instance_terminated",
    "instance_retried", "instance_migrated", "incident", "task_created", "task_completed", "task_claimed",
    "task_unclaimed", "task_delegated", "task_cancelled", "timer_fired", "message_received", "element_completed", "decision_evaluated",
    "gateway_decided", "comment_added"})
TIMEOUT_SECONDS = 10
MAX_EVENTS = 50


def signature(secret: str, body: bytes) -> str:
    """The value of X-Crmflow-Signature for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliveries(subscribed: dict[str, list[int]], events: Iterable[dict[str, Any]], row: Instance,
               now: datetime) -> list[dict[str, Any]]:
    """Outbox rows for the events of a case (`row`) a webhook subscribes to (one per event and webhook)."""
    instance = {"instance_id": row.id, "process_key": row.process_key, "version": row.version,
                "business_key": row.business_key, "status": row.status}
    rows = []
    for event in events:
        for hook_id in subscribed.get(event["type"], ()):
            delivery = str(uuid.uuid4())
            body = {"delivery_id": delivery, "event": event["type"], **instance, "element_id": event.get("element_id"),
                    "task_id": event.get("task_id"), "actor": event.get("actor"), "at": now.isoformat(),
                    "data": event.get("data")}
            rows.append({"idempotency_key": delivery, "instance_id": instance["instance_id"], "topic": TOPIC,
                         "payload": {"webhook_id": hook_id, "event": event["type"],
                                     "body": json.dumps(body, ensure_ascii=False, default=str)},
                         "created_at": now, "attempts": 0})
    return rows


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is never followed: the 3xx reaches the sender as an HTTPError, a failed delivery."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# Only http and https, no proxies from the environment, no redirects: the delivery goes to the URL an
# administrator registered, and nowhere else (not another host, not ftp://, not a file).
_OPENER = urllib.request.OpenerDirector()
for _handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _NoRedirects(),
                 urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
    _OPENER.add_handler(_handler)


_USER_INFO = re.compile(r"(?<=://)[^/?#\s@]*@")


def shown(text: str) -> str:
    """A URL (or a text holding URLs) as it may be shown or logged: without user names and passwords."""
    return _USER_INFO.sub("", text)


def _host(url: str | None) -> str:
    """The scheme, host and port of a URL (what an error may name of it)."""
    try:
        parts = urlsplit(url or "")
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an unreadable address"
    return f"{parts.scheme}://{parts.hostname or ''}{port}" if parts.scheme else "an address without a scheme"


def _excerpt(text: str, limit: int = 200) -> str:
    escaped = text.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."


class WebhookSender:
    """Posts a delivery to its webhook's URL; anything but a 2xx answer is a failure (retried)."""

    def __init__(self, store: Store):
        self.store = store

    def send(self, key: str, topic: str, payload: dict[str, Any]) -> None:
        with self.store.read() as session:
            hook = session.get(Webhook, payload["webhook_id"])
            if hook is None or not hook.active:
                return  # unsubscribed since: nothing to deliver
            url, secret = hook.url, hook.secret
        if urlsplit(url).scheme not in ("http", "https"):
            raise RuntimeError(f"{_host(url)} is not an http(s) address")
        body = payload["body"].encode()
        request = urllib.request.Request(shown(url), data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "crmflow-webhook",
            "X-Crmflow-Event": payload.get("event", ""), "X-Crmflow-Delivery": key,
            "X-Crmflow-Signature": signature(secret, body)})
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read(1024)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(_refusal(url, exc)) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = _excerpt(str(getattr(exc, "reason", exc)))
            raise RuntimeError(f"{_host(url)} could not be reached: {reason}") from None


def _refusal(url: str, answer: urllib.error.HTTPError) -> str:
    """What a delivery's error says of an answer that was not 2xx: its status, and where a redirect pointed."""
    if 300 <= answer.code < 400:
        target = answer.headers.get("Location") if answer.headers else None
        return (f"{_host(url)} answered {answer.code}, a redirect to {_host(target)}; redirects are not "
                "followed: register the address that answers 2xx")
    return f"{_host(url)} answered {answer.code}"


def check_webhook(url: Any, events: Any, secret: Any, known_events: Iterable[str]) -> list[FieldError]:
    """What is wrong with a webhook's settings, each naming its field."""
    errors = []
    parts = urlsplit(url) if isinstance(url, str) else None
    try:
        host = parts.hostname if parts is not None else None
    except ValueError:
        host = None
    if parts is None or parts.scheme not in ("http", "https") or not host or len(url) > 2000:
        errors.append(FieldError("url", "must be an http:// or https:// URL with a host (at most 2,000 characters)"))
    elif any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        errors.append(FieldError("url", "must not contain spaces or control characters (write %20 for a space)"))
    elif "@" in parts.netloc:
        errors.append(FieldError("url", "must not carry a user name or password: receivers check the signature "
                                 "(X-Crmflow-Signature) made with the secret instead"))
    known = set(known_events)
    if not isinstance(events, list) or not events or len(events) > MAX_EVENTS:
        errors.append(FieldError("events", f"must list 1 to {MAX_EVENTS} history event types"))
    else:
        unknown = [str(e)[:40] for e in events if e not in known]
        if unknown:
            errors.append(FieldError("events", f"unknown event types {unknown}; known: {', '.join(sorted(known))}"))
    if not isinstance(secret, str) or not 16 <= len(secret) <= 256:
        errors.append(FieldError("secret", "must be 16 to 256 characters (the receiver checks signatures with it)"))
    return errors


def register(uow: UnitOfWork, url: str, events: list[str], secret: str) -> Webhook:
    """Subscribe a URL to history events (the engine's and the pack's). :raises InvalidData:"""
    errors = check_webhook(url, events, secret, EVENT_TYPES | uow.context.pack.event_types)
    if errors:
        raise InvalidData(errors)
    hook = Webhook(url=url, events=sorted(set(events)), secret=secret, active=True, created_by=uow.actor,
                   created_at=uow.now)
    uow.session.add(hook)
    uow.session.flush()
    uow.after_commit(uow.context.subscriptions.invalidate)
    return hook


def set_active(uow: UnitOfWork, hook_id: int, active: bool) -> Webhook:
    """Pause or resume a webhook. :raises NotFound:"""
    hook = uow.session.get(Webhook, hook_id)
    if hook is None:
        raise NotFound(f"webhook {hook_id} does not exist")
    hook.active = active
    uow.after_commit(uow.context.subscriptions.invalidate)
    return hook


def redeliver(uow: UnitOfWork, delivery_id: str) -> OutboxMessage:
    """Send a dead (or failing) delivery again, with the same id. :raises NotFound:"""
    row = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == delivery_id,
                                                          OutboxMessage.topic == TOPIC).with_for_update()).one_or_none()
    if row is None:
        raise NotFound(f"webhook delivery '{delivery_id}' does not exist")
    row.attempts, row.next_attempt_at, row.dispatched_at = 0, None, None
    return row
