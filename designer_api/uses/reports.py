"""Reports: request and response models, and what the API and the pages share (periods, charts, CSV)."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

from flask import Response
from markupsafe import Markup, escape
from pydantic import Field, RootModel

from domain.reports import REPORTS, Filters, field_column, period_start
from domain.reports import Report as ReportDefinition
from engine import Engine, NotFound, Text, listed, reports

from .common import Day, Open, Query, local_time


class ReportInfo(Open):
    key: str
    title: str
    title_zh: str


Reports = RootModel[list[ReportInfo]]


class Report(Open):
    key: str
    title: str
    title_zh: str
    columns: list[dict[str, Any]]
    chart: list[str]
    filters: list[str]
    rows: list[dict[str, Any]]
    drill: str | None = None
    since: date | None = Field(None, description="the first day read (a periodic report without `since`: 90 days "
                                                "back)")
    until: date | None = Field(None, description="the last day read (none: up to now)")


class ReportQuery(Query):
    since: Annotated[Day, Field(description="from this day (inclusive), YYYY-MM-DD")] | None = None
    until: Annotated[Day, Field(description="to this day (inclusive), YYYY-MM-DD")] | None = None
    owner: Annotated[str, Field(max_length=64)] | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    source: Annotated[str, Field(max_length=32)] | None = None
    group: Annotated[str, Field(max_length=64)] | None = None
    drill: Annotated[str, Field(max_length=200, description="a row's first value: the records and cases behind "
                                                            "it")] | None = None
    format: Annotated[str, Field(pattern="^(json|csv)$", description="csv: UTF-8 with BOM (Excel)")] = "json"
    lang: Annotated[str, Field(pattern="^(en|zh)$", description="CSV column titles")] = "en"


class ConformanceQuery(Query):
    process_key: Annotated[str, Field(min_length=1, max_length=128)]
    since: Annotated[Day, Field(description="cases started from this day, YYYY-MM-DD (default: 90 days back)")] | None = None
    until: Annotated[Day, Field(description="cases started to this day (inclusive), YYYY-MM-DD")] | None = None


class Conformance(Open):
    process_key: str
    cases: int
    variants: list[dict[str, Any]]
    never_taken: list[dict[str, Any]]
    departures: list[dict[str, Any]]
    names_zh: dict[str, str] = Field(default_factory=dict, description="element id -> its Chinese name (nameZh)")
    names: dict[str, str] = Field(default_factory=dict, description="element id -> its name")
    by_person: list[dict[str, Any]] = Field(default_factory=list, description="departures per person: actor, "
                                            "departures, kinds (kind -> count)")
    since: date | None = Field(None, description="cases started from this day (without `since`: 90 days back)")
    until: date | None = Field(None, description="cases started to this day (none: up to now)")


T = TypeVar("T")
COLORS = ("#1c7ed6", "#f59f00", "#2f9e44", "#e03131", "#7048e8", "#0c8599")


def find(key: str) -> ReportDefinition:
    """:raises NotFound: naming the reports there are"""
    report = REPORTS.get(key)
    if report is None:
        raise NotFound(Text("no report '{report}'; known: {known}", report=key, known=listed(REPORTS)))
    return report


def moments(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Days asked for as UTC date-times: from `since`'s midnight to the end of `until` (the next midnight)."""
    def start(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tzinfo=UTC)

    end = start(until)
    return start(since), end + timedelta(days=1) if end else None


def days(since: datetime | None, until: datetime | None) -> tuple[date | None, date | None]:
    """The first and the last day of a period read (the inverse of `moments`)."""
    return since.date() if since else None, (until - timedelta(days=1)).date() if until else None


def filters_of(report: ReportDefinition, query: ReportQuery, now: datetime) -> Filters:
    """The domain's filters from the query, those the report honours: days become UTC date-times, `until`
    includes its whole day, and a periodic report without `since` reads its default period."""
    def honoured(name: str, value: T | None) -> T | None:
        return value if name in report.filters else None

    since, until = moments(query.since, query.until)
    return report.in_period(Filters(
        honoured("since", since), honoured("until", until), honoured("owner", query.owner),
        honoured("region", query.region), honoured("source", query.source), honoured("group", query.group)), now)


