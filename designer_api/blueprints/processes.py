"""Process catalog, versions, copies, starts and migrations: /api/processes."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from ..auth import require
from ..catalog import annotated_outline, catalog
from ..http import engine, optional_text, reply, xml_body
from ..openapi import operation
from ..reporting import comparison_csv, moments
from ..schemas import (
    Catalog,
    CompareQuery,
    Comparison,
    CopyIn,
    DeployQuery,
    DraftOut,
    FinishPilotIn,
    InstanceOut,
    Migration,
    MigrationIn,
    Outline,
    PilotFinished,
    PilotIn,
    PilotOut,
    Pilots,
    StartForm,
    StartIn,
    VersionOut,
    Versions,
    context_of,
)

bp = Blueprint("processes", __name__, url_prefix="/api/processes")
ANYONE = ("staff", "analyst", "admin")
TAGS = ("processes",)


@bp.get("")
@operation("Catalog: process keys, versions, active version, lineage", "staff, analyst, admin", ok=Catalog, tags=TAGS)
def list_processes():
    require(*ANYONE)
    return reply(catalog(engine().versions()))


@bp.post("")
@operation("Deploy BPMN XML (the request body, application/xml) as a new version", "admin", query=DeployQuery,
           ok=VersionOut, status=201, tags=TAGS)
def deploy_xml():
    admin = require("admin")
    return reply(engine().deploy(xml_body(), context_of("query").process_key, author=admin.username), 201)


@bp.get("/<key>/start-form")
@operation("The form a case is started with: its JSON Schema with English and Chinese labels "
           "(null: the process takes any data)", "staff, admin", ok=StartForm, tags=TAGS)
def start_form(key: str):
    require("staff", "admin")
    form_key = engine().start_form(key)
    return reply({"process_key": key, "form_key": form_key,
                  "schema": engine().form_schema(form_key)})


@bp.get("/<key>/versions")
@operation("Versions of a process", "staff, analyst, admin", ok=Versions, tags=TAGS)
def versions(key: str):
    require(*ANYONE)
    return reply(engine().versions(key))


@bp.get("/<key>/versions/<int(max=2147483647):version>/dictionary")
@operation("A version's data dictionary: at each element, the names a case holds there and their types",
           "staff, analyst, admin", tags=TAGS)
def version_dictionary(key: str, version: int):
    require(*ANYONE)
    return reply(engine().dictionary(key, version))


@bp.get("/<key>/versions/<int(max=2147483647):version>/bpmn")
@operation("A version's BPMN XML (application/xml)", "staff, analyst, admin", tags=TAGS)
def version_bpmn(key: str, version: int):
    require(*ANYONE)
    bpmn, _ = engine().authoring.bpmn(f"{key}@{version}")
    return Response(bpmn, mimetype="application/xml")


@bp.get("/<key>/versions/<int(max=2147483647):version>/outline")
@operation("Business outline: steps, lanes, conditions, forms, timers, control points", "staff, analyst, admin",
           ok=Outline, tags=TAGS)
def version_outline(key: str, version: int):
    require(*ANYONE)
    return reply(annotated_outline(engine(), f"{key}@{version}"))


@bp.post("/<key>/versions/<int(max=2147483647):version>/activate")
@operation("Let new starts use this version", "admin", ok=VersionOut, tags=TAGS)
def activate(key: str, version: int):
    admin = require("admin")
    return reply(engine().set_active(key, version, True, actor=admin.username))


@bp.post("/<key>/versions/<int(max=2147483647):version>/deactivate")
@operation("Stop new starts on this version", "admin", ok=VersionOut, tags=TAGS)
def deactivate(key: str, version: int):
    admin = require("admin")
    return reply(engine().set_active(key, version, False, actor=admin.username))


@bp.post("/<key>/rollback")
@operation("Deactivate the newest active version; new starts use the one before", "admin", ok=VersionOut, tags=TAGS)
def rollback(key: str):
    admin = require("admin")
    return reply(engine().authoring.rollback(key, admin.username))


@bp.post("/<key>/copy")
@operation("Copy a version into a draft: without new_key, of this process's next version; with one, of a new "
           "process (the draft reserves the key)", "analyst", json=CopyIn, ok=DraftOut, status=201, tags=TAGS)
def copy(key: str):
    analyst = require("analyst")
    body: CopyIn = context_of("json")
    source = f"{key}@{body.version}" if body.version else key
    return reply(engine().authoring.copy(source, body.new_key, body.name, author=analyst.username), 201)


@bp.post("/<key>/instances")
@operation("Start a case (data checked against the start form; header Idempotency-Key repeats safely)",
           "staff, admin", json=StartIn, ok=InstanceOut, status=201, tags=TAGS)
def start(key: str):
    staff = require("staff", "admin")
    body: StartIn = context_of("json")
    idempotency_key = optional_text(request.headers.get("Idempotency-Key"), "Idempotency-Key")
    return reply(engine().start(key, body.data, body.business_key, staff.username, body.version, idempotency_key),
                 201)


@bp.post("/<key>/migrations/plan")
@operation("Dry run: a verdict and reason per running case (mapping: old step -> new step)", "admin",
           json=MigrationIn, ok=Migration, tags=TAGS)
def migration_plan(key: str):
    require("admin")
    body: MigrationIn = context_of("json")
    return reply({"instances": engine().authoring.plan_migration(key, body.from_version, body.to_version,
                                                                 body.mapping)})


@bp.post("/<key>/migrations")
@operation("Migrate the running cases the plan allows, each in its own transaction", "admin", json=MigrationIn,
           ok=Migration, tags=TAGS)
def migrate(key: str):
    admin = require("admin")
    body: MigrationIn = context_of("json")
    return reply({"instances": engine().authoring.migrate(key, body.from_version, body.to_version, admin.username,
                                                          body.mapping)})


# -- pilots: a version in some regions or groups first, compared with the current one, then rolled out ----------
@bp.get("/<key>/pilots")
@operation("Every pilot of a process, newest first (running ones have no ended_at)", "staff, analyst, admin",
           ok=Pilots, tags=TAGS)
def pilots(key: str):
    require(*ANYONE)
    return reply(engine().authoring.pilots(key))


@bp.post("/<key>/versions/<int(max=2147483647):version>/pilot")
@operation("Pilot a deployed version for some regions or groups (409: one of them already has a pilot)", "admin",
           json=PilotIn, ok=PilotOut, status=201, tags=TAGS)
def pilot(key: str, version: int):
    admin = require("admin")
    return reply(engine().authoring.pilot(key, version, context_of("json").model_dump(), admin.username), 201)


@bp.post("/<key>/pilot/<any(rollout, end):action>")
@operation("Roll the running pilot out (its version current for everyone; the answer holds the migration dry run) "
           "or end it (new cases start on the current version again)", "admin", json=FinishPilotIn,
           ok=PilotFinished, tags=TAGS)
def finish_pilot(key: str, action: str):
    admin = require("admin")
    version = context_of("json").version
    finish = engine().authoring.roll_out if action == "rollout" else engine().authoring.end_pilot
    return reply(finish(key, admin.username, version))


@bp.get("/<key>/compare")
@operation("Two versions side by side over the cases each started in the period (CSV with format=csv)",
           "manager, analyst, admin", query=CompareQuery, ok=Comparison, tags=TAGS)
def compare(key: str):
    require("manager", "analyst", "admin")
    query = context_of("query")
    since, until = moments(query.since, query.until)
    result = engine().authoring.compare(key, query.a, query.b, since, until)
    if query.format == "csv":  # sent as is: the response model describes the JSON form
        abort(comparison_csv(result, query.lang))
    return reply(result)
