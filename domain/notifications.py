"""Inbox notifications: a row for the user's inbox and an outbox message, in the command's transaction."""
from __future__ import annotations

from typing import Any

from engine import NotFound, ServiceCall

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


def inbox(session, user: str, unread_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """A user's notifications, newest first."""
    from sqlalchemy import select

    query = select(Notification).where(Notification.username == user)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(min(limit, 500)))
    return [{"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "instance_id": n.instance_id,
             "data": n.data, "created_at": n.created_at, "read_at": n.read_at} for n in rows]


def mark_read(session, user: str, notification_id: int, now) -> None:
    """Mark one of the user's notifications read. :raises NotFound: not theirs or unknown"""
    note = session.get(Notification, notification_id)
    if note is None or note.username != user:
        raise NotFound(f"notification {notification_id} does not exist")
    note.read_at = note.read_at or now