def run(engine: Engine, report: ReportDefinition, query: ReportQuery) -> dict[str, Any]:
    """The report as one table (or the rows behind one of its rows, with `drill`), with the period it read."""
    now = engine.clock()
    filters = filters_of(report, query, now)
    with engine.store.read() as session:
        rows = (report.detail(session, now, filters, query.drill) if query.drill is not None
                else report.build(session, now, filters))
    shown = (report.columns if query.drill is None else  # a drill-down's `<key>_zh` twin shows in its column
             [field_column(k, v) for k, v in (rows[0] if rows else {}).items() if not k.endswith("_zh")])
    columns = [{"key": c.key, "en": c.en, "zh": c.zh, "kind": c.kind} for c in shown]
    first, last = days(filters.since, filters.until)
    return {"key": report.key, "title": report.title_en, "title_zh": report.title_zh, "columns": columns,
            "chart": list(report.chart) if query.drill is None else [], "filters": list(report.filters),
            "rows": rows, "drill": query.drill, "since": first, "until": last}


def row_label(report: ReportDefinition, value: Any, lang: str) -> str:
    """A row's first value as people read it: coded values (regions, stages ...) by their name."""
    names = report.labels.get(value) if isinstance(value, str) else None
    return (names[1] if lang == "zh" else names[0]) if names else ("—" if value in (None, "") else str(value))


def localized(row: dict[str, Any], key: str, lang: str) -> Any:
    """A row's value of `key` in `lang`: its `<key>_zh` twin for Chinese readers when there is one."""
    return (row.get(f"{key}_zh") if lang == "zh" else None) or row.get(key)


def to_csv(report: ReportDefinition, table: dict[str, Any], lang: str) -> bytes:
    """CSV with column titles in `lang`, coded values by name (and a value's `<key>_zh` twin in Chinese), and a
    BOM so Excel reads UTF-8."""
    columns = table["columns"]
    lines = []
    for row in table["rows"]:
        values = [csv_value(localized(row, c["key"], lang), c["kind"]) for c in columns]
        if table["drill"] is None and values:
            values[0] = row_label(report, values[0], lang)
        lines.append(values)
    return rows_csv([c["zh"] if lang == "zh" else c["en"] for c in columns], lines)


