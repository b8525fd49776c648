"""Notifications (alerts, reminders, escalations) and history by business key."""
from __future__ import annotations

from flask import Blueprint

from domain.notifications import inbox
from engine import NotFound, Text

from ..auth import ANYONE, CASE_READERS, current
from ..http import engine, reply
from ..openapi import operation
from ..uses.cases import HistoryQuery, readable_history
from ..uses.common import Events, context_of
from ..uses.inbox import Notifications, Read, UnreadQuery, mark_notification_read

bp = Blueprint("inbox", __name__, url_prefix="/api")


@bp.get("/notifications")
@operation("My inbox: alerts, reminders, escalations", ANYONE, query=UnreadQuery, ok=Notifications,
           tags=("inbox",))
def notifications():
    me = current()
    with engine().store.read() as session:
        return reply(inbox(session, me.username, context_of("query").unread in ("1", "true")))


@bp.post("/notifications/<int(max=2147483647):notification_id>/read")
@operation("Mark a notification read", ANYONE, ok=Read, tags=("inbox",))
def read(notification_id: int):
    me = current()
    engine().execute(mark_notification_read, notification_id, actor=me.username)
    return reply({"id": notification_id, "read": True})


@bp.get("/history")
@operation("History of the cases with a business key that the caller may read", CASE_READERS,
           query=HistoryQuery, ok=Events, tags=("instances",))
def history():
    me = current()
    business_key = context_of("query").business_key
    if not business_key:
        raise NotFound(Text("give ?business_key=... (per case: /api/instances/ID/history)"))
    return reply(readable_history(engine(), me, business_key))
