"""Timer definitions in models: ISO 8601 durations, dates and cycles, quoted or bare, or an expression.

Modelers write `P3D`, `'P3D'` or `"P3D"`; SpiffWorkflow evaluates timer text as an
expression, so bare values are quoted before parsing (`normalize`). Anything else must be a
sandbox expression over case data (`sla['duration']`); cron strings and free text are
refused at deploy, naming the element.
"""
from __future__ import annotations

import ast
import calendar
import json
import re
from datetime import datetime, timedelta

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..errors import Text
from .xml import NS, local_name

MAX_CYCLES = 1000
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_CYCLE = re.compile(r"^R(\d*)/(.+)$")
KINDS = {"timeDuration": "duration (e.g. P3D, PT4H)", "timeDate": "date and time (e.g. 2026-12-01T09:00:00+08:00)",
         "timeCycle": "cycle with a repeat count (e.g. R3/PT1H)"}


def is_duration(text: str) -> bool:
    """An ISO 8601 duration such as P3D or PT4H30M."""
    return bool(_DURATION.match(text))


def is_date(text: str) -> bool:
    """An ISO 8601 date or date-time."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def cycle_problem(text: str, endless_ok: bool = False) -> str | None:
    """Why an ISO 8601 repeating interval (`R3/PT1H`) is not accepted, or None when it is. `R/PT1H` repeats
    without end: only where something else ends it (`endless_ok`: a timer on the boundary of a step)."""
    found = _CYCLE.match(text)
    if not found:
        return Text("is not a repeating interval such as R3/PT1H")
    if not found.group(1) and not endless_ok:
        return (Text("repeats without end; give a repeat count such as R3/PT1H (only a timer on the boundary of a "
                     "step may repeat without end: it ends with the step)"))
    if found.group(1) and int(found.group(1)) > MAX_CYCLES:
        return Text("repeats more than {max_cycles} times", max_cycles=MAX_CYCLES)
    parts = found.group(2).split("/")
    if len(parts) > 2 or not all(is_duration(p) or is_date(p) for p in parts) or not any(map(is_duration, parts)):
        return Text("is not a repeating interval such as R3/PT1H or R3/2026-12-01T09:00:00Z/P1D")
    return None


def literal(text: str, kind: str) -> bool:
    """True when `text` (unquoted) is an ISO 8601 value of the kind a timer element holds."""
    if kind == "timeDuration":
        return is_duration(text)
    if kind == "timeDate":
        return is_date(text)
    return cycle_problem(text, endless_ok=True) is None


def endless(text: str) -> bool:
    """A cycle that repeats without end (`R/PT1H`)."""
    found = _CYCLE.match(text.strip().upper())
    return found is not None and not found.group(1)


def unquoted(text: str) -> str | None:
    """The content of a quoted string literal, or None when `text` is not one."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    return None


def looks_iso(text: str) -> bool:
    """Meant as an ISO 8601 value (P..., R.../..., a date), whether or not it is a valid one."""
    return bool(re.match(r"^(R\d*/|P\d|PT\d|\d{4}-\d)", text))


def is_bare_name(text: str) -> bool:
    """A single word: free text, or a data field written without saying so."""
    return text.isidentifier()


def normalize(root: etree._Element) -> None:
    """Quote bare ISO 8601 timer values, so SpiffWorkflow evaluates them as the text they are."""
    for timer in root.iterfind(".//bpmn:timerEventDefinition", NS):
        for part in timer:
            text = (part.text or "").strip() if isinstance(part.tag, str) else ""
            if text and local_name(part) in KINDS and literal(text.upper(), local_name(part)):
                part.text = json.dumps(text.upper())


def cycle_parts(expression: str) -> tuple[int, datetime | None, float]:
    """(repeat count, first due time if the cycle names one, seconds between firings) of `R3/PT1H`; the count
    of a cycle without end (`R/PT1H`) is -1, as SpiffWorkflow counts it."""
    count, rest = _CYCLE.match(expression.strip().upper()).groups()  # type: ignore[union-attr]
    parts = rest.split("/")
    start = next((datetime.fromisoformat(p) for p in parts if is_date(p)), None)
    duration = next(p for p in parts if is_duration(p))
    seconds = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(duration))
    return int(count) if count else -1, start, seconds.total_seconds()


# -- schedules: a process whose start event is a timer starts on its own ---------------------------------------------
SCHEDULE_DATA = ("scheduled_for",)  # what every scheduled case holds from its start: the firing it was started for


