"""Scheduled starts: a process whose start event is a timer starts on its own, each firing once across all workers.

The current version's start event says when (a date, or a cycle from a first date: `R/2027-01-01T00:00:00+08:00/P1M`)
and, with `startFor`, for whom: one case for each member of a group, the member's user name in `member`. Every case
holds `scheduled_for`, the firing it was started for, and is numbered after it (FC-2027-01-01-alice).

Firings count from the moment the current version was deployed: a new version never fires again what an older one
fired, and a schedule whose worker was stopped fires the latest firing it missed once, not every one. A firing is
taken by inserting its `scheduled_start` row in the transaction that starts its cases: of two workers, the second
finds the row taken (a unique key) and starts nothing; a crash before commit leaves the firing due.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, EngineError
from ..intake.properties import MEMBER
from ..intake.timers import firing_label, latest_firing, next_firing, unquoted
from ..store.tables import ProcessVersion, ScheduledStart
from ..store.versions import Schedule, find_version
from . import commands

if TYPE_CHECKING:
    from .context import Context
    from .unit_of_work import UnitOfWork

log = logging.getLogger("crmflow.schedules")
MAX_CASES = 5000  # one firing starts at most this many cases (members of its group): one transaction


class FiredAlready(Conflict):
    """Another worker took this firing first."""

    code = "fired_already"


@dataclass(frozen=True)
class Current:
    """What a schedule needs of the version new cases start on."""

    id: int
    version: int
    deployed_at: datetime


def current(context: Context, session: Session) -> dict[str, tuple[Current, Schedule]]:
    """Process key -> (its current version, that version's schedule), for the processes that start on one (each
    worker round asks: a few columns of the active versions; their specs come from the cache)."""
    newest: dict[str, Current] = {}
    for key, version_id, number, deployed_at in session.execute(
            select(ProcessVersion.process_key, ProcessVersion.id, ProcessVersion.version, ProcessVersion.deployed_at)
            .where(ProcessVersion.active.is_(True)).order_by(ProcessVersion.process_key, ProcessVersion.version.desc())):
        newest.setdefault(key, Current(version_id, number, deployed_at))
    found = {}
    for key, version in newest.items():
        schedule = context.specs.specs(session, version.id).schedule
        if schedule is not None:
            found[key] = (version, schedule)
    return found


def due(context: Context, session: Session, now: datetime) -> list[tuple[str, datetime]]:
    """(process key, firing) of each schedule due at `now` and not fired yet; no locks taken."""
    fired: dict[str, datetime] = {}
    for key, at in session.execute(select(ScheduledStart.process_key, func.max(ScheduledStart.due_at))
                                   .group_by(ScheduledStart.process_key)):
        fired[key] = at
    found = []
    for key, (version, schedule) in current(context, session).items():
        after = max(version.deployed_at, fired[key]) if key in fired else version.deployed_at
        firing = latest_firing(schedule.expression, after, now, version.deployed_at)
        if firing is not None:
            found.append((key, firing))
    return found


def described(context: Context, session: Session, now: datetime) -> dict[str, dict[str, Any]]:
    """Process key -> when it next starts on its own and for whom, for the catalog."""
    return {key: {"element_id": schedule.element_id, "schedule": unquoted(schedule.expression) or schedule.expression,
                  "start_for": schedule.group, "next": next_firing(schedule.expression, max(now, version.deployed_at),
                                                                       version.deployed_at)}
            for key, (version, schedule) in current(context, session).items()}


def fire(uow: UnitOfWork, process_key: str, due_at: datetime) -> list[str]:
    """The command that takes one firing and starts its cases; returns their instance ids.
    :raises FiredAlready: another worker took it :raises NotFound: the process has no active version any more"""
    version = find_version(uow.session, process_key)
    schedule = uow.context.specs.specs(uow.session, version.id).schedule
    if schedule is None or latest_firing(schedule.expression, version.deployed_at, uow.now,
                                         version.deployed_at) != due_at:
        return []  # the version changed since the worker looked: the next round reads the new one
    taken = ScheduledStart(process_key=process_key, due_at=due_at, version=version.version, fired_at=uow.now,
                           instance_ids=[], notes=[])
    uow.session.add(taken)
    try:
        uow.session.flush()
    except IntegrityError:
        raise FiredAlready(f"the firing of '{process_key}' due {due_at.isoformat()} was taken by another worker") \
            from None
    members: Sequence[str | None] = [None]
    if schedule.group is not None:
        everyone = sorted(set(uow.context.pack.members(schedule.group, uow.session)))
        members = everyone[:MAX_CASES]
        if not members:
            taken.notes = [f"group '{schedule.group}' has nobody who can work: no case was started"]
        elif len(everyone) > MAX_CASES:
            taken.notes = [f"group '{schedule.group}' has {len(everyone):,} members; cases were started for the "
                           f"first {MAX_CASES:,} by name only"]
    number = f"{uow.context.pack.case_number_prefix(process_key)}-{firing_label(schedule.expression, due_at)}"
    started, notes = [], list(taken.notes)
    for member in members:
        data = {"scheduled_for": due_at.isoformat(), **({MEMBER: member} if member is not None else {})}
        try:
            run = commands.start(uow, process_key, data, f"{number}-{member}" if member else number, scheduled=True)
        except EngineError as exc:  # refused before anything was written for it: the others still start
            notes.append(f"{member or process_key}: {exc.message}")
            continue
        started.append(run.row.id)
    taken.instance_ids, taken.notes = started, notes
    for note in notes:
        log.warning("schedule of %s due %s: %s", process_key, due_at.isoformat(), note)
    return started
