"""Inbox notifications: a row for the user's inbox and an outbox message, in the command's transaction."""
from __future__ import annotations

from typing import Any

from engine import ServiceCall

from .records import Notification


def notify(call: ServiceCall, user: str, title: str, body: str | None = None, kind: str = "info",
           data: dict[str, Any] | None = None) -> Notification:
    """Put a message in `user`'s inbox and queue its delivery (mail etc.) after commit."""
    note = Notification(username=user, kind=kind, title=title, body=body, instance_id=call.instance_id,
                        data=data, created_at=call.now)
    call.session.add(note)
    call.session.flush()
    call.send("notification", f"notification:{note.id}", user=user, kind=kind, title=title, body=body,
              instance_id=call.instance_id)
    return note
