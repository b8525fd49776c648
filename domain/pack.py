"""The CRM pack object handed to the engine: the one place its tables are wired together."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine import Assignment, CaseScope, FieldError, HumanTask, Pack

from . import conformance, context, directory, forms
from .control_points import CONTROL_POINTS
from .services import SERVICES

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
# What the shipped processes' case numbers start with (the demo quarter numbers its cases the same way).
CASE_NUMBERS = {"lead_to_opportunity": "L", "order_release": "SO", "complaint_handling": "CP", "customer_approval": "CA",
                "sales_forecast": "FC", "weekly_report": "WR"}


class CrmPack(Pack):
    """CRM services, forms, assignment rules and control points, as one object for the engine."""

    name = "crm"
    event_types = frozenset({"control_point_triggered", "control_point_overridden", "credit_used_changed",
                             "customer_rejected", "forecast_reason_rejected"})

    def __init__(self) -> None:
        super().__init__(services=SERVICES, forms=forms.FORMS, control_points=CONTROL_POINTS)

    def validate_form(self, form_key: str | None, data: Mapping[str, Any], session: Any = None) -> list[FieldError]:
        return forms.validate(form_key, data, session)

    def task_context(self, form_key: str | None, data: Mapping[str, Any], session: Any) -> list[dict[str, Any]]:
        return context.case_context(session, forms.FORMS.get(form_key or ""), data)

    def assign(self, task: HumanTask, data: Mapping[str, Any], session: Any) -> Assignment:
        return directory.assign(session, task, data)

    def case_number_prefix(self, process_key: str) -> str:
        return CASE_NUMBERS.get(process_key) or super().case_number_prefix(process_key)

    def departures(self, session: Any, process_key: str, limit: int) -> list[dict[str, Any]]:
        return conformance.departures(session, process_key, limit)

    def migration_locations(self) -> list[str]:
        return [str(MIGRATIONS)]

    def case_scope(self, data: Mapping[str, Any], starter: str | None, session: Any) -> CaseScope:
        return directory.case_scope(session, data, starter)

    def scope_problems(self, regions: list[str], groups: list[str], session: Any) -> list[FieldError]:
        return directory.scope_problems(session, regions, groups)

    def members(self, group: str, session: Any) -> list[str]:
        return directory.members_of(session, group, working=True)


def crm_pack() -> CrmPack:
    """The CRM pack with everything it ships."""
    return CrmPack()
