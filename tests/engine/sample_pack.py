"""A small pack for engine tests: one function, one service, one form and one control point.

Enough to exercise every part of the `Pack` interface without the CRM pack, so the
engine's tests say what the engine does for any pack.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import ControlPoint, FieldError, Pack, ServiceCall

REVIEW_FORM = {"type": "object", "title": "Review", "additionalProperties": False,
               "properties": {"approved": {"type": "boolean", "title": "Approved"},
                              "comment": {"type": "string", "title": "Comment", "maxLength": 200}},
               "required": ["approved"]}
APPROVAL_FORM = {"type": "object", "title": "Approval", "additionalProperties": False,
                 "properties": {"approved": {"type": "boolean", "title": "Approved", "x-decision": True},
                                "region": {"type": "string", "title": "Region", "enum": ["east", "west"]},
                                "amount": {"type": "number", "title": "Amount"}},
                 "required": ["approved"]}


def double(value: float) -> float:
    """An expression function: twice the value."""
    return value * 2


def note(call: ServiceCall, text: str) -> dict[str, Any]:
    """A service: writes a history event and returns what it noted."""
    call.record("noted", text=text)
    return {"noted": text}


def check_amount(call: ServiceCall, amount: float, limit: float = 1000) -> dict[str, Any]:
    """The sample control point: an amount at or above the limit is blocked."""
    blocked = amount >= limit
    if blocked:
        call.record("control_point_triggered", control_point="amount_limit", amount=amount, limit=limit)
    return {"blocked": blocked}


AMOUNT_LIMIT = ControlPoint("amount_limit", "Amounts at or above the limit are blocked", "金额达到上限即拦截",
                            "amount / limit", "block", service="check_amount", check=check_amount,
                            parameter="amount_limit", default_threshold=1000)


class SamplePack(Pack):
    """The engine tests' pack."""

    name = "sample"

    def __init__(self) -> None:
        super().__init__(functions={"double": double}, services={"note": note},
                         forms={"review": REVIEW_FORM, "approval": APPROVAL_FORM},
                         control_points=[AMOUNT_LIMIT])

    def validate_form(self, form_key: str | None, data: Mapping[str, Any], session: Any = None) -> list[FieldError]:
        if form_key == "approval":
            return [FieldError(name, "is not a field of this form") for name in data
                    if name not in APPROVAL_FORM["properties"]]
        if form_key != "review":
            return super().validate_form(form_key, data, session)
        errors = [FieldError(name, "is not a field of this form") for name in data if name not in
                  REVIEW_FORM["properties"]]
        if not isinstance(data.get("approved"), bool):
            errors.append(FieldError("approved", "is required (true or false)"))
        return errors
