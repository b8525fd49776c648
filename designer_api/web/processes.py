"""The process catalog, a version's diagram with the time spent per step, and one instance's path."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from engine import InvalidData, reports

from ..auth import require
from ..blueprints.instances import instance_search
from ..catalog import annotated_outline, catalog
from ..diagram import instance_svg, render_svg
from ..http import engine
from ..openapi import field_errors_of
from ..schemas import InstancesQuery
from ..visibility import readable_case
from .formfields import json_field

bp = Blueprint("process_pages", __name__, url_prefix="/processes")
ANYONE = ("staff", "analyst", "manager", "admin")


@bp.get("")
def catalog_page():
    require(*ANYONE)
    return render_template("catalog.html", entries=catalog(engine().versions()))


@bp.get("/<key>/<int(max=2147483647):version>")
def version_page(key: str, version: int):
    require(*ANYONE)
    ref = f"{key}@{version}"
    bpmn, _ = engine().authoring.bpmn(ref)
    with engine().store.read() as session:
        durations = reports.step_durations(session, key)
    return render_template("process.html", key=key, version=version, outline=annotated_outline(engine(), ref),
                           versions=engine().versions(key), durations=durations,
                           diagram=render_svg(bpmn, heat=reports.heat(durations)),
                           instances=engine().instances(process_key=key, limit=20))


@bp.post("/<key>/<int(max=2147483647):version>/<any(activate, deactivate):action>")
def set_active(key: str, version: int, action: str):
    admin = require("admin")
    engine().set_active(key, version, action == "activate", actor=admin.username)
    flash(f"{'Activated' if action == 'activate' else 'Deactivated'}|{key} v{version}")
    return redirect(url_for("process_pages.version_page", key=key, version=version))


@bp.post("/<key>/rollback")
def rollback(key: str):
    admin = require("admin")
    version = engine().authoring.rollback(key, admin.username)
    flash(f"Rolled back; new cases start on|{key} v{version.version}")
    return redirect(url_for("process_pages.version_page", key=key, version=version.version))


@bp.route("/<key>/migration", methods=["GET", "POST"])
def migration(key: str):
    """Plan a migration (verdict per running case), map the steps that changed, then execute it."""
    admin = require("admin")
    versions = engine().versions(key)
    source = request.values.get("from_version", type=int)
    target = request.values.get("to_version", type=int)
    mapping = {name.removeprefix("map."): value for name, value in request.form.items()
               if name.startswith("map.") and value}
    plan = outcome = None
    if source and target:
        authoring = engine().authoring
        if request.method == "POST" and request.form.get("execute"):
            outcome = authoring.migrate(key, source, target, admin.username, mapping)
        else:
            plan = authoring.plan_migration(key, source, target, mapping)
    targets = engine().authoring.outline(f"{key}@{target}")["steps"] if target else {}
    return render_template("migration.html", key=key, versions=versions, source=source, target=target, plan=plan,
                           outcome=outcome, mapping=mapping, target_steps=targets,
                           to_map=sorted({step for row in plan or [] if row["verdict"] == "refused"
                                          for step in row["waits_at"]} | set(mapping)))


@bp.get("/instances")
def instances_page():
    require("admin", "manager")
    try:
        try:
            query = InstancesQuery.model_validate({k: v for k, v in request.args.items() if v.strip()})
        except ValidationError as invalid:
            raise InvalidData(field_errors_of(invalid)) from None
        found, total = engine().search_instances(instance_search(query), query.page, query.per_page)
    except InvalidData as refused:
        return render_template("instances.html", instances=[], total=0, query=None, args=request.args,
                               error="; ".join(f"{f.field}: {f.message}" for f in refused.fields)), 422
    return render_template("instances.html", instances=found, total=total, query=query, args=request.args,
                           pages=max(1, -(-total // query.per_page)), error=None)


@bp.get("/instances/<instance_id>")
def instance_page(instance_id: str):
    instance = readable_case(engine(), require("staff", "manager", "admin"), instance_id)
    return render_template("instance.html", instance=instance, history=engine().history(instance_id),
                           tasks=engine().tasks(instance_id=instance_id, state=None),
                           diagram=instance_svg(engine(), instance))


@bp.post("/instances/<instance_id>/comments")
def comment(instance_id: str):
    me = require("staff", "manager", "admin")
    readable_case(engine(), me, instance_id)
    engine().comment(instance_id, request.form.get("text", ""), me.username)
    flash("Comment added")
    back = request.form.get("next", "")
    local = back.startswith("/") and not back.startswith(("//", "/\\"))
    return redirect(back if local else url_for("process_pages.instance_page", instance_id=instance_id))


@bp.post("/instances/<instance_id>/<any(suspend, resume, terminate, retry):action>")
def case_action(instance_id: str, action: str):
    admin = require("admin").username
    if action == "suspend":
        engine().suspend(instance_id, admin)
    elif action == "resume":
        engine().resume(instance_id, admin)
    elif action == "terminate":
        engine().terminate(instance_id, admin, request.form.get("reason", "").strip() or None)
    else:
        engine().retry(instance_id, json_field("data"), admin)
    flash({"suspend": "Case suspended", "resume": "Case resumed", "terminate": "Case terminated",
           "retry": "Case retried"}[action])
    return redirect(url_for("process_pages.instance_page", instance_id=instance_id))
