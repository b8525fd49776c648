"""Process catalog, versions, copies, starts and migrations: /api/processes."""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..auth import require
from ..catalog import annotated_outline, catalog
from ..http import engine, json_body, optional_int, optional_text, reply, required_int, xml_body

bp = Blueprint("processes", __name__, url_prefix="/api/processes")
ANYONE = ("staff", "analyst", "admin")


@bp.get("")
def list_processes():
    require(*ANYONE)
    return reply(catalog(engine().versions()))


@bp.post("")
def deploy_xml():
    admin = require("admin")
    return reply(engine().deploy(xml_body(), request.args.get("process_key"), author=admin.username), 201)


@bp.get("/<key>/start-form")
def start_form(key: str):
    require("staff", "admin")
    form_key = engine().start_form(key)
    return reply({"process_key": key, "form_key": form_key,
                  "schema": engine().pack.forms.get(form_key) if form_key else None})


@bp.get("/<key>/versions")
def versions(key: str):
    require(*ANYONE)
    return reply(engine().versions(key))


@bp.get("/<key>/versions/<int(max=2147483647):version>/bpmn")
def version_bpmn(key: str, version: int):
    require(*ANYONE)
    bpmn, _ = engine().authoring.bpmn(f"{key}@{version}")
    return Response(bpmn, mimetype="application/xml")


@bp.get("/<key>/versions/<int(max=2147483647):version>/outline")
def version_outline(key: str, version: int):
    require(*ANYONE)
    return reply(annotated_outline(engine(), f"{key}@{version}"))


@bp.post("/<key>/versions/<int(max=2147483647):version>/activate")
def activate(key: str, version: int):
    admin = require("admin")
    return reply(engine().set_active(key, version, True, actor=admin.username))


@bp.post("/<key>/versions/<int(max=2147483647):version>/deactivate")
def deactivate(key: str, version: int):
    admin = require("admin")
    return reply(engine().set_active(key, version, False, actor=admin.username))


@bp.post("/<key>/rollback")
def rollback(key: str):
    admin = require("admin")
    return reply(engine().authoring.rollback(key, admin.username))


@bp.post("/<key>/copy")
def copy(key: str):
    analyst = require("analyst")
    body = json_body()
    version = optional_int(body.get("version"), "version")
    source = f"{key}@{version}" if version else key
    draft = engine().authoring.copy(source, body.get("new_key"), body.get("name"), author=analyst.username)
    return reply(draft, 201)


@bp.post("/<key>/instances")
def start(key: str):
    staff = require("staff", "admin")
    body = json_body(required=False)
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is not None:
        idempotency_key = optional_text({"Idempotency-Key": idempotency_key}, "Idempotency-Key")
    instance = engine().start(key, body.get("data"), optional_text(body, "business_key"), staff.username,
                              optional_int(body.get("version"), "version"), idempotency_key)
    return reply(instance, 201)


@bp.post("/<key>/migrations/plan")
def migration_plan(key: str):
    require("admin")
    body = json_body()
    plan = engine().authoring.plan_migration(key, required_int(body, "from_version"), required_int(body, "to_version"))
    return reply({"instances": plan})


@bp.post("/<key>/migrations")
def migrate(key: str):
    admin = require("admin")
    body = json_body()
    outcome = engine().authoring.migrate(key, required_int(body, "from_version"), required_int(body, "to_version"),
                                         admin.username)
    return reply({"instances": outcome})
