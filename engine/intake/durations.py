"""ISO 8601 durations (`P3D`, `PT4H`) as used by due dates and timers in models."""
from __future__ import annotations

from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..errors import FieldError, InvalidData, Text


def parse_duration(text: str) -> timedelta:
    """`P1DT2H` -> timedelta; months and years count as 30 and 365 days. :raises InvalidData:"""
    try:
        parts = TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception:
        raise InvalidData([FieldError("duration", Text("'{text}' is not an ISO 8601 duration such as P3D or PT4H",
                                                       text=text))]) from None
    return timedelta(days=parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("days", 0),
                     weeks=parts.get("weeks", 0), hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                     seconds=parts.get("seconds", 0))
