"""Notifications (alerts, reminders, escalations) and history by business key."""
from __future__ import annotations

from flask import Blueprint, request

from domain.notifications import inbox, mark_read
from engine import NotFound

from ..auth import require
from ..http import engine, reply
from ..visibility import readable_history

bp = Blueprint("inbox", __name__, url_prefix="/api")


@bp.get("/notifications")
def notifications():
    me = require("staff", "analyst", "admin")
    with engine().store.read() as session:
        return reply(inbox(session, me.username, request.args.get("unread") in ("1", "true")))


@bp.post("/notifications/<int(max=2147483647):notification_id>/read")
def read(notification_id: int):
    me = require("staff", "analyst", "admin")
    engine().execute(lambda uow: mark_read(uow.session, me.username, notification_id, uow.now), actor=me.username)
    return reply({"id": notification_id, "read": True})


@bp.get("/history")
def history():
    me = require("staff", "manager", "admin")
    business_key = request.args.get("business_key")
    if not business_key:
        raise NotFound("give ?business_key=... (per instance: /api/instances/ID/history)")
    return reply(readable_history(engine(), me, business_key))
