"""The draft editor: copy a process, apply edit operations through forms, validate, diff, simulate, deploy."""
from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from engine import (
    CHANGES,
    FIELDS,
    OPERATIONS,
    Field,
    FieldError,
    InvalidData,
    InvalidModel,
    decision_fields,
    property_panel,
)

from ..auth import ADMINS, ANALYSTS, AUTHORS, allowed, current
from ..diagram import render_svg
from ..http import engine, reply
from ..i18n import parse_number, translate
from ..uses.cases import readable_cases
from ..uses.processes import catalog
from .context import csrf_token, language
from .formfields import json_field, submitted

bp = Blueprint("draft_pages", __name__, url_prefix="/drafts")
VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "bpmn-js"
# The modeler's words, translated on the server like every page's.
MODELER_TEXTS = (
    "Process parameters", "Name", "Name in Chinese", "Lane", "drag the step into another lane to change it",
    "Candidate group", "Assignee", "Form", "Due in (e.g. P3D)", "Service", "Parameter", "Condition",
    "default flow: taken when no condition holds", "must be a number", "a number", "text", "new parameter name",
    "value", "Add parameter", "a parameter name is letters, digits and _", "the engine can run this condition",
    "Process name in Chinese",
    "problems to fix before deploying", "No problems", "the server refused the change", "Saving…", "Saved",
    "Revision", "Unsaved changes", "Id", "shown in the history, the diff and the reports",
    "an id starts with a letter and holds letters, digits, _ . - only", "this id is taken", "Status", "Waits at",
    "Asks for a decision at", "Path taken", "completed", "waiting", "error", "invalid_answer",
)

@bp.get("")
@allowed(AUTHORS)
def draft_list():
    return render_template("drafts.html", drafts=engine().authoring.drafts(), entries=catalog(engine().versions()))


@bp.post("")
@allowed(ANALYSTS)
def copy():
    analyst = current()
    form = request.form
    draft = engine().authoring.copy(form.get("source", ""), form.get("new_key", "").strip() or None,
                                    form.get("name", "").strip() or None, author=analyst.username)
    flash("Draft created")
    return redirect(url_for("draft_pages.editor", draft_id=draft.id))


@bp.get("/<draft_id>")
@allowed(AUTHORS)
def editor(draft_id: str):
    return _render_editor(draft_id)


@bp.post("/<draft_id>/operations")
@allowed(AUTHORS)
def apply(draft_id: str):
    analyst = current()
    operation = operation_from(request.form)
    try:
        engine().authoring.edit(draft_id, [operation], analyst.username, _revision(request.form))
    except InvalidData as refused:
        return _render_editor(draft_id, edit_errors=refused.fields, posted=request.form), 422
    flash("Changes applied")
    return redirect(url_for("draft_pages.editor", draft_id=draft_id))


