"""Small helpers every blueprint uses: the engine, request bodies, JSON responses."""
from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

from flask import Request, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest as HTTPBadRequest

from engine import TEXT_PATTERN, Engine, FieldError, InvalidData, Text

from .errors import BadRequest, UnsupportedMediaType


def engine() -> Engine:
    """The application's engine."""
    return current_app.extensions["crmflow.engine"]


class StrictJSON(DefaultJSONProvider):
    """The app's JSON: NaN, Infinity, numbers too large for a float and nesting too deep for the decoder are
    not JSON it accepts (Flask turns the ValueError into a 400 for every reader of request bodies)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(s, parse_constant=_not_a_number, parse_float=_finite, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


class ApiRequest(Request):
    """Requests whose unreadable JSON says why (Flask's default hides it outside debug mode)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise HTTPBadRequest(description=f"the body is not valid JSON: {str(e)[:200]}")


def read_json_body() -> None:
    """A JSON route's body, read before its request model sees it: only JSON (415 otherwise), and unreadable JSON
    is a 400 with its reason (a request model would see it as an empty body). Routes taking BPMN XML take
    whatever Content-Type a modeler or curl sends."""
    if not request.get_data(cache=True):
        return
    if not request.is_json:
        raise UnsupportedMediaType(f"send the body as application/json, not '{request.mimetype or 'no Content-Type'}'")
    request.get_json()


def _not_a_number(constant: str) -> float:
    raise ValueError(f"{constant} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def optional_text(value: Any, name: str, max_length: int = 128) -> str | None:
    """A short text (a header, say) that may be absent: no control characters. :raises InvalidData: naming it"""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length or not re.fullmatch(TEXT_PATTERN, value):
        raise InvalidData([FieldError(name, Text("must be text of 1 to {most} printable characters", most=max_length))])
    return value


def xml_body() -> bytes:
    """The request's raw body (a BPMN upload). :raises BadRequest:"""
    if not request.data:
        raise BadRequest(Text("send the XML document (BPMN or DMN) as the request body"))
    return request.get_data()


def reply(value: Any, status: int = 200):
    """JSON for dataclasses, lists of them and plain data."""
    return jsonify(_plain(value)), status


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
