"""Forms a model carries itself: Camunda `formData`, Flowable/Activiti `formProperty` as JSON Schema.

A task or start event whose model declares its fields gets a generated JSON Schema (labels as
titles, types, required, bounds, options) stored in the model as the `formSchema` property, and
a form key derived from that schema's content (`model:<digest>`), so the same key always means the
same form, whichever version or process holds it. The schemas are a small, checked subset of JSON
Schema: nothing uploaded can make validation slow (no patterns of its own, bounded sizes).
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from lxml import etree

from ..errors import FieldError, Problem, Text, listed, template
from .properties import FORM_KEY
from .xml import NS, local_name, problem_at, property_values, set_property

MODEL_FORM_PREFIX = "model:"
DATA_NAME = r"[A-Za-z][A-Za-z0-9_]{0,63}"  # a case data field's name (as runtime.commands checks it)
MAX_FIELDS = 60
MAX_TEXT = 2000
MAX_INTEGER = 2**53
_DATE = r"^\d{4}-\d{2}-\d{2}$"
# JSON Schema keywords a generated field may use, with the JSON types their values take.
_FIELD_KEYWORDS: dict[str, tuple[type, ...]] = {
    "type": (str,), "title": (str,), "x-title-zh": (str,), "maxLength": (int,), "minLength": (int,),
    "minimum": (int, float), "maximum": (int, float), "enum": (list,), "x-enum-labels": (dict,),
    "default": (str, int, float, bool), "pattern": (str,), "format": (str,),
}
_FORM_KEYWORDS = {"type", "title", "x-title-zh", "properties", "required", "additionalProperties"}
_TYPES: dict[str, dict[str, Any]] = {"string": {"type": "string", "maxLength": MAX_TEXT},
          "long": {"type": "integer", "minimum": -MAX_INTEGER, "maximum": MAX_INTEGER},
          "integer": {"type": "integer", "minimum": -MAX_INTEGER, "maximum": MAX_INTEGER},
          "double": {"type": "number"},
          "boolean": {"type": "boolean"},
          "date": {"type": "string", "pattern": _DATE, "format": "date"},
          "enum": {"type": "string"},
          "textarea": {"type": "string", "maxLength": MAX_TEXT}}


def form_key(schema: Mapping[str, Any]) -> str:
    """The key of a model form: a digest of its schema's content."""
    canonical = json.dumps(schema, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return MODEL_FORM_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:24]


def declared_fields(element: etree._Element, namespace: str) -> list[etree._Element]:
    """The form fields a dialect declares on an element: Camunda's formData/formField or formProperty."""
    extensions = element.find("bpmn:extensionElements", NS)
    if extensions is None:
        return []
    declared = extensions.find(f"{{{namespace}}}formData")
    return (list(declared.iterfind(f"{{{namespace}}}formField")) if declared is not None
            else list(extensions.iterfind(f"{{{namespace}}}formProperty")))