@bp.get("/<draft_id>/bpmn")
@allowed(AUTHORS)
def download(draft_id: str):
    """The draft's XML: for the modeler, or as a file to open in another modeler (?download=1)."""
    draft = engine().authoring.draft(draft_id)
    bpmn, _ = engine().authoring.bpmn(f"draft:{draft_id}")
    response = Response(bpmn, mimetype="application/xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = \
            f'attachment; filename="{draft.process_key}-draft-r{draft.revision}.bpmn"'
    return response


@bp.put("/<draft_id>/bpmn")
@allowed(ANALYSTS)
def save(draft_id: str):
    """The modeler saves: XML body, If-Match: the revision it loaded; answers the draft and its validation."""
    analyst = current()
    revision = request.headers.get("If-Match", "")
    draft = engine().authoring.upload(draft_id, request.get_data(cache=False), analyst.username,
                                      int(revision) if revision.isdigit() and len(revision) < 10 else None)
    return reply({"draft": draft, "validation": engine().authoring.validate(f"draft:{draft_id}")})


@bp.get("/<draft_id>/decisions/<decision_id>")
@allowed(AUTHORS)
def decision(draft_id: str, decision_id: str):
    """One of the draft's decision tables, as DMN, for the table editor."""
    return Response(engine().authoring.decision(f"draft:{draft_id}", decision_id), mimetype="application/xml")


@bp.put("/<draft_id>/decisions/<decision_id>")
@allowed(ANALYSTS)
def save_decision(draft_id: str, decision_id: str):
    """The table editor saves: DMN body, If-Match: the revision it loaded; answers the draft and its validation."""
    analyst = current()
    revision = request.headers.get("If-Match", "")
    draft = engine().authoring.put_decision(draft_id, decision_id, request.get_data(cache=False), analyst.username,
                                            int(revision) if revision.isdigit() and len(revision) < 10 else None)
    return reply({"draft": draft, "validation": engine().authoring.validate(f"draft:{draft_id}")})


@bp.post("/<draft_id>/upload")
@allowed(ANALYSTS)
def upload(draft_id: str):
    """A .bpmn file chosen on the page (works without JavaScript)."""
    analyst = current()
    file = request.files.get("bpmn")
    if file is None or not file.filename:
        raise InvalidData([FieldError("bpmn", "choose a .bpmn file to upload")])
    engine().authoring.upload(draft_id, file.read(engine().max_model_bytes + 1), analyst.username,
                              _revision(request.form))
    flash("Model uploaded")
    return redirect(url_for("draft_pages.editor", draft_id=draft_id))


@bp.post("/<draft_id>/condition")
@allowed(AUTHORS)
def check_condition(draft_id: str):
    """Whether a condition typed in the modeler would pass intake (JSON {"condition"})."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    condition = body.get("condition")
    if not isinstance(condition, str) or len(condition) > 2000:
        raise InvalidData([FieldError("condition", "send {\"condition\": \"text\"} (at most 2000 characters)")])
    where = {name: value if isinstance(value := body.get(name), str) and len(value) <= 200 else None
             for name in ("flow_id", "source_id")}
    return reply(engine().authoring.check_condition(condition, draft_id, **where))


@bp.post("/<draft_id>/rebase")
@allowed(ANALYSTS)
def rebase(draft_id: str):
    analyst = current()
    engine().authoring.rebase(draft_id, analyst.username, _revision(request.form))
    flash("Draft rebased")
    return redirect(url_for("draft_pages.editor", draft_id=draft_id))


@bp.post("/<draft_id>/simulation")
@allowed(AUTHORS)
def simulate(draft_id: str):
    """Run the draft over the answers typed into each step's form (JSON with ?format=json, for the page's script)."""
    steps = simulation_steps(engine().authoring.outline(f"draft:{draft_id}"), engine().pack.forms)
    data = {**json_field("data"), **(_answered(steps["start"], request.form) or {})}
    answers = {step["element_id"]: answer for step in steps["tasks"]
               if (answer := _answered(step, request.form)) is not None}
    result = engine().authoring.simulate(f"draft:{draft_id}", data, answers)
    result["asked"] = [step["name"] for step in steps["tasks"] if step["element_id"] not in answers
                       and any(t["element_id"] == step["element_id"] for t in result["tasks"])]
    if request.args.get("format") == "json":
        return reply(result)
    return _render_editor(draft_id, simulation=result, posted=request.form)


@bp.post("/<draft_id>/replay")
@allowed(AUTHORS)
def replay(draft_id: str):
    """Replay the recorded cases of the period through the draft; the changed ones, linked where readable."""
    form = request.form
    try:
        since, until = (_day(form, name) for name in ("since", "until"))
        result = engine().authoring.replay(draft_id, since, until)
    except (InvalidData, InvalidModel) as refused:  # said in the section, beside the period asked for
        return _render_editor(draft_id, replayed={"error": refused.message}, posted=form), 422
    shown = sorted((c for c in result["cases"] if c["verdict"] != "same"),
                   key=lambda c: (c["verdict"] != "changed", c["business_key"] or ""))[:REPLAY_ROWS]
    result["shown"] = shown
    result["readable"] = readable_cases(engine(), current(), [c["instance_id"] for c in shown])
    return _render_editor(draft_id, replayed=result, posted=form)


REPLAY_ROWS = 200  # the changed cases listed on the page (the API answers every case)


def _day(form: Mapping[str, str], name: str) -> date | None:
    """A day from a date input: empty is the default; anything else must be YYYY-MM-DD. :raises InvalidData:"""
    text = (form.get(name) or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        with suppress(ValueError):
            return date.fromisoformat(text)
    raise InvalidData([FieldError(name, "must be a day, e.g. 2026-12-01")])


def simulation_steps(outline: dict[str, Any], forms: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The start form and each user task's form, as the simulation asks for them (fields named `<step>.<field>`)."""
    def step(element_id: str, name: str, form_key: str | None) -> dict[str, Any]:
        schema = forms.get(form_key or "") or {}
        shown = [(k, v) for k, v in schema.get("properties", {}).items()  # record pickers only where required
                 if not v.get("x-references") or k in schema.get("required", [])]
        return {"element_id": element_id, "name": name, "schema": schema, "fields": shown,
                "decisions": decision_fields(schema)}

    start = next(({"element_id": "start", **step("start", "", s.get("form"))} for i, s in outline["steps"].items()
                  if s["type"] == "startEvent" and s.get("form")), step("start", "", None))
    return {"start": start, "tasks": [step(i, s.get("name") or i, s.get("form")) for i, s in outline["steps"].items()
                                      if s["type"] == "userTask" and s.get("form") in forms]}