def schedule_problem(text: str) -> str | None:
    """Why a start event's timer value cannot be a schedule, or None. A schedule is written out: a date
    (`2027-01-01T09:00:00+08:00`, once) or a cycle, best from a first date (`R/2027-01-01T00:00:00+08:00/P1M`, the
    first of every month; `R/P1D` counts from the deploy); it cannot read case data, since there is no case yet."""
    bare = _bare(text)
    if is_date(bare):
        return None if datetime.fromisoformat(bare).tzinfo is not None else (
            Text("'{bare}' names no time zone; add one, e.g. {bare}+08:00", bare=bare))
    problem = cycle_problem(bare, endless_ok=True)
    if problem is not None:
        return Text("is not a date or a repeating interval such as R/2027-01-01T00:00:00+08:00/P1M: {problem}",
                    problem=problem)
    parts = _CYCLE.match(bare).group(2).split("/")  # type: ignore[union-attr]
    first = next((p for p in parts if is_date(p)), None)
    if first is not None and parts.index(first) != 0:
        return Text("names its end, not its first firing: write R/{first}/{parts} to start from {first}", first=first,
                    parts=parts[0])
    if first is not None and datetime.fromisoformat(first).tzinfo is None:
        return Text("its first firing '{first}' names no time zone; add one, e.g. {first}+08:00", first=first)
    if not any(_step(parts[-1]).values()):
        return Text("repeats every zero seconds")
    return None


def latest_firing(text: str, after: datetime, until: datetime, origin: datetime | None = None) -> datetime | None:
    """The latest firing of a schedule (see `schedule_problem`) in (after, until], or None. Months and years are
    counted on the calendar from the first firing, in its time zone (the 31st of each month falls on the last day
    of a shorter month). A cycle without a first date first fires one step after `origin` (its deploy; else
    `after`)."""
    at = _date(text)
    if at is not None:
        return at if after < at <= until else None
    count, first, step = _cycle(text, origin or after)
    if first > until:
        return None
    n = _last_index(first, step, until)
    at = _nth(first, step, n if count is None else min(n, count - 1))
    return at if after < at <= until else None


def next_firing(text: str, after: datetime, origin: datetime | None = None) -> datetime | None:
    """The first firing of a schedule after `after`, or None when it fires no more."""
    at = _date(text)
    if at is not None:
        return at if at > after else None
    count, first, step = _cycle(text, origin or after)
    n = 0 if first > after else _last_index(first, step, after) + 1
    return None if count is not None and n >= count else _nth(first, step, n)


def firing_label(text: str, at: datetime) -> str:
    """How a firing is named in case numbers: its date, and its time too when the schedule fires within a day."""
    if _date(text) is None:
        step = _cycle(text, at)[2]
        if not any(step[unit] for unit in ("years", "months", "weeks", "days")):
            return at.strftime("%Y-%m-%dT%H%M")
    return at.date().isoformat()


def _bare(text: str) -> str:
    """A schedule's value as written, unquoted (the model may quote it), in upper case."""
    value = unquoted(text)
    return (text if value is None else value).strip().upper()


def _date(text: str) -> datetime | None:
    bare = _bare(text)
    return datetime.fromisoformat(bare) if is_date(bare) else None


def _cycle(text: str, origin: datetime) -> tuple[int | None, datetime, dict[str, float]]:
    """(repeat count, None without end; first firing; the step) of a schedule's cycle; without a first date it
    first fires one step after `origin`."""
    count_text, rest = _CYCLE.match(_bare(text)).groups()  # type: ignore[union-attr]
    *first_text, duration = rest.split("/")
    step = _step(duration)
    first = datetime.fromisoformat(first_text[0]) if first_text else _nth(origin, step, 1)
    return (int(count_text) if count_text else None), first, step


def _last_index(first: datetime, step: dict[str, float], until: datetime) -> int:
    """The largest n whose firing is at or before `until` (from an estimate, a few steps either way)."""
    seconds = timedelta(days=step["years"] * 365.25 + step["months"] * 30.44 + step["weeks"] * 7 + step["days"],
                        hours=step["hours"], minutes=step["minutes"], seconds=step["seconds"]).total_seconds()
    n = max(int((until - first).total_seconds() // seconds) - 1, 0)
    while _nth(first, step, n + 1) <= until:
        n += 1
    while n > 0 and _nth(first, step, n) > until:
        n -= 1
    return n


def _step(duration: str) -> dict[str, float]:
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return {unit: parsed.get(unit, 0) for unit in ("years", "months", "weeks", "days", "hours", "minutes", "seconds")}


def _nth(first: datetime, step: dict[str, float], n: int) -> datetime:
    """The n-th firing after `first`: whole months on the calendar, the rest as elapsed time."""
    months = int(step["years"] * 12 + step["months"]) * n
    year, month = divmod(first.month - 1 + months, 12)
    day = min(first.day, calendar.monthrange(first.year + year, month + 1)[1])
    shifted = first.replace(year=first.year + year, month=month + 1, day=day)
    return shifted + n * timedelta(weeks=step["weeks"], days=step["days"], hours=step["hours"],
                                   minutes=step["minutes"], seconds=step["seconds"])

