"""The CRM pack object handed to the engine: the one place its tables are wired together."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from engine import Assignment, FieldError, HumanTask, Pack
from engine.pack import uses_call

from . import control_points, directory, forms
from .services import SERVICES

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

FUNCTIONS = {
    "credit_usage": uses_call(control_points.credit_usage),
    "prepayment_received": uses_call(control_points.prepayment_received),
}
CONTROL_POINT_SERVICES = {
    "check_credit": control_points.check_credit,
    "check_prepayment": control_points.check_prepayment,
    "check_quote_price": control_points.check_quote_price,
}


class CrmPack(Pack):
    """CRM functions, services, forms, assignment rules and control points, as one object for the engine."""

    name = "crm"

    def __init__(self):
        super().__init__(FUNCTIONS, {**SERVICES, **CONTROL_POINT_SERVICES})
        self.control_points = control_points.CONTROL_POINTS
        self.control_point_services = {"check_credit": "credit_usage", "check_prepayment": "prepayment",
                                       "check_quote_price": "approved_quote_price"}
        self.forms = forms.FORMS

    def knows_form(self, form_key: str) -> bool:
        return form_key in forms.FORMS

    def validate_form(self, form_key: str | None, data: Mapping[str, Any]) -> list[FieldError]:
        return forms.validate(form_key, data)

    def assign(self, task: HumanTask, data: Mapping[str, Any], session: Any) -> Assignment:
        return directory.assign(session, task, data)

    def migration_locations(self) -> list[str]:
        return [str(MIGRATIONS)]


def crm_pack() -> CrmPack:
    """The CRM pack with everything it ships."""
    return CrmPack()
