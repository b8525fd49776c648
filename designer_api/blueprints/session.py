"""Health, the caller's identity, and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..auth import current
from ..http import reply
from ..openapi import document, operation
from ..schemas import Health, Me

bp = Blueprint("session", __name__)


@bp.get("/api/health")
@operation("Liveness", "none (public)", ok=Health, tags=("session",))
def health():
    return jsonify(status="ok")


@bp.get("/api/openapi.json")
@operation("This document", "none (public)", tags=("session",))
def openapi():
    return jsonify(document())


@bp.get("/api/me")
@operation("Who the token belongs to", "any", ok=Me, tags=("session",))
def whoami():
    me = current()
    return reply({"username": me.username, "roles": sorted(me.roles), "groups": me.groups})
