"""The inbox page: control-point alerts, reminders and escalations for the signed-in user."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from domain.notifications import inbox

from ..auth import ANYONE, allowed, current
from ..http import engine
from ..uses.inbox import mark_notification_read

bp = Blueprint("inbox_pages", __name__, url_prefix="/inbox")


@bp.get("")
@allowed(ANYONE)
def inbox_page():
    me = current()
    with engine().store.read() as session:
        return render_template("inbox.html", messages=inbox(session, me.username))


@bp.post("/<int(max=2147483647):notification_id>/read")
@allowed(ANYONE)
def read(notification_id: int):
    me = current()
    engine().execute(mark_notification_read, notification_id, actor=me.username)
    return redirect(url_for("inbox_pages.inbox_page"))
