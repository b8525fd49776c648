"""The report pages: an overview with a chart per report, each report with filters, chart, table,
drill-down and CSV, and the conformance of a process drawn over its diagram."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from domain.forms import SOURCES
from domain.records import REGIONS
from domain.reports import REPORTS, STAGES

from ..auth import REPORT_READERS, allowed
from ..diagram import render_svg
from ..http import engine
from ..uses.reports import ConformanceQuery, ReportQuery, chart_svg, conformance_of, csv_download, find, localized, row_label, run
from .context import language
from .formfields import query_of

bp = Blueprint("report_pages", __name__, url_prefix="/reports")


@bp.get("")
@allowed(REPORT_READERS)
def reports_page():
    """Every report with its chart, for the morning look; each links to its own page."""
    tables = {key: run(engine(), report, ReportQuery()) for key, report in REPORTS.items()}
    return render_template("reports.html", reports=REPORTS, tables=tables, chart=chart_svg, label=row_label,
                           localized=localized, processes=sorted({v.process_key for v in engine().versions()}))


@bp.get("/<key>")
@allowed(REPORT_READERS)
def report_page(key: str):
    """One report: filters, chart, table (each row drills down to what is behind it), CSV."""
    found = find(key)
    query = query_of(ReportQuery, request.args)
    table = run(engine(), found, query)
    if query.format == "csv":
        return csv_download(found, table, query.lang)
    return render_template("report.html", report=found, table=table, chart=chart_svg, label=row_label,
                           localized=localized, args=request.args, choices={"region": REGIONS, "source": SOURCES}, stages=STAGES)


@bp.get("/conformance")
@allowed(REPORT_READERS)
def conformance_page():
    """The path variants of a process over its diagram, steps never taken, departures with person and case."""
    query = query_of(ConformanceQuery, request.args)
    result = conformance_of(engine(), query)
    bpmn, _ = engine().authoring.bpmn(query.process_key)
    passed: dict[str, int] = {}
    for variant in result["variants"]:
        for element in set(variant["elements"]):
            passed[element] = passed.get(element, 0) + variant["cases"]
    share = {element: n / result["cases"] for element, n in passed.items()} if result["cases"] else {}
    return render_template("conformance.html", result=result, args=request.args,
                           diagram=render_svg(bpmn, heat=share, labels={e: f"{v:.0%}" for e, v in share.items()},
                                              lang=language()),
                           share=share)
