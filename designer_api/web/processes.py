"""The process catalog, a version's diagram with the time spent per step, and one instance's path."""
from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from domain import lookup
from domain.reports import PERIOD
from engine import DuplicateCase, FieldError, InvalidData, reports

from ..auth import ADMINS, ANYONE, CASE_READERS, COCKPIT, REPORT_READERS, WORKERS, allowed, current
from ..diagram import instance_svg, render_svg
from ..http import engine
from ..uses.cases import InstancesQuery, control_points_fired, instance_search, readable_case
from ..uses.history import history_lines
from ..uses.processes import CompareQuery, annotated_outline, catalog, check_start
from ..uses.reports import moments
from ..uses.tasks import colleagues
from .context import language, local_path
from .formfields import fields, json_field, query_of, submitted

bp = Blueprint("process_pages", __name__, url_prefix="/processes")


@bp.get("")
@allowed(ANYONE)
def catalog_page():
    return render_template("catalog.html", entries=catalog(engine().versions(), engine().schedules()))


@bp.get("/<key>/<int(max=2147483647):version>")
@allowed(ANYONE)
def version_page(key: str, version: int):
    ref = f"{key}@{version}"
    bpmn, _ = engine().authoring.bpmn(ref)
    with engine().store.read() as session:
        durations = reports.step_durations(session, key, since=engine().clock() - PERIOD)
    versions = engine().versions(key)
    return render_template("process.html", key=key, version=version, outline=annotated_outline(engine(), ref),
                           versions=versions, durations=durations, pilots=engine().authoring.pilots(key),
                           current=catalog(versions)[0]["active_version"],
                           diagram=render_svg(bpmn, heat=reports.heat(durations), labels={
                               s["element_id"]: f"{s['avg_hours']:.1f} h" for s in durations
                               if s["avg_hours"] is not None}, lang=language()),
                           slowest=max((s["avg_hours"] or 0 for s in durations), default=0),
                           instances=engine().instances(process_key=key, limit=20))


@bp.route("/<key>/start", methods=["GET", "POST"])
@allowed(WORKERS)
def start_page(key: str):
    """Start a case from the process's start form; errors are shown next to their fields.

    The form carries a one-time key, so a double click or a resent form starts one case, not two.
    """
    me = current()
    if key in engine().schedules():  # nobody starts it: say so on the catalog, where its schedule is shown
        flash(f"This process starts on its own schedule|{key}")
        return redirect(url_for("process_pages.catalog_page") + f"#{key}")
    schema = engine().form_schema(engine().start_form(key))
    # A link may fill in fields (a notification's "start approval for C-00012"), read as a submission would be (a
    # picker shows the record it names) and checked at once, so a stale one (the customer approved since) says so.
    given = {name: request.args[name][:200] for name in (schema or {}).get("properties", {}) if name in request.args}
    values: dict = {}
    errors: dict[str, str] = {}
    if given and request.method == "GET":  # a sent form is read from what was sent, below
        data, errors = submitted(schema, given)
        values = {**given, **data}
        errors = {f.field: f.message for f in engine().validate_form(engine().start_form(key), data)
                  if f.field in given} | errors
    if request.args.get("business_key"):  # a link's business key: one open case per key keeps a second start out
        values["business_key"] = request.args["business_key"][:128]
    if request.method == "POST":
        data, errors = submitted(schema, request.form)
        business_key = request.form.get("business_key", "").strip() or None
        try:
            if errors:  # nothing runs; the form's own check names the other fields too
                raise InvalidData(engine().validate_form(engine().start_form(key), data))
            check_start(data, business_key)
            case = engine().start(key, data, business_key, me.username,  # without a key: the next number
                                  idempotency_key=request.form.get("once", "")[:64] or None, numbered=True)
        except InvalidData as refused:
            errors = {f.field: f.message for f in refused.fields} | errors
            values = {**data, **request.form}
        except DuplicateCase as taken:
            errors = {"business_key": taken.message}
            values = {**data, **request.form}
        else:
            flash(f"Case started|{case.business_key or case.id[:8]}")
            mine = engine().tasks(instance_id=case.id, assignee=me.username)
            if mine:
                return redirect(url_for("task_pages.task_page", task_id=mine[0].id))
            return redirect(url_for("process_pages.instance_page", instance_id=case.id))
    entry = catalog(engine().versions(key))[0]
    name = (entry["name_zh"] if language() == "zh" else None) or entry["name"]
    return render_template("start.html", key=key, name=name,
                           pilots=[p for p in engine().authoring.pilots(key) if p.ended_at is None],
                           schema=schema, fields=fields(schema, values, errors), errors=errors,
                           values=values, once=uuid.uuid4().hex), 422 if errors and request.method == "POST" else 200


@bp.post("/<key>/<int(max=2147483647):version>/<any(activate, deactivate):action>")
@allowed(ADMINS)
def set_active(key: str, version: int, action: str):
    admin = current()
    engine().set_active(key, version, action == "activate", actor=admin.username)
    flash(f"{'Activated' if action == 'activate' else 'Deactivated'}|{key} v{version}")
    return redirect(url_for("process_pages.version_page", key=key, version=version))


