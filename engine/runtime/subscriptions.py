"""Which active webhooks subscribe to which history event types, read at most every few seconds per process."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.tables import Webhook

REFRESH_SECONDS = 2.0


class Subscriptions:
    """event type -> ids of the active webhooks subscribed to it, cached per process."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[int]] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._read_at = float("-inf")

    def of(self, session: Session) -> dict[str, list[int]]:
        if time.monotonic() - self._read_at < REFRESH_SECONDS:
            return self._by_type
        by_type: dict[str, list[int]] = {}
        for hook_id, events in session.execute(select(Webhook.id, Webhook.events).where(Webhook.active.is_(True))):
            for event in events:
                by_type.setdefault(event, []).append(hook_id)
        with self._lock:
            self._by_type, self._read_at = by_type, time.monotonic()
        return by_type
