"""The systems around crmflow: messages in (/api/messages), webhooks out (/api/webhooks)."""
from __future__ import annotations

from flask import Blueprint

from ..auth import ADMINS, MESSENGERS, current
from ..http import engine, reply
from ..openapi import operation
from ..uses.common import Deliveries, DeliveryOut, WebhookOut, Webhooks, context_of
from ..uses.integration import DeliveriesQuery, MessageIn, MessageOut, WebhookIn, WebhookPatch

bp = Blueprint("integration", __name__, url_prefix="/api")
TAGS = ("integration",)


@bp.post("/messages")
@operation("A message from finance or ERP for the case waiting for it (by business key or correlation); the same "
           "message_id again changes nothing and answers the first result", MESSENGERS, json=MessageIn,
           ok=MessageOut, tags=TAGS)
def message():
    caller = current()
    body = context_of("json")
    return reply(engine().deliver_message(body.name, body.message_id, body.business_key, body.correlation, body.data,
                                          caller.username))


@bp.get("/webhooks")
@operation("Webhooks (their secrets are never shown)", ADMINS, ok=Webhooks, tags=TAGS)
def webhooks():
    return reply(engine().webhooks())


@bp.post("/webhooks")
@operation("Subscribe a URL to history events; deliveries are signed with the secret", ADMINS, json=WebhookIn,
           ok=WebhookOut, status=201, tags=TAGS)
def register():
    admin = current()
    body = context_of("json")
    return reply(engine().register_webhook(body.url, body.events, body.secret, admin.username), 201)


@bp.patch("/webhooks/<int(max=2147483647):hook_id>")
@operation("Pause or resume a webhook", ADMINS, json=WebhookPatch, ok=WebhookOut, tags=TAGS)
def patch(hook_id: int):
    admin = current()
    return reply(engine().set_webhook_active(hook_id, context_of("json").active, admin.username))


@bp.get("/webhooks/deliveries")
@operation("Webhook deliveries, newest first: pending, delivered, or dead letters", ADMINS, query=DeliveriesQuery,
           ok=Deliveries, tags=TAGS)
def deliveries():
    query = context_of("query")
    return reply(engine().webhook_deliveries(query.state, query.limit, query.offset))


@bp.post("/webhooks/deliveries/<delivery_id>/redeliver")
@operation("Send a delivery again, with the same delivery id", ADMINS, ok=DeliveryOut, tags=TAGS)
def redeliver(delivery_id: str):
    admin = current()
    return reply(engine().redeliver(delivery_id[:64], admin.username))