def csv_value(value: Any, kind: str) -> Any:
    """A cell as a spreadsheet should read it: amounts as plain numbers with two decimals (300000.00), shares as
    fractions (0.125, formatted by the sheet), times in the company's time zone to the minute, flags as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money" and isinstance(value, int | float):
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer() and kind == "count":
        return int(value)
    if isinstance(value, datetime):
        return local_time(value)
    return value


def rows_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """CSV that Excel opens with Chinese intact (a BOM) and never runs a formula from (`spreadsheet_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([spreadsheet_cell(v) for v in values])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# A text a spreadsheet would take for a formula (=, +, -, @) or that hides one behind a tab or a carriage return.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A value as a CSV cell that Excel or LibreOffice never runs: a text that could start a formula gets a
    leading apostrophe (shown as text); numbers stay numbers, dates become ISO text, None an empty cell."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def comparison_csv(result: dict[str, Any], lang: str) -> Response:
    """A comparison of two versions as a CSV attachment."""
    header = ["指标" if lang == "zh" else "Measure", f"v{result['a']}", f"v{result['b']}",
              "差异" if lang == "zh" else "Difference"]
    rows = [[row["zh"] if lang == "zh" else row["en"], row["a"], row["b"], row["difference"]]
            for row in result["rows"]]
    return Response(rows_csv(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{result["process_key"]}-v{result["a"]}-v{result["b"]}.csv"'})


def csv_download(report: ReportDefinition, table: dict[str, Any], lang: str) -> Response:
    """The table as a CSV attachment named after the report (and the row drilled into)."""
    name = f"{report.key}{'-' + table['drill'] if table['drill'] else ''}"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)[:80]
    return Response(to_csv(report, table, lang), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})


def chart_svg(report: ReportDefinition, table: dict[str, Any], lang: str, width: int = 640) -> Markup:
    """A grouped bar chart of the report's charted columns, one group per row (server-side SVG)."""
    rows, series = table["rows"][:24], table["chart"]
    if not rows or not series:
        return Markup("")
    titles = {c["key"]: (c["zh"] if lang == "zh" else c["en"]) for c in table["columns"]}
    ticks = _ticks(max((float(r.get(s) or 0) for r in rows for s in series), default=0))
    peak = ticks[-1]
    top, plot_h, left, band = 28, 180, 48, (width - 56) / len(rows)
    bar = max(2.0, min(28.0, (band - 8) / len(series)))
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {top + plot_h + 48}" '
             f'aria-label="{escape(report.title_zh if lang == "zh" else report.title_en)}" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">']
    for n, name in enumerate(series):  # legend
        parts.append(f'<rect x="{left + n * 150}" y="6" width="10" height="10" fill="{COLORS[n % len(COLORS)]}"/>'
                     f'<text x="{left + n * 150 + 14}" y="15">{escape(titles.get(name, name))}</text>')
    for tick in ticks:  # the value axis: a labelled gridline at each round value
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
                     f'stroke="{"#868e96" if tick == 0 else "#e9ecef"}"/>'
                     f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_short(tick)}</text>')
    labelled = len(rows) * len(series) <= 16  # few bars: each says its value
    first = table["columns"][0]["key"]
    for i, row in enumerate(rows):
        x0 = left + i * band + 4
        for n, name in enumerate(series):
            value = float(row.get(name) or 0)
            height = plot_h * value / peak
            parts.append(f'<rect class="bar" data-series="{escape(name)}" x="{x0 + n * bar:.1f}" '
                         f'y="{top + plot_h - height:.1f}" width="{bar - 1:.1f}" height="{height:.1f}" '
                         f'fill="{COLORS[n % len(COLORS)]}"><title>{escape(titles.get(name, name))}: '
                         f'{_short(value)}</title></rect>')
            if labelled and value:
                parts.append(f'<text class="value" x="{x0 + n * bar + (bar - 1) / 2:.1f}" '
                             f'y="{top + plot_h - height - 3:.1f}" text-anchor="middle" font-size="9">'
                             f'{_short(value)}</text>')
        label = row_label(report, row.get(first), lang)[:14]
        parts.append(f'<text x="{x0 + band / 2 - 4:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _ticks(peak: float) -> list[float]:
    """Round values from 0 to at least `peak` for a chart's axis: four or five steps of 1, 2 or 5 times a power
    of ten."""
    if peak <= 0:
        return [0.0, 1.0]
    rough = peak / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return [step * n for n in range(math.ceil(peak / step - 1e-9) + 1)]


def _short(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".removesuffix(".0") + suffix
    return f"{value:g}"


def conformance_of(crmflow: Engine, query: ConformanceQuery) -> dict:
    """The conformance of the process's cases against its active version's steps (API and page share it): the
    cases started in the period asked, or in the last 90 days."""
    outline = crmflow.authoring.outline(query.process_key)
    steps = {element: step.get("name") or element for element, step in outline["steps"].items()
             if not step["type"].endswith("Gateway")}
    asked, until = moments(query.since, query.until)
    since = asked or period_start(until, crmflow.clock())
    attached = {timer["id"]: element for element, step in outline["steps"].items() for timer in step.get("timers", [])}
    with crmflow.store.read() as session:
        result = reports.conformance(session, query.process_key, steps, since, until,
                                     recorded=crmflow.pack.departures(session, query.process_key, 50),
                                     attached=attached)
    result["since"], result["until"] = days(since, until)
    result["names"] = steps
    for departure in result["departures"]:  # why, in the words of whoever left the path (an override's reason)
        data = departure.get("data") if isinstance(departure.get("data"), dict) else {}
        departure.setdefault("note", data.get("reason") or data.get("text"))
    people: dict[str, dict[str, Any]] = {}
    for departure in result["departures"]:
        person = people.setdefault(departure.get("actor") or "-", {"actor": departure.get("actor") or "-",
                                                                    "departures": 0, "kinds": {}})
        person["departures"] += 1
        person["kinds"][departure["kind"]] = person["kinds"].get(departure["kind"], 0) + 1
    result["by_person"] = sorted(people.values(), key=lambda p: (-p["departures"], p["actor"]))
    result["names_zh"] = {element: step["name_zh"] for element, step in outline["steps"].items()
                          if step.get("name_zh") and element in steps}  # for Chinese readers
    result["pilots"] = [asdict(p) for p in crmflow.authoring.pilots(query.process_key)]  # who tried which version
    return result
