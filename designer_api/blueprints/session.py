"""Health, the caller's identity, and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..auth import SIGNED_IN, current
from ..http import reply
from ..openapi import document, operation
from ..uses.session import Health, Me

bp = Blueprint("session", __name__)


@bp.get("/api/health")
@operation("Liveness", None, ok=Health, tags=("session",))
def health():
    return jsonify(status="ok")


@bp.get("/api/openapi.json")
@operation("This document", None, tags=("session",))
def openapi():
    return jsonify(document())


@bp.get("/api/me")
@operation("Who the token belongs to", SIGNED_IN, ok=Me, tags=("session",))
def whoami():
    me = current()
    return reply({"username": me.username, "roles": sorted(me.roles), "groups": me.groups})
