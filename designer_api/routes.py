"""Temporary home of the first routes; issue 5 splits them into one blueprint per resource."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify

api = Blueprint("api", __name__)


def engine():
    return current_app.extensions["crmflow.engine"]


@api.get("/api/health")
def health():
    return jsonify(status="ok")


@api.get("/api/processes")
def processes():
    return jsonify(versions=[asdict(v) for v in engine().versions()])
