"""Timer definitions in models: ISO 8601 durations, dates and cycles, quoted or bare, or an expression.

Modelers write `P3D`, `'P3D'` or `"P3D"`; SpiffWorkflow evaluates timer text as an
expression, so bare values are quoted before parsing (`normalize`). Anything else must be a
sandbox expression over case data (`sla['duration']`); cron strings and free text are
refused at deploy, naming the element.
"""
from __future__ import annotations

import ast
import json
import re
from datetime import datetime

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

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
        return "is not a repeating interval such as R3/PT1H"
    if not found.group(1) and not endless_ok:
        return ("repeats without end; give a repeat count such as R3/PT1H (only a timer on the boundary of a step "
                "may repeat without end: it ends with the step)")
    if found.group(1) and int(found.group(1)) > MAX_CYCLES:
        return f"repeats more than {MAX_CYCLES} times"
    parts = found.group(2).split("/")
    if len(parts) > 2 or not all(is_duration(p) or is_date(p) for p in parts) or not any(map(is_duration, parts)):
        return "is not a repeating interval such as R3/PT1H or R3/2026-12-01T09:00:00Z/P1D"
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
