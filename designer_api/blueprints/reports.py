"""Reports managers read, built from the history and the CRM records: /api/reports."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort

from domain.reports import REPORTS, period_start
from engine import Engine, reports

from ..auth import REPORT_READERS
from ..http import engine, reply
from ..openapi import operation
from ..reporting import csv_download, days, find, moments, run
from ..schemas import Conformance, ConformanceQuery, Report, ReportQuery, Reports, context_of

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


def conformance_of(crmflow: Engine, query: ConformanceQuery) -> dict:
    """The conformance of the process's cases against its active version's steps (API and page share it): the
    cases started in the period asked, or in the last 90 days."""
    outline = crmflow.authoring.outline(query.process_key)
    steps = {element: step.get("name") or element for element, step in outline["steps"].items()
             if not step["type"].endswith("Gateway")}
    asked, until = moments(query.since, query.until)
    since = asked or period_start(until, crmflow.clock())
    with crmflow.store.read() as session:
        result = reports.conformance(session, query.process_key, steps, since, until,
                                     recorded=crmflow.pack.departures(session, query.process_key, 50))
    result["since"], result["until"] = days(since, until)
    result["names_zh"] = {element: step["name_zh"] for element, step in outline["steps"].items()
                          if step.get("name_zh") and element in steps}  # for Chinese readers
    result["pilots"] = [asdict(p) for p in crmflow.authoring.pilots(query.process_key)]  # who tried which version
    return result


@bp.get("/<key>")
@operation("One report as a table: " + ", ".join(REPORTS) + "; filters, drill-down to the rows behind a figure, "
           "CSV (format=csv, UTF-8 with BOM)", REPORT_READERS, query=ReportQuery, ok=Report, tags=("reports",))
def report(key: str):
    found, query = find(key), context_of("query")
    table = run(engine(), found, query)
    if query.format == "csv":  # sent as is: the response model describes the JSON form
        abort(csv_download(found, table, query.lang))
    return reply(table)
