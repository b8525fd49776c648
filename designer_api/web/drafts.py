"""The draft editor: copy a process, apply edit operations through forms, validate, diff, simulate, deploy."""
from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import CHANGES, FIELDS, OPERATIONS, Field, FieldError, InvalidData

from ..auth import AUTHORS, require
from ..catalog import catalog
from ..diagram import render_svg
from ..http import engine
from .formfields import parse_number

bp = Blueprint("draft_pages", __name__, url_prefix="/drafts")

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


def operation_from(form: Mapping[str, str]) -> dict[str, Any]:
    """One edit operation from the editor's form: only the inputs its kind reads, empty ones left out."""
    op = form.get("op", "")
    operation: dict[str, Any] = {"op": op}
    for field in OPERATIONS[op].fields if op in OPERATIONS else ():
        value: Any = (form.get(field.name) or "").strip()
        if field.kind == "flag":
            value = value == "on" if value else None
        elif field.kind == "value" and value:
            with suppress(ValueError):  # a threshold is a number where it reads as one, else text
                value = parse_number(value)
        if value not in ("", None):
            operation[field.name] = value
    return operation


def editor_fields() -> list[tuple[Field, str]]:
    """Each input of the editor's form once, with the operations that read it (for data-for)."""
    users: dict[str, list[str]] = {}
    for operation in OPERATIONS.values():
        for field in operation.fields:
            users.setdefault(field.name, []).append(operation.op)
    return [(FIELDS[name], " ".join(ops)) for name, ops in users.items()]


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
        edit_errors=edit_errors or [], posted=posted or {}, operations=OPERATIONS, fields=editor_fields(),
        changes=CHANGES,
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
