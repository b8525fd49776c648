"""Drafts: adapt a copy, validate, diff, simulate, deploy: /api/drafts."""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..auth import ADMINS, ANALYSTS, AUTHORS, current
from ..http import engine, reply, xml_body
from ..i18n import pick_language, translate
from ..openapi import operation
from ..uses.common import DraftOut, Drafts, Open, VersionOut, context_of
from ..uses.drafts import (
    DeployIn,
    Diff,
    DiffQuery,
    DraftsQuery,
    OperationsIn,
    Rebased,
    RebaseIn,
    Replay,
    ReplayIn,
    Simulation,
    SimulationIn,
    ThreeWay,
    Validation,
)
from ..uses.processes import Outline, PilotIn, annotated_outline

bp = Blueprint("drafts", __name__, url_prefix="/api/drafts")
TAGS = ("drafts",)


@bp.get("")
@operation("Drafts, newest first", AUTHORS, query=DraftsQuery, ok=Drafts, tags=TAGS)
def list_drafts():
    return reply(engine().authoring.drafts(context_of("query").process_key))


@bp.get("/<draft_id>")
@operation("A draft", AUTHORS, ok=DraftOut, tags=TAGS)
def get_draft(draft_id: str):
    return reply(engine().authoring.draft(draft_id))


@bp.get("/<draft_id>/bpmn")
@operation("A draft's BPMN XML (application/xml)", AUTHORS, tags=TAGS)
def draft_bpmn(draft_id: str):
    bpmn, _ = engine().authoring.bpmn(f"draft:{draft_id}")
    return Response(bpmn, mimetype="application/xml")


@bp.put("/<draft_id>/bpmn")
@operation("Replace a draft with XML from a modeler (the request body; header If-Match: its revision)", ANALYSTS,
           ok=DraftOut, tags=TAGS, xml=True)
def upload(draft_id: str):
    analyst = current()
    revision = request.headers.get("If-Match")
    expected = int(revision) if revision and revision.isdigit() and len(revision) < 10 else None
    return reply(engine().authoring.upload(draft_id, xml_body(), analyst.username, expected))


@bp.get("/<draft_id>/decisions/<decision_id>")
@operation("One of a draft's decision tables, as a DMN document (application/xml)", AUTHORS, tags=TAGS)
def draft_decision(draft_id: str, decision_id: str):
    return Response(engine().authoring.decision(f"draft:{draft_id}", decision_id), mimetype="application/xml")


@bp.put("/<draft_id>/decisions/<decision_id>")
@operation("Replace (or add) one of a draft's decision tables with a DMN document from a table editor (the request "
           "body; header If-Match: the draft's revision)", ANALYSTS, ok=DraftOut, tags=TAGS, xml=True)
def put_decision(draft_id: str, decision_id: str):
    analyst = current()
    revision = request.headers.get("If-Match")
    expected = int(revision) if revision and revision.isdigit() and len(revision) < 10 else None
    return reply(engine().authoring.put_decision(draft_id, decision_id, xml_body(), analyst.username, expected))


@bp.post("/<draft_id>/operations")
@operation("Apply structured edit operations, all or none", ANALYSTS, json=OperationsIn, ok=DraftOut, tags=TAGS)
def edit(draft_id: str):
    analyst = current()
    body: OperationsIn = context_of("json")
    return reply(engine().authoring.edit(draft_id, body.operations, analyst.username, body.revision))


@bp.get("/<draft_id>/outline")
@operation("Business outline of a draft", AUTHORS, ok=Outline, tags=TAGS)
def outline(draft_id: str):
    return reply(annotated_outline(engine(), f"draft:{draft_id}"))


@bp.get("/<draft_id>/validation")
@operation("Lint: errors and warnings, each naming its element", AUTHORS, ok=Validation, tags=TAGS)
def validate(draft_id: str):
    report = engine().authoring.validate(f"draft:{draft_id}")
    lang = pick_language(None, request.headers.get("Accept-Language"))  # the findings in the reader's words
    return reply({**report, **{kind: [{**p, "message": translate(p["message"], lang)} for p in report[kind]]
                               for kind in ("errors", "warnings")}})


@bp.get("/<draft_id>/diff")
@operation("Business diff against its source (default) or another model", AUTHORS, query=DiffQuery, ok=Diff, tags=TAGS)
def diff(draft_id: str):
    authoring, against = engine().authoring, context_of("query").against or "source"
    old = authoring.source_of(draft_id) if against == "source" else against
    return reply(authoring.diff(old, f"draft:{draft_id}"))


@bp.post("/<draft_id>/simulation")
@operation("Simulate with sample data and answers; nothing is kept", AUTHORS, json=SimulationIn, ok=Simulation,
           tags=TAGS)
def simulate(draft_id: str):
    body: SimulationIn = context_of("json")
    return reply(engine().authoring.simulate(f"draft:{draft_id}", body.data, body.answers))


@bp.post("/<draft_id>/replay")
@operation("Replay the recorded cases of the draft's process started in the period through the draft, in memory, "
           "and compare: the same, changed (first difference, steps added and skipped, control points) or not "
           "replayable (why); nothing is written", AUTHORS, json=ReplayIn, ok=Replay, tags=TAGS)
def replay(draft_id: str):
    body: ReplayIn = context_of("json")
    return reply(engine().authoring.replay(draft_id, body.since, body.until, body.limit))


@bp.get("/<draft_id>/three-way")
@operation("A next-version draft against its base and its key's newest version: their changes, ours, and both",
           AUTHORS, ok=ThreeWay, tags=TAGS)
def three_way(draft_id: str):
    return reply(engine().authoring.three_way(draft_id))


@bp.post("/<draft_id>/rebase")
@operation("Base a next-version draft on its key's newest version (its model is kept; the answer says what the "
           "newest version changed that the draft does not have)", ANALYSTS, json=RebaseIn, ok=Rebased, tags=TAGS)
def rebase(draft_id: str):
    analyst = current()
    body: RebaseIn = context_of("json")
    return reply(engine().authoring.rebase(draft_id, analyst.username, body.revision))


@bp.post("/<draft_id>/deploy")
@operation("Deploy a draft as a new version (409 stale_base with the three-way diff when another version of the "
           "key was deployed after the draft's base); with a pilot, for those regions or groups only", ADMINS,
           json=DeployIn, ok=VersionOut, status=201, tags=TAGS)
def deploy(draft_id: str):
    admin = current()
    pilot = context_of("json").pilot
    return reply(engine().authoring.deploy(draft_id, admin.username, pilot.model_dump() if pilot else None), 201)


@bp.put("/<draft_id>/pilot")
@operation("Propose the pilot this draft should be deployed as (an administrator decides)", AUTHORS, json=PilotIn,
           ok=Open, tags=TAGS)
def propose_pilot(draft_id: str):
    analyst = current()
    return reply(engine().authoring.propose_pilot(draft_id, context_of("json").model_dump(), analyst.username))
