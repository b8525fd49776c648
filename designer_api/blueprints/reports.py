"""Reports managers read, built from the history and the CRM records: /api/reports."""
from __future__ import annotations

from flask import Blueprint

from domain.reports import REPORTS
from engine import NotFound

from ..auth import REPORT_READERS, require
from ..http import engine, reply
from ..openapi import operation
from ..schemas import Report, Reports

bp = Blueprint("reports", __name__, url_prefix="/api/reports")


@bp.get("")
@operation("The reports there are", ", ".join(REPORT_READERS), ok=Reports, tags=("reports",))
def list_reports():
    require(*REPORT_READERS)
    return reply([{"key": r.key, "title": r.title_en, "title_zh": r.title_zh} for r in REPORTS.values()])


@bp.get("/<key>")
@operation("One report: " + ", ".join(REPORTS), ", ".join(REPORT_READERS), ok=Report, tags=("reports",))
def report(key: str):
    require(*REPORT_READERS)
    found = REPORTS.get(key)
    if found is None:
        raise NotFound(f"no report '{key}'; known: {', '.join(REPORTS)}")
    with engine().store.read() as session:
        return reply({"key": key, "title": found.title_en, "title_zh": found.title_zh,
                      "rows": found.build(session, engine().clock())})