@bp.post("/<key>/pilot/<any(rollout, end):action>")
@allowed(ADMINS)
def finish_pilot(key: str, action: str):
    """Roll the running pilot out, or end it."""
    admin = current()
    if action == "rollout":
        done = engine().authoring.roll_out(key, admin.username)
        flash(f"Pilot rolled out; new cases start on|{key} v{done['current_version']}")
    else:
        done = engine().authoring.end_pilot(key, admin.username)
        flash(f"Pilot ended; new cases start on|{key} v{done['current_version']}")
    return redirect(url_for("process_pages.version_page", key=key, version=done["pilot"].version))


@bp.get("/<key>/compare")
@allowed(REPORT_READERS)
def compare_page(key: str):
    """Two versions side by side over the same period (managers, analysts, administrators)."""
    query = query_of(CompareQuery, request.args)
    since, until = moments(query.since, query.until)
    result = engine().authoring.compare(key, query.a, query.b, since, until)
    return render_template("compare.html", key=key, result=result, args=request.args)


@bp.post("/<key>/rollback")
@allowed(ADMINS)
def rollback(key: str):
    admin = current()
    version = engine().authoring.rollback(key, admin.username)
    flash(f"Rolled back; new cases start on|{key} v{version.version}")
    return redirect(url_for("process_pages.version_page", key=key, version=version.version))


@bp.route("/<key>/migration", methods=["GET", "POST"])
@allowed(ADMINS)
def migration(key: str):
    """Plan a migration (verdict per running case), map the steps that changed, then execute it."""
    admin = current()
    versions = engine().versions(key)
    # By default: from the version before the current one onto the current one (never "v2 → v2")
    newest_active = next((v.version for v in versions if v.active), versions[0].version if versions else None)
    target = request.values.get("to_version", type=int) or newest_active
    source = request.values.get("from_version", type=int) or max(
        (v.version for v in versions if target is not None and v.version < target), default=None)
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
    sources = engine().authoring.outline(f"{key}@{source}")["steps"] if source else {}
    return render_template("migration.html", key=key, versions=versions, source=source, target=target, plan=plan,
                           outcome=outcome, mapping=mapping, target_steps=targets, source_steps=sources,
                           to_map=sorted({step for row in plan or [] if row["verdict"] == "refused"
                                          for step in row["waits_at"]} | set(mapping)))


@bp.get("/instances")
@allowed(COCKPIT)
def instances_page():
    """The cockpit's case search; the customer is found by name (a picker), never typed as an id."""
    params = {k: v for k, v in request.args.items() if k != "customer"}
    try:
        with engine().store.read() as session:
            if request.args.get("customer", "").strip():
                params["customer_id"] = str(_customer(session, request.args["customer"]))
            query = query_of(InstancesQuery, params)
            found, total = engine().search_instances(instance_search(query), query.page, query.per_page)
            names = lookup.customer_names(session, {i.summary["customer_id"] for i in found
                                                    if i.summary and type(i.summary.get("customer_id")) is int})
    except InvalidData as refused:
        return render_template("instances.html", instances=[], total=0, query=None, args=request.args, names={},
                               error="; ".join(f"{f.field}: {f.message}" for f in refused.fields),
                               processes=_waiting_steps()), 422
    return render_template("instances.html", instances=found, total=total, query=query, args=request.args,
                           pages=max(1, -(-total // query.per_page)), error=None, names=names,
                           processes=_waiting_steps())


_WAITS = ("userTask", "manualTask", "task", "receiveTask", "intermediateCatchEvent", "callActivity", "subProcess")


def _waiting_steps() -> list[dict]:
    """Each process with the steps a case can wait at, by name, for the cockpit's filters (never an element id to
    type)."""
    entries = catalog(engine().versions())
    for entry in entries:
        steps = engine().authoring.outline(entry["process_key"])["steps"] if entry["active_version"] else {}
        entry["steps"] = [{"element_id": element, "name": step.get("name") or element, "name_zh": step.get("name_zh")}
                          for element, step in steps.items() if step["type"] in _WAITS]
    return entries


def _customer(session: Session, text: str) -> int:
    try:
        return lookup.resolve(session, "customer", text)
    except lookup.Unresolved as unresolved:
        raise InvalidData([FieldError("customer", unresolved.message)]) from None


@bp.get("/instances/<instance_id>")
@allowed(CASE_READERS)
def instance_page(instance_id: str):
    me = current()
    instance = readable_case(engine(), me, instance_id)
    tasks = engine().tasks(instance_id=instance_id, state=None)
    reassign_to = {t.id: colleagues(engine(), t) if "admin" in me.roles and t.state == "ready" else [] for t in tasks}
    history = engine().history(instance_id)
    version = next((v for v in engine().versions(instance.process_key) if v.version == instance.version), None)
    name = ((version.name_zh if language() == "zh" else None) or version.name) if version else None
    return render_template("instance.html", instance=instance, history=history, tasks=tasks,
                           lines=history_lines(engine(), instance, history, language()),
                           process_name=name or instance.process_key,
                           fired=control_points_fired(engine().pack, history),
                           diagram=instance_svg(engine(), instance, language()), reassign_to=reassign_to)


@bp.post("/instances/<instance_id>/comments")
@allowed(CASE_READERS)
def comment(instance_id: str):
    me = current()
    readable_case(engine(), me, instance_id)
    engine().comment(instance_id, request.form.get("text", ""), me.username)
    flash("Comment added")
    return redirect(local_path(request.form.get("next"))
                    or url_for("process_pages.instance_page", instance_id=instance_id))


@bp.post("/instances/<instance_id>/<any(suspend, resume, terminate, retry):action>")
@allowed(ADMINS)
def case_action(instance_id: str, action: str):
    admin = current().username
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
