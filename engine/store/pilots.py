"""Pilots as stored: which versions run for which regions or groups before they are current."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from ..errors import Text
from ..pack import CaseScope
from .queries import RowView
from .tables import Pilot


@dataclass(frozen=True)
class PilotView(RowView):
    """A pilot as people see it: the version, its scope, who started and ended it, and how it ended."""

    id: int
    process_key: str
    version: int
    regions: list[str]
    groups: list[str]
    until: datetime | None
    started_by: str | None
    started_at: datetime
    ended_by: str | None = None
    ended_at: datetime | None = None
    outcome: str | None = None


# Every start asks: the statement is built once.
_RUNNING = (select(Pilot).where(Pilot.process_key == bindparam("key"), Pilot.ended_at.is_(None),
                                or_(Pilot.until.is_(None), Pilot.until > bindparam("now"))).order_by(Pilot.id))


def running(session: Session, process_key: str, now: datetime) -> list[Pilot]:
    """The pilots of a process that new cases may start on now (not ended, not past their date)."""
    return list(session.scalars(_RUNNING, {"key": process_key, "now": now}))


def history(session: Session, process_key: str) -> list[PilotView]:
    """Every pilot of a process, newest first."""
    rows = session.scalars(select(Pilot).where(Pilot.process_key == process_key).order_by(Pilot.id.desc()))
    return [PilotView.of(row) for row in rows]


def matching(pilots: list[Pilot], scope: CaseScope) -> tuple[Pilot, str] | None:
    """The pilot a case of this scope starts on, and why; None: the current version."""
    for pilot in pilots:
        if scope.region is not None and scope.region in pilot.regions:
            return pilot, Text("version {version} is piloted in region {region}: {because}", version=pilot.version,
                                region=scope.region, because=scope.because)
        shared = sorted(set(scope.groups) & set(pilot.groups))
        if shared:
            return pilot, Text("version {version} is piloted for group {group}: {because}", version=pilot.version,
                                group=shared[0], because=scope.because)
    return None


def as_dict(pilot: Pilot | PilotView) -> dict[str, Any]:
    """The scope of a pilot as its API answers it."""
    return {"version": pilot.version, "regions": list(pilot.regions), "groups": list(pilot.groups),
            "until": pilot.until.isoformat() if pilot.until else None}
