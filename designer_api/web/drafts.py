"""The draft editor: copy a process, apply edit operations through forms, validate, diff, simulate, deploy."""
from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import FieldError, InvalidData

from ..auth import require
from ..catalog import catalog
from ..diagram import render_svg
from ..http import engine
from .formfields import parse_number

bp = Blueprint("draft_pages", __name__, url_prefix="/drafts")
AUTHORS = ("analyst", "admin")

# The inputs each operation reads from the editor's form (see engine/editing.py for their meaning).
OPERATION_FIELDS: dict[str, tuple[str, ...]] = {
    "insert_task": ("element_id", "position", "name", "lane", "form_key", "candidate_group"),
    "remove_step": ("element_id",), "set_condition": ("flow_id", "condition"), "set_parameter": ("name", "value"),
    "set_lane": ("element_id", "lane"), "set_assignment": ("element_id", "candidate_group", "assignee"),
    "set_form": ("element_id", "form_key"), "rename": ("element_id", "name"),
    "set_timer": ("element_id", "duration", "target", "name"),
}
OPERATION_TITLES = {"insert_task": "Insert a step", "remove_step": "Remove a step", "set_condition": "Change a condition",
                    "set_parameter": "Change a threshold", "set_lane": "Change the lane",
                    "set_assignment": "Change who does it", "set_form": "Change the form", "rename": "Rename",
                    "set_timer": "Set a timer"}


@bp.get("")
def draft_list():
    require(*AUTHORS)
    return render_template("drafts.html", drafts=engine().authoring.drafts(), entries=catalog(engine().versions()))


@bp.post("")
def copy():
    analyst = require("analyst")
    form = request.form
    draft = engine().authoring.copy(form.get("source", ""), form.get("new_key", "").strip(),
                                    form.get("name", "").strip() or None, author=analyst.username)
    flash("Draft created")
    return redirect(url_for("draft_pages.editor", draft_id=draft.id))


@bp.get("/<draft_id>")
def editor(draft_id: str):
    require(*AUTHORS)
    return _render_editor(draft_id)


@bp.post("/<draft_id>/operations")
def apply(draft_id: str):
    analyst = require(*AUTHORS)
    operation = operation_from(request.form)
    try:
        engine().authoring.edit(draft_id, [operation], analyst.username, _revision(request.form))
    except InvalidData as refused:
        return _render_editor(draft_id, edit_errors=refused.fields, posted=request.form), 422
    flash("Changes applied")
    return redirect(url_for("draft_pages.editor", draft_id=draft_id))


@bp.post("/<draft_id>/simulation")
def simulate(draft_id: str):
    require(*AUTHORS)
    data, answers = _json_field("data"), _json_field("answers")
    result = engine().authoring.simulate(f"draft:{draft_id}", data, answers)
    return _render_editor(draft_id, simulation=result, posted=request.form)


@bp.post("/<draft_id>/deploy")
def deploy(draft_id: str):
    admin = require("admin")
    version = engine().authoring.deploy(draft_id, admin.username)
    flash(f"Deployed as|{version.process_key} v{version.version}")
    return redirect(url_for("process_pages.version_page", key=version.process_key, version=version.version))


def operation_from(form) -> dict[str, Any]:
    """One edit operation from the editor's form: only the inputs its kind reads, empty ones left out."""
    op = form.get("op", "")
    operation: dict[str, Any] = {"op": op}
    for name in OPERATION_FIELDS.get(op, ()):
        value = (form.get(name) or "").strip()
        if value:
            operation[name] = value
    if op == "insert_task":
        anchor = operation.pop("element_id", None)
        operation["before" if operation.pop("position", "after") == "before" else "after"] = anchor
    if op == "set_parameter" and "value" in operation:
        with suppress(ValueError):  # a threshold is a number where it reads as one, else text
            operation["value"] = parse_number(operation["value"])
    return operation


def _revision(form) -> int | None:
    value = form.get("revision", "")
    return int(value) if value.isdigit() else None


def _json_field(name: str) -> dict[str, Any]:
    text = request.form.get(name, "").strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidData([FieldError(name, f"is not valid JSON: {exc.msg} (line {exc.lineno})")]) from None
    if not isinstance(value, dict):
        raise InvalidData([FieldError(name, "must be a JSON object")])
    return value


def _render_editor(draft_id: str, edit_errors: list[FieldError] | None = None, simulation=None, posted=None):
    authoring = engine().authoring
    draft = authoring.draft(draft_id)
    ref = f"draft:{draft_id}"
    bpmn, _ = authoring.bpmn(ref)
    outline = authoring.outline(ref)
    diff = source_diagram = None
    if draft.copied_from:
        diff = authoring.diff(draft.copied_from, ref)
        source_bpmn, _ = authoring.bpmn(draft.copied_from)
        removed = {s["element_id"] for s in diff["steps_removed"]}
        source_diagram = render_svg(source_bpmn, current=removed)
    changed = {s["element_id"] for kind in ("steps_added", "steps_renamed", "lanes_changed", "assignments_changed",
                                            "forms_changed", "timers_changed") for s in (diff or {}).get(kind, [])}
    return render_template(
        "draft.html", draft=draft, outline=outline, validation=authoring.validate(ref), diff=diff,
        diagram=render_svg(bpmn, current=changed), source_diagram=source_diagram, simulation=simulation,
        edit_errors=edit_errors or [], posted=posted or {}, operations=OPERATION_TITLES,
        forms=sorted(engine().pack.forms),
        sample_answers=json.dumps(sample_answers(outline, engine().pack.forms), ensure_ascii=False,
                                  indent=1))


def sample_answers(outline: dict[str, Any], forms: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Answers for every user task of a draft, filled with plausible values, for the simulation form."""
    answers = {}
    for element_id, step in outline["steps"].items():
        schema = forms.get(step.get("form") or "")
        if step["type"] == "userTask" and schema:
            answers[element_id] = {name: _sample(spec) for name, spec in schema["properties"].items()
                                   if name in schema.get("required", [])}
    return answers


def _sample(spec: Mapping[str, Any]) -> Any:
    if "enum" in spec:
        return spec["enum"][0]
    samples = {"boolean": True, "number": 1000, "integer": 1}
    return samples.get(str(spec.get("type")), "2026-12-01" if spec.get("format") == "date" else "sample")
