"""Drafts: adapt a copy, validate, diff, simulate, deploy: /api/drafts."""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..auth import AUTHORS, require
from ..catalog import annotated_outline
from ..http import engine, json_body, optional_int, reply, xml_body

bp = Blueprint("drafts", __name__, url_prefix="/api/drafts")


@bp.get("")
def list_drafts():
    require(*AUTHORS)
    return reply(engine().authoring.drafts(request.args.get("process_key")))


@bp.get("/<draft_id>")
def get_draft(draft_id: str):
    require(*AUTHORS)
    return reply(engine().authoring.draft(draft_id))


@bp.get("/<draft_id>/bpmn")
def draft_bpmn(draft_id: str):
    require(*AUTHORS)
    bpmn, _ = engine().authoring.bpmn(f"draft:{draft_id}")
    return Response(bpmn, mimetype="application/xml")


@bp.put("/<draft_id>/bpmn")
def upload(draft_id: str):
    analyst = require("analyst")
    revision = request.headers.get("If-Match")
    expected = int(revision) if revision and revision.isdigit() else None
    return reply(engine().authoring.upload(draft_id, xml_body(), analyst.username, expected))


@bp.post("/<draft_id>/operations")
def edit(draft_id: str):
    analyst = require("analyst")
    body = json_body()
    return reply(engine().authoring.edit(draft_id, body.get("operations"), analyst.username,
                                         optional_int(body.get("revision"), "revision")))


@bp.get("/<draft_id>/outline")
def outline(draft_id: str):
    require(*AUTHORS)
    return reply(annotated_outline(engine(), f"draft:{draft_id}"))


@bp.get("/<draft_id>/validation")
def validate(draft_id: str):
    require(*AUTHORS)
    return reply(engine().authoring.validate(f"draft:{draft_id}"))


@bp.get("/<draft_id>/diff")
def diff(draft_id: str):
    require(*AUTHORS)
    authoring, against = engine().authoring, request.args.get("against", "source")
    old = authoring.source_of(draft_id) if against == "source" else against
    return reply(authoring.diff(old, f"draft:{draft_id}"))


@bp.post("/<draft_id>/simulation")
def simulate(draft_id: str):
    require(*AUTHORS)
    body = json_body(required=False)
    return reply(engine().authoring.simulate(f"draft:{draft_id}", body.get("data"), body.get("answers")))


@bp.post("/<draft_id>/deploy")
def deploy(draft_id: str):
    admin = require("admin")
    return reply(engine().authoring.deploy(draft_id, admin.username), 201)
