"""Process catalog, versions, copies, starts and migrations: /api/processes."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from ..auth import ADMINS, ANALYSTS, ANYONE, REPORT_READERS, WORKERS, current
from ..http import engine, optional_text, reply, xml_body
from ..openapi import operation
from ..uses.common import DraftOut, InstanceOut, VersionOut, Versions, context_of
from ..uses.processes import (
    Catalog,
    CompareQuery,
    Comparison,
    CopyIn,
    DeployQuery,
    FinishPilotIn,
    Migration,
    MigrationIn,
    Outline,
    PilotFinished,
    PilotIn,
    PilotOut,
    Pilots,
    StartForm,
    StartIn,
    annotated_outline,
    catalog,
)
from ..uses.reports import comparison_csv, moments

bp = Blueprint("processes", __name__, url_prefix="/api/processes")
TAGS = ("processes",)


@bp.get("")
@operation("Catalog: process keys, versions, active version, lineage", ANYONE, ok=Catalog, tags=TAGS)
def list_processes():
    return reply(catalog(engine().versions()))


@bp.post("")
@operation("Deploy BPMN XML (the request body, application/xml) as a new version", ADMINS, query=DeployQuery,
           ok=VersionOut, status=201, tags=TAGS, xml=True)
def deploy_xml():
    admin = current()
    return reply(engine().deploy(xml_body(), context_of("query").process_key, author=admin.username), 201)


@bp.get("/<key>/start-form")
@operation("The form a case is started with: its JSON Schema with English and Chinese labels "
           "(null: the process takes any data)", WORKERS, ok=StartForm, tags=TAGS)
def start_form(key: str):
    form_key = engine().start_form(key)
    return reply({"process_key": key, "form_key": form_key,
                  "schema": engine().form_schema(form_key)})


@bp.get("/<key>/versions")
@operation("Versions of a process", ANYONE, ok=Versions, tags=TAGS)
def versions(key: str):
    return reply(engine().versions(key))


@bp.get("/<key>/versions/<int(max=2147483647):version>/dictionary")
@operation("A version's data dictionary: at each element, the names a case holds there and their types",
           ANYONE, tags=TAGS)
def version_dictionary(key: str, version: int):
    return reply(engine().dictionary(key, version))


@bp.get("/<key>/versions/<int(max=2147483647):version>/bpmn")
@operation("A version's BPMN XML (application/xml)", ANYONE, tags=TAGS)
def version_bpmn(key: str, version: int):
    bpmn, _ = engine().authoring.bpmn(f"{key}@{version}")
    return Response(bpmn, mimetype="application/xml")


@bp.get("/<key>/versions/<int(max=2147483647):version>/decisions/<decision_id>")
@operation("One of a version's decision tables, as the DMN document deployed with it (application/xml)", ANYONE,
           tags=TAGS)
def version_decision(key: str, version: int, decision_id: str):
    return Response(engine().authoring.decision(f"{key}@{version}", decision_id), mimetype="application/xml")


@bp.get("/<key>/versions/<int(max=2147483647):version>/outline")
@operation("Business outline: steps, lanes, conditions, forms, timers, control points", ANYONE,
           ok=Outline, tags=TAGS)
def version_outline(key: str, version: int):
    return reply(annotated_outline(engine(), f"{key}@{version}"))


@bp.post("/<key>/versions/<int(max=2147483647):version>/activate")
@operation("Let new starts use this version", ADMINS, ok=VersionOut, tags=TAGS)
def activate(key: str, version: int):
    admin = current()
    return reply(engine().set_active(key, version, True, actor=admin.username))


@bp.post("/<key>/versions/<int(max=2147483647):version>/deactivate")
@operation("Stop new starts on this version", ADMINS, ok=VersionOut, tags=TAGS)
def deactivate(key: str, version: int):
    admin = current()
    return reply(engine().set_active(key, version, False, actor=admin.username))


@bp.post("/<key>/rollback")
@operation("Deactivate the newest active version; new starts use the one before", ADMINS, ok=VersionOut, tags=TAGS)
def rollback(key: str):
    admin = current()
    return reply(engine().authoring.rollback(key, admin.username))


@bp.post("/<key>/copy")
@operation("Copy a version into a draft: without new_key, of this process's next version; with one, of a new "
           "process (the draft reserves the key)", ANALYSTS, json=CopyIn, ok=DraftOut, status=201, tags=TAGS)
def copy(key: str):
    analyst = current()
    body: CopyIn = context_of("json")
    source = f"{key}@{body.version}" if body.version else key
    return reply(engine().authoring.copy(source, body.new_key, body.name, author=analyst.username), 201)


@bp.post("/<key>/instances")
@operation("Start a case (data checked against the start form; header Idempotency-Key repeats safely)",
           WORKERS, json=StartIn, ok=InstanceOut, status=201, tags=TAGS)
def start(key: str):
    staff = current()
    body: StartIn = context_of("json")
    idempotency_key = optional_text(request.headers.get("Idempotency-Key"), "Idempotency-Key")
    return reply(engine().start(key, body.data, body.business_key, staff.username, body.version, idempotency_key),
                 201)


@bp.post("/<key>/migrations/plan")
@operation("Dry run: a verdict and reason per running case (mapping: old step -> new step)", ADMINS,
           json=MigrationIn, ok=Migration, tags=TAGS)
def migration_plan(key: str):
    body: MigrationIn = context_of("json")
    return reply({"instances": engine().authoring.plan_migration(key, body.from_version, body.to_version,
                                                                 body.mapping)})


@bp.post("/<key>/migrations")
@operation("Migrate the running cases the plan allows, each in its own transaction", ADMINS, json=MigrationIn,
           ok=Migration, tags=TAGS)
def migrate(key: str):
    admin = current()
    body: MigrationIn = context_of("json")
    return reply({"instances": engine().authoring.migrate(key, body.from_version, body.to_version, admin.username,
                                                          body.mapping)})


# -- pilots: a version in some regions or groups first, compared with the current one, then rolled out ----------
@bp.get("/<key>/pilots")
@operation("Every pilot of a process, newest first (running ones have no ended_at)", ANYONE,
           ok=Pilots, tags=TAGS)
def pilots(key: str):
    return reply(engine().authoring.pilots(key))


@bp.post("/<key>/versions/<int(max=2147483647):version>/pilot")
@operation("Pilot a deployed version for some regions or groups (409: one of them already has a pilot)", ADMINS,
           json=PilotIn, ok=PilotOut, status=201, tags=TAGS)
def pilot(key: str, version: int):
    admin = current()
    return reply(engine().authoring.pilot(key, version, context_of("json").model_dump(), admin.username), 201)


@bp.post("/<key>/pilot/<any(rollout, end):action>")
@operation("Roll the running pilot out (its version current for everyone; the answer holds the migration dry run) "
           "or end it (new cases start on the current version again)", ADMINS, json=FinishPilotIn,
           ok=PilotFinished, tags=TAGS)
def finish_pilot(key: str, action: str):
    admin = current()
    version = context_of("json").version
    finish = engine().authoring.roll_out if action == "rollout" else engine().authoring.end_pilot
    return reply(finish(key, admin.username, version))


@bp.get("/<key>/compare")
@operation("Two versions side by side over the cases each started in the period (CSV with format=csv)",
           REPORT_READERS, query=CompareQuery, ok=Comparison, tags=TAGS)
def compare(key: str):
    query = context_of("query")
    since, until = moments(query.since, query.until)
    result = engine().authoring.compare(key, query.a, query.b, since, until)
    if query.format == "csv":  # sent as is: the response model describes the JSON form
        abort(comparison_csv(result, query.lang))
    return reply(result)
