"""Health, the caller's identity, and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..auth import current
from ..http import reply
from ..openapi import document

bp = Blueprint("session", __name__)


@bp.get("/api/health")
def health():
    return jsonify(status="ok")


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/api/me")
def whoami():
    me = current()
    return reply({"username": me.username, "roles": sorted(me.roles), "groups": me.groups})
