"""The reports page: every report of the CRM pack, built from the history and the records."""
from __future__ import annotations

from flask import Blueprint, render_template

from domain.reports import REPORTS

from ..auth import REPORT_READERS, require
from ..http import engine

bp = Blueprint("report_pages", __name__, url_prefix="/reports")


@bp.get("")
def reports_page():
    require(*REPORT_READERS)
    now = engine().clock()
    with engine().store.read() as session:
        built = {key: report.build(session, now) for key, report in REPORTS.items()}
    return render_template("reports.html", reports=REPORTS, built=built, now=now)
