"""Reports managers read, built from the history and the CRM records: /api/reports."""
from __future__ import annotations

from flask import Blueprint, abort

from domain.reports import REPORTS

from ..auth import REPORT_READERS
from ..http import engine, reply
from ..openapi import operation
from ..uses.common import context_of
from ..uses.reports import Conformance, ConformanceQuery, Report, ReportQuery, Reports, conformance_of, csv_download, find, run

bp = Blueprint("reports", __name__, url_prefix="/api/reports")


@bp.get("")
@operation("The reports there are", REPORT_READERS, ok=Reports, tags=("reports",))
def list_reports():
    return reply([{"key": r.key, "title": r.title_en, "title_zh": r.title_zh} for r in REPORTS.values()])


@bp.get("/conformance")
@operation("How cases actually flowed through a process: path variants (count, share, hours), model steps never "
           "taken, and departures from the standard path with the person and case", REPORT_READERS, query=ConformanceQuery,
           ok=Conformance, tags=("reports",))
def conformance():
    return reply(conformance_of(engine(), context_of("query")))


@bp.get("/<key>")
@operation("One report as a table: " + ", ".join(REPORTS) + "; filters, drill-down to the rows behind a figure, "
           "CSV (format=csv, UTF-8 with BOM)", REPORT_READERS, query=ReportQuery, ok=Report, tags=("reports",))
def report(key: str):
    found, query = find(key), context_of("query")
    table = run(engine(), found, query)
    if query.format == "csv":  # sent as is: the response model describes the JSON form
        abort(csv_download(found, table, query.lang))
    return reply(table)
