"""A form on a page (a task's or a start form): fields from its JSON Schema, typed data from what was posted.

A field that refers to a record is a picker: people type part of a name and choose; the
page turns the chosen label back into the record's id (domain.lookup), never asking for ids.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from domain import lookup
from engine import FieldError, InvalidData, Text, listed

from ..auth import CASE_READERS, allowed
from ..http import engine
from ..i18n import parse_number, translate
from ..uses.common import field_errors_of
from .context import language

bp = Blueprint("form_pages", __name__)
Resolve = Callable[[str, str, Mapping[str, Any]], int]  # (refers_to, text, data so far) -> record id
Q = TypeVar("Q", bound=BaseModel)


def query_of(model: type[Q], args: Mapping[str, str]) -> Q:
    """A page's query string as the API's query model: empty fields are left out, so their defaults apply.
    :raises InvalidData: naming each refused field"""
    try:
        return model.model_validate({name: value for name, value in args.items() if value.strip()})
    except ValidationError as invalid:
        raise InvalidData(field_errors_of(invalid)) from None


@dataclass(frozen=True)
class Field:
    """One input of a rendered form."""

    name: str
    schema: dict[str, Any]
    widget: str  # text, textarea, number, checkbox, select, date, picker
    value: Any
    required: bool
    error: str | None
    choices: tuple[lookup.Choice, ...] = ()  # a picker's first choices (the page's script finds more)


def fields(schema: Mapping[str, Any] | None, values: Mapping[str, Any], errors: Mapping[str, str]) -> list[Field]:
    """The inputs of a form, in the schema's order, each with its value, error and a picker's first choices.

    A picker shows a stored record id as the record's label; what someone typed stays as typed.
    """
    if not schema:
        return []
    required = set(schema.get("required", []))
    with engine().store.read() as session:
        resolve = resolver(session)
        result = []
        for name, spec in schema["properties"].items():
            value = values.get(name)
            choices: tuple[lookup.Choice, ...] = ()
            refers_to = spec.get("x-references")
            if refers_to in lookup.kinds():
                value = lookup.label(session, refers_to, value) or value
                customer_id = _customer_id(resolve, values)
                choices = tuple(lookup.search(session, refers_to, "", customer_id))
            result.append(Field(name, spec, _widget(spec), value, name in required, errors.get(name), choices))
        return result


def _customer_id(resolve: Resolve, values: Mapping[str, Any]) -> int | None:
    chosen = values.get("customer_id")
    if isinstance(chosen, int) and not isinstance(chosen, bool):
        return chosen
    try:
        return resolve("customer", chosen, {}) if isinstance(chosen, str) and chosen.strip() else None
    except lookup.Unresolved:
        return None


def resolver(session: Session) -> Resolve:
    """Turns a picker's text into a record id; quotes and contacts within the customer chosen in the same form."""
    def resolve(refers_to: str, text: str, data: Mapping[str, Any]) -> int:
        customer_id = data.get("customer_id")
        return lookup.resolve(session, refers_to, text, customer_id if isinstance(customer_id, int) else None)
    return resolve


@bp.get("/lookup/<kind>")
@allowed(CASE_READERS)
def choices(kind: str):
    """A picker's choices as JSON: records of `kind` whose name contains `q` (within the form's customer)."""
    if kind not in lookup.kinds():
        raise InvalidData([FieldError("kind", Text("must be one of {choices}", choices=listed(sorted(lookup.kinds()))))])
    with engine().store.read() as session:
        customer_id = _customer_id(resolver(session), {"customer_id": request.args.get("customer", "")})
        found = lookup.search(session, kind, request.args.get("q", ""), customer_id)
    reader = language()
    return jsonify([{"id": c.id, "label": translate(c.label, reader), "detail": translate(c.detail, reader)}
                    for c in found])


def _widget(spec: Mapping[str, Any]) -> str:
    if spec.get("x-references") in lookup.kinds():
        return "picker"
    if "enum" in spec:
        return "select"
    if {"number", "integer"} & set(_types(spec)):
        return "number"
    if spec.get("type") == "boolean":
        return "checkbox"
    if spec.get("format") == "date":
        return "date"
    return "textarea" if spec.get("maxLength", 0) > 500 else "text"


def submitted(schema: Mapping[str, Any] | None, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed data from posted text, and the fields whose text is not the right kind of value.

    Empty inputs are left out, so the schema's own check reports a required field as missing;
    a picker's text becomes the id of the one record it names, or a problem saying why not.
    """
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    with engine().store.read() as session:
        resolve = resolver(session)
        for name, spec in (schema or {}).get("properties", {}).items():
            _read(name, spec, form, resolve, data, problems)
    return data, problems


def _read(name: str, spec: Mapping[str, Any], form: Mapping[str, str], resolve: Resolve, data: dict[str, Any],
          problems: dict[str, str]) -> None:
    if spec.get("type") == "boolean":
        data[name] = form.get(name) in ("on", "true", "1")
        return
    text = (form.get(name) or "").strip()
    if not text:
        return
    if spec.get("x-references") in lookup.kinds():
        try:
            data[name] = resolve(spec["x-references"], text, data)
        except lookup.Unresolved as unresolved:
            problems[name] = unresolved.message
    elif {"number", "integer"} & set(_types(spec)):
        try:
            data[name] = parse_number(text)
        except ValueError:
            problems[name] = Text("must be a number")
    else:
        data[name] = text


def _types(spec: Mapping[str, Any]) -> list[str]:
    kind = spec.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def json_field(name: str) -> dict[str, Any]:
    """A form field holding a JSON object (empty: {}). :raises InvalidData: naming the field"""
    text = request.form.get(name, "").strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidData([FieldError(name, Text("is not valid JSON: {problem} (line {line})", problem=exc.msg,
                                                     line=exc.lineno))]) from None
    if not isinstance(value, dict):
        raise InvalidData([FieldError(name, Text("must be a JSON object"))])
    return value
