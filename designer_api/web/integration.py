"""The integration page for administrators: webhooks, their delivery log and dead letters (redeliver)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import InvalidData

from ..auth import ADMINS, allowed, current
from ..http import engine

bp = Blueprint("integration_pages", __name__, url_prefix="/admin/integration")


def _render(state: str | None, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
            status: int = 200) -> Any:
    return render_template("integration.html", webhooks=engine().webhooks(), state=state,
                           deliveries=engine().webhook_deliveries(state, limit=100),
                           dead=engine().webhook_deliveries("dead", limit=100),
                           event_types=sorted(engine().event_types), errors=errors or {}, values=values or {}), status


@bp.get("")
@allowed(ADMINS)
def integration_page():
    state = request.args.get("state")
    return _render(state if state in ("pending", "delivered", "dead") else None)


@bp.post("/webhooks")
@allowed(ADMINS)
def register():
    admin = current()
    url, events = request.form.get("url", "").strip(), request.form.getlist("events")
    values = {"url": url, "events": events}
    try:
        engine().register_webhook(url, events, request.form.get("secret", ""), admin.username)
    except InvalidData as refused:
        return _render(None, {f.field: f.message for f in refused.fields}, values, 422)
    flash("Webhook registered")
    return redirect(url_for("integration_pages.integration_page"))


@bp.post("/webhooks/<int(max=2147483647):hook_id>/active")
@allowed(ADMINS)
def toggle(hook_id: int):
    admin = current()
    engine().set_webhook_active(hook_id, request.form.get("active") == "1", admin.username)
    return redirect(url_for("integration_pages.integration_page"))


@bp.post("/deliveries/<delivery_id>/redeliver")
@allowed(ADMINS)
def redeliver(delivery_id: str):
    admin = current()
    engine().redeliver(delivery_id[:64], admin.username)
    flash("Delivery queued again")
    return redirect(url_for("integration_pages.integration_page", state="pending"))
