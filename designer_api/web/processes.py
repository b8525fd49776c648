"""The process catalog, a version's diagram with the time spent per step, and one instance's path."""
from __future__ import annotations

from flask import Blueprint, render_template

from engine import reports

from ..auth import require
from ..catalog import annotated_outline, catalog
from ..diagram import instance_svg, render_svg
from ..http import engine
from ..visibility import readable_case

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


@bp.get("/instances/<instance_id>")
def instance_page(instance_id: str):
    instance = readable_case(engine(), require("staff", "manager", "admin"), instance_id)
    return render_template("instance.html", instance=instance, history=engine().history(instance_id),
                           tasks=engine().tasks(instance_id=instance_id, state=None),
                           diagram=instance_svg(engine(), instance))