def translate(element: etree._Element, fields: list[etree._Element], dialect: str,
              namespace: str) -> Iterator[Problem]:
    """Turn declared form fields into the element's `formSchema` + `formKey`; problems name the field."""
    if len(fields) > MAX_FIELDS:
        yield problem_at("form_too_large", Text("the form has {count} fields; the limit is {max_fields}",
                                                count=len(fields), max_fields=MAX_FIELDS), element)
        return
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in fields:
        original = (field.get("id") or "").strip()
        name = data_name(original, set(properties))
        if name != original:
            yield problem_at("form_field_renamed", Text("{dialect} form field '{original}' fills the case data field "
                                                        "'{name}' (case data names are plain words: letters, digits, "
                                                        "_)", dialect=dialect, original=original[:40], name=name), field, "warning")
        spec, problem, is_required = _field(field, dialect, namespace)
        if problem is not None:
            yield problem_at("form_field", Text("{dialect} form field '{name}': {problem}", dialect=dialect, name=name,
                                                problem=problem), field)
            continue
        if spec is not None and (field.get("type") or "").strip() == "enum" and "enum" not in spec:
            yield problem_at("form_enum_empty", Text("{dialect} form field '{original}' is an enum without values; it "
                                                     "is a text field until values are given", dialect=dialect,
                                                     original=original[:40]), field, "warning")
        if spec is not None and spec.pop("x-unread-default", None) is not None:
            yield problem_at("form_default", Text("{dialect} form field '{name}': default '{field}' is not a {type}, "
                                                  "so the field has none", dialect=dialect, name=name,
                                                  field=_default(field)[:30], type=field.get('type')),
                             field, "warning")
        if spec is not None:
            properties[name] = spec
            if is_required:
                required.append(name)
    schema = {"type": "object", "title": element.get("name") or element.get("id") or "Form",
              "properties": properties, "required": required, "additionalProperties": False}
    set_property(element, "formSchema", json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
    set_property(element, FORM_KEY.name, form_key(schema))


def data_name(field_id: str, taken: set[str]) -> str:
    """The case data field a form field fills: its id where that is a plain name, else one made from it
    (`Do you agree?` -> `do_you_agree`, `person.dog_friendly` -> `person_dog_friendly`), unique in its form."""
    if re.fullmatch(DATA_NAME, field_id) and field_id not in taken:
        return field_id
    words = re.findall(r"[A-Za-z0-9]+", field_id)
    base = "_".join(words).lower()[:60] if words else "field"
    base = base if base[0].isalpha() else f"field_{base}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _field(field: etree._Element, dialect: str, namespace: str) -> tuple[dict[str, Any] | None, str | None, bool]:
    """(schema of the field or None when it is only shown, problem, required)."""
    kind = (field.get("type") or "string").strip()
    if kind not in _TYPES:
        return None, (f"type '{kind[:30]}' is not one crmflow reads; use string, textarea, long, double, "
                      "boolean, date or enum"), False
    constraints = {c.get("name"): c.get("config") for c in field.iterfind(f"{{{namespace}}}validation/"
                                                                           f"{{{namespace}}}constraint")}
    if "readonly" in constraints or field.get("writable") == "false":
        return None, None, False  # shown, not filled: the case data already holds it
    spec: dict[str, Any] = {**_TYPES[kind], "title": (field.get("label") or field.get("name") or field.get("id"))[:200]}
    if kind == "enum":
        options = {(v.get("id") or "").strip(): (v.get("name") or v.get("id") or "").strip()
                   for v in field.iterfind(f"{{{namespace}}}value")}
        options.pop("", None)
        if options:
            spec["enum"] = list(options)
            spec["x-enum-labels"] = {value: {"en": label, "zh": label} for value, label in options.items()}
        else:  # without values it is a text field (intake warns)
            spec["maxLength"] = MAX_TEXT
    for name, keyword in (("minlength", "minLength"), ("maxlength", "maxLength"), ("min", "minimum"),
                          ("max", "maximum")):
        if name in constraints:
            try:
                bound = float(constraints[name] or "")
            except ValueError:
                return None, f"constraint {name} '{(constraints[name] or '')[:20]}' is not a number", False
            spec[keyword] = int(bound) if bound.is_integer() else bound
    if "maxLength" in spec and spec["type"] == "string":
        spec["maxLength"] = min(spec["maxLength"], MAX_TEXT)
    default = _default(field)
    if default and "${" not in default:
        value = _typed(default, spec["type"])
        readable = value is not None and Draft202012Validator(spec).is_valid(value)
        spec["default" if readable else "x-unread-default"] = value if readable else default
    is_required = "required" in constraints or field.get("required") == "true"
    return spec, None, is_required


def _default(field: etree._Element) -> str:
    return field.get("defaultValue") or field.get("default") or ""


def _typed(text: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text.strip().lower()]
    except (ValueError, KeyError):
        return None
    return text


def model_forms(root: etree._Element) -> dict[str, dict[str, Any]]:
    """The forms a model carries: form key -> schema (only those that pass `schema_problems`)."""
    forms = {}
    for prop in root.iterfind(".//spiffworkflow:property[@name='formSchema']", NS):
        key = property_values(prop.getparent().getparent().getparent()).get(FORM_KEY.name)
        schema = _loads(prop.get("value") or "")
        if key and isinstance(schema, dict) and not schema_problems(schema) and form_key(schema) == key:
            forms[key] = schema
    return forms


def lint_model_forms(root: etree._Element) -> Iterator[Problem]:
    """A `model:` form key must come with its schema, and that schema must be the checked subset."""
    for owner in root.iter():
        if not isinstance(owner.tag, str) or local_name(owner) not in ("userTask", "startEvent", "manualTask"):
            continue
        props = property_values(owner)
        if "formSchema" not in props:
            continue
        schema = _loads(props["formSchema"] or "")
        if not isinstance(schema, dict):
            yield problem_at("form_schema", Text("the formSchema property is not a JSON object"), owner)
            continue
        problems = schema_problems(schema)
        if problems:
            yield problem_at("form_schema", "formSchema: " + "; ".join(problems[:3]), owner)
        elif props.get(FORM_KEY.name) != form_key(schema):
            yield problem_at("form_schema", Text("formKey must be {schema} (the digest of formSchema), not '{name}'",
                                                 schema=form_key(schema),
                                                 name=(props.get(FORM_KEY.name) or '')[:40]), owner)


def schema_problems(schema: Mapping[str, Any]) -> list[str]:
    """What takes a schema outside the subset crmflow generates."""
    problems: list[str] = []
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return ["must be an object schema with properties"]
    unexpected = set(schema) - _FORM_KEYWORDS
    if unexpected:
        problems.append(Text("unexpected keywords {unexpected}", unexpected=sorted(unexpected)[:3]))
    if len(schema["properties"]) > MAX_FIELDS:
        problems.append(Text("more than {max_fields} fields", max_fields=MAX_FIELDS))
    for name, spec in schema["properties"].items():
        if not isinstance(spec, dict) or spec.get("type") not in ("string", "integer", "number", "boolean"):
            problems.append(Text("field '{name}' must have type string, integer, number or boolean",
                                 name=str(name)[:40]))
            continue
        for keyword, value in spec.items():
            if keyword not in _FIELD_KEYWORDS or not isinstance(value, _FIELD_KEYWORDS[keyword]):
                problems.append(Text("field '{name}': keyword '{keyword}' is not allowed here", name=name,
                                     keyword=str(keyword)[:30]))
        if spec.get("pattern", _DATE) != _DATE:
            problems.append(Text("field '{name}': only the date pattern is allowed", name=name))
        if len(json.dumps(spec.get("enum", []))) > 20_000:
            problems.append(Text("field '{name}': too many options", name=name))
    if not isinstance(schema.get("required", []), list) or not set(schema.get("required", [])) <= set(
            schema["properties"]):
        problems.append(Text("required must list fields of the form"))
    return problems


def field_errors(schema: Mapping[str, Any], data: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of submitted data against a model form, each naming its field."""
    return sorted((field_error(e) for e in Draft202012Validator(schema).iter_errors(dict(data))),
                  key=lambda f: f.field)


def field_error(error: ValidationError) -> FieldError:
    """A JSON Schema validation error as a person reads it, naming the field (pack and model forms alike)."""
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema["properties"]))
        return FieldError(", ".join(extra), Text("is not a field of this form"))
    if error.validator == "required":
        return FieldError(error.message.split("'")[1], Text("is required"))
    name = ".".join(str(p) for p in error.absolute_path) or "data"
    value = error.validator_value
    if error.validator == "pattern" and value == _DATE:
        return FieldError(name, Text("must be a date written YYYY-MM-DD"))
    if error.validator == "type":
        return FieldError(name, _KINDS.get(str(value), Text("must be a {kind}", kind=str(value))))
    if error.validator == "enum":
        return FieldError(name, Text("must be one of {choices}", choices=listed(value)))
    limit = _LIMITS.get(str(error.validator))
    if limit is None:
        return FieldError(name, error.message)
    shown = f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return FieldError(name, Text(limit, value=shown))


_KINDS = {"number": Text("must be a number"), "integer": Text("must be a whole number"),
          "string": Text("must be text"), "boolean": Text("must be yes or no"), "array": Text("must be a list"),
          "object": Text("must be a group of fields")}
_LIMITS = {"minimum": template("must be at least {value}"),
           "exclusiveMinimum": template("must be more than {value}"),
           "maximum": template("must be at most {value}"),
           "exclusiveMaximum": template("must be less than {value}"),
           "minLength": template("must be at least {value} characters"),
           "maxLength": template("must be at most {value} characters"),
           "minItems": template("must list at least {value}"),
           "maxItems": template("must list at most {value}")}


def _loads(text: str) -> Any:
    try:
        return json.loads(text) if len(text) <= 200_000 else None
    except ValueError:
        return None


def read_fields(root: etree._Element, known: set[str]) -> dict[str, dict[str, Any]]:
    """The case data fields a model's conditions read (names outside `known`), each with the type its use
    suggests: compared with a number, a number; used as a condition of its own, true/false; else text."""
    fields: dict[str, dict[str, Any]] = {}
    for expression in root.iterfind(".//bpmn:conditionExpression", NS):
        try:
            tree = ast.parse((expression.text or "").strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError):
            continue  # lint names it
        for name, kind in _uses(tree.body):
            if name not in known and len(fields) < MAX_FIELDS:
                fields.setdefault(name, {"type": kind, "title": name.replace("_", " ")})
    return fields


def _uses(node: ast.expr) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.Name):
        yield node.id, "boolean"
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _uses(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield from _uses(node.operand)
    elif isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        constants = [s.value for s in sides if isinstance(s, ast.Constant)]
        kind = ("boolean" if any(isinstance(c, bool) for c in constants)
                else "number" if any(isinstance(c, (int, float)) for c in constants) else "string")
        for side in sides:
            if isinstance(side, ast.Name):
                yield side.id, kind


def generic_form(element: etree._Element, fields: dict[str, dict[str, Any]]) -> None:
    """Give a step whose form nobody here provides the form of the fields its process reads (none required)."""
    schema: dict[str, Any] = {"type": "object", "title": element.get("name") or element.get("id") or "Form",
                              "properties": fields, "required": [], "additionalProperties": False}
    set_property(element, "formSchema", json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
    set_property(element, FORM_KEY.name, form_key(schema))
