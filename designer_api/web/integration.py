"""The integration page for administrators: webhooks, their delivery log and dead letters (redeliver)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import InvalidData

from ..auth import require
from ..http import engine

bp = Blueprint("integration_pages", __name__, url_prefix="/admin/integration")


@bp.get("")
def integration_page():
    require("admin")
    state = request.args.get("state") if request.args.get("state") in ("pending", "delivered", "dead") else None
    return render_template("integration.html", webhooks=engine().webhooks(), state=state,
                           deliveries=engine().webhook_deliveries(state, limit=100),
                           dead=engine().webhook_deliveries("dead", limit=100),
                           event_types=sorted(engine().event_types), errors={}, values={})


@bp.post("/webhooks")
def register():
    admin = require("admin")
    url, events = request.form.get("url", "").strip(), request.form.getlist("events")
    values = {"url": url, "events": events}
    try:
        engine().register_webhook(url, events, request.form.get("secret", ""), admin.username)
    except InvalidData as refused:
        return render_template("integration.html", webhooks=engine().webhooks(), state=None,
                               deliveries=engine().webhook_deliveries(None, limit=100),
                               dead=engine().webhook_deliveries("dead", limit=100),
                               event_types=sorted(engine().event_types),
                               errors={f.field: f.message for f in refused.fields}, values=values), 422
    flash("Webhook registered")
    return redirect(url_for("integration_pages.integration_page"))


@bp.post("/webhooks/<int(max=2147483647):hook_id>/active")
def toggle(hook_id: int):
    admin = require("admin")
    engine().set_webhook_active(hook_id, request.form.get("active") == "1", admin.username)
    return redirect(url_for("integration_pages.integration_page"))


@bp.post("/deliveries/<delivery_id>/redeliver")
def redeliver(delivery_id: str):
    admin = require("admin")
    engine().redeliver(delivery_id[:64], admin.username)
    flash("Delivery queued again")
    return redirect(url_for("integration_pages.integration_page", state="pending"))