def _answered(step: dict[str, Any], form: Mapping[str, str]) -> dict[str, Any] | None:
    """What was typed for one step: None while one of its decisions is unanswered (the simulation asks there)."""
    prefix = f"{step['element_id']}."
    typed = {key.removeprefix(prefix): value for key, value in form.items() if key.startswith(prefix)}
    if any(not typed.get(name) for name in step["decisions"]):
        return None
    data, _ = submitted(step["schema"], typed)
    return {name: value for name, value in data.items() if f"{prefix}{name}" in form}


@bp.post("/<draft_id>/deploy")
@allowed(ADMINS)
def deploy(draft_id: str):
    admin = current()
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


def _render_editor(draft_id: str, edit_errors: list[FieldError] | None = None, simulation=None, posted=None,
                   replayed=None):
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
        source_diagram = render_svg(source_bpmn, current=removed, lang=language())
    changed = {s["element_id"] for kind in ("steps_added", "steps_renamed", "lanes_changed", "assignments_changed",
                                            "forms_changed", "timers_changed") for s in (diff or {}).get(kind, [])}
    validation = authoring.validate(ref)
    return render_template(
        "draft.html", draft=draft, outline=outline, validation=validation, diff=diff, stale=authoring.stale(draft_id),
        modeler=_modeler_config(draft, validation) if draft.deployed_version is None else None,
        diagram=render_svg(bpmn, current=changed, lang=language()), source_diagram=source_diagram, simulation=simulation,
        edit_errors=edit_errors or [], posted=posted or {}, operations=OPERATIONS, fields=editor_fields(),
        replayed=replayed,
        changes=CHANGES,
        forms=sorted(engine().pack.forms), simulation_steps=simulation_steps(outline, engine().pack.forms),
        sample=_sample)


def _modeler_config(draft: Any, validation: dict[str, Any]) -> dict[str, Any] | None:
    """What the bpmn-js modeler reads (None when `make frontend` has not installed it: the page works without)."""
    if not (VENDOR / "bpmn-modeler.production.min.js").is_file():
        return None
    pack, reader = engine().pack, language()
    return {
        "processKey": draft.process_key, "revision": draft.revision, "csrf": csrf_token(),
        "urls": {"bpmn": url_for("draft_pages.download", draft_id=draft.id),
                 "condition": url_for("draft_pages.check_condition", draft_id=draft.id),
                 "decisions": url_for("draft_pages.decision", draft_id=draft.id, decision_id="_")[:-1]},
        "tables": (VENDOR.parent / "dmn-js" / "dmn-modeler.production.min.js").is_file(),
        "forms": sorted(pack.forms), "validation": validation,
        "services": {name: list(pack.service_parameters(name)) for name in sorted(pack.services)},
        "labels": {text: translate(text, reader) for text in MODELER_TEXTS},
        "properties": [{**p, "label": p["label_zh"] if reader == "zh" else p["label"],
                        "hint": translate(str(p["hint"]), reader) if p["hint"] else ""} for p in property_panel()],
    }


def _sample(spec: Mapping[str, Any]) -> Any:
    if "enum" in spec:
        return spec["enum"][0]
    samples = {"boolean": True, "number": 1000, "integer": 1}
    return samples.get(str(spec.get("type")), "2026-12-01" if spec.get("format") == "date" else "sample")
