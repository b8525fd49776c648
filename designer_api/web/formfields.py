"""A task form on a page: fields from the form's JSON Schema, and typed data from what was posted."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request

from engine import FieldError, InvalidData

from ..i18n import parse_number


@dataclass(frozen=True)
class Field:
    """One input of a rendered form."""

    name: str
    schema: dict[str, Any]
    widget: str  # text, textarea, number, checkbox, select, date
    value: Any
    required: bool
    error: str | None


def fields(schema: dict[str, Any] | None, values: Mapping[str, Any], errors: Mapping[str, str]) -> list[Field]:
    """The inputs of a form, in the schema's order, each with its value and error."""
    if not schema:
        return []
    required = set(schema.get("required", []))
    return [Field(name, spec, _widget(spec), values.get(name), name in required, errors.get(name))
            for name, spec in schema["properties"].items()]


def _widget(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "select"
    if spec.get("type") in ("number", "integer"):
        return "number"
    if spec.get("type") == "boolean":
        return "checkbox"
    if spec.get("format") == "date":
        return "date"
    return "textarea" if spec.get("maxLength", 0) > 500 else "text"


def submitted(schema: Mapping[str, Any] | None, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed data from posted text, and the fields whose text is not the right kind of value.

    Empty inputs are left out, so the schema's own check reports a required field as missing.
    """
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, spec in (schema or {}).get("properties", {}).items():
        if spec.get("type") == "boolean":
            data[name] = form.get(name) in ("on", "true", "1")
            continue
        text = (form.get(name) or "").strip()
        if not text:
            continue
        if spec.get("type") in ("number", "integer"):
            try:
                data[name] = parse_number(text)
            except ValueError:
                problems[name] = "must be a number"
        else:
            data[name] = text
    return data, problems


def json_field(name: str) -> dict[str, Any]:
    """A form field holding a JSON object (empty: {}). :raises InvalidData: naming the field"""
    text = request.form.get(name, "").strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidData([FieldError(name, f"is not valid JSON: {exc.msg} (line {exc.lineno})")]) from None
    if not isinstance(value, dict):
        raise InvalidData([FieldError(name, "must be a JSON object")])
    return value
