"""Pilots: a version tried in some regions or groups before it is current, then rolled out or ended.

A pilot names the regions (a case belongs to its customer's region) and groups (a case without a
customer, to its starter's) whose new cases start on the piloted version, optionally until a date;
every other new case starts on the current version, and running cases keep theirs. Two pilots of a
process never share a region or a group. Rolling out makes the piloted version current for everyone
(cases already running stay where they are; the migration dry run says which could move); ending sends
new cases back to the current version. Each is recorded with who and when.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ..errors import Conflict, FieldError, InvalidData, NotFound, Text
from ..runtime.unit_of_work import UnitOfWork
from ..store import pilots
from ..store.pilots import PilotView
from ..store.tables import Draft, Pilot, Process, ProcessVersion
from ..store.versions import find_version

MAX_SCOPE = 50


def scope_of(body: Any) -> dict[str, Any]:
    """A pilot's scope from what was sent: {"regions", "groups", "until"}. :raises InvalidData: naming the field"""
    if not isinstance(body, dict):
        raise InvalidData([FieldError("pilot", Text("give {{\"regions\": [...], \"groups\": [...], \"until\": date?}}"))])
    errors: list[FieldError] = []
    scope: dict[str, Any] = {}
    for name in ("regions", "groups"):
        value = body.get(name) or []
        if not isinstance(value, list) or len(value) > MAX_SCOPE or not all(
                isinstance(v, str) and 0 < len(v) <= 64 for v in value):
            errors.append(FieldError(name, Text("must be a list of at most {max_scope} names",
                                                max_scope=MAX_SCOPE)))
        scope[name] = sorted(set(value)) if isinstance(value, list) else []
    if not errors and not scope["regions"] and not scope["groups"]:
        errors.append(FieldError("regions", Text("name at least one region or group the pilot is for")))
    until = body.get("until")
    try:
        scope["until"] = datetime.fromisoformat(until) if isinstance(until, str) else None
    except ValueError:
        scope["until"] = None
    if until is not None and scope["until"] is None:
        errors.append(FieldError("until", Text("must be a date (YYYY-MM-DD) or date and time")))
    if errors:
        raise InvalidData(errors)
    return scope


def start(uow: UnitOfWork, process_key: str, version: int, scope: dict[str, Any]) -> PilotView:
    """Pilot a deployed version for a scope. :raises NotFound, Conflict, InvalidData:"""
    uow.session.get(Process, process_key, with_for_update=True)  # one pilot decision of a process at a time
    target = find_version(uow.session, process_key, version)
    until = _aware(scope["until"], uow.now)
    problems = uow.context.pack.scope_problems(scope["regions"], scope["groups"], uow.session)
    if until is not None and until <= uow.now:
        problems.append(FieldError("until", Text("must lie in the future")))
    if problems:
        raise InvalidData(problems)
    current = _current(uow, process_key)
    if current is None:
        raise Conflict(Text("'{process_key}' has no current version for the cases outside the pilot; deploy one first",
                            process_key=process_key))
    if current.id == target.id:
        raise Conflict(Text("version {version} of '{process_key}' is already current for everyone; pilot another",
                            version=version, process_key=process_key))
    for other in pilots.running(uow.session, process_key, uow.now):
        shared = sorted((set(other.regions) & set(scope["regions"])) | (set(other.groups) & set(scope["groups"])))
        if shared:
            raise Conflict(Text("version {version} of '{process_key}' already runs as a pilot for {names}; end that "
                                "pilot first", version=other.version, process_key=process_key,
                                names=', '.join(shared)), [{"field": "pilot", "pilot_id": other.id}])
    pilot = Pilot(process_key=process_key, version=version, regions=scope["regions"], groups=scope["groups"],
                  until=until, started_by=uow.actor, started_at=uow.now)
    uow.session.add(pilot)
    uow.session.flush()
    return PilotView.of(pilot)


def finish(uow: UnitOfWork, process_key: str, version: int | None, roll_out: bool) -> dict[str, Any]:
    """End a running pilot, or roll it out (its version current for everyone). :raises NotFound, Conflict:"""
    uow.session.get(Process, process_key, with_for_update=True)
    running = [p for p in pilots.running(uow.session, process_key, uow.now) if version in (None, p.version)]
    if not running:
        raise NotFound(Text("no pilot of '{process_key}'{value} is running", process_key=process_key,
                            value=Text(" version {version}", version=version) if version else ""))
    if len(running) > 1:
        raise Conflict(Text("{count} pilots of '{process_key}' run (versions {names}); name the version",
                            count=len(running), process_key=process_key,
                            names=', '.join(str(p.version) for p in running)))
    [pilot] = running
    before = _current(uow, process_key)
    if roll_out:
        uow.session.execute(update(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                         ProcessVersion.version > pilot.version)
                            .values(active=False))
        uow.session.execute(update(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                         ProcessVersion.version == pilot.version)
                            .values(active=True))
    pilot.ended_by, pilot.ended_at, pilot.outcome = uow.actor, uow.now, "rolled_out" if roll_out else "ended"
    uow.session.flush()
    return {"pilot": PilotView.of(pilot), "current_version": pilot.version if roll_out else (
        before.version if before else None), "previous_version": before.version if before else None}


def propose(uow: UnitOfWork, draft_id: str, scope: dict[str, Any]) -> dict[str, Any]:
    """An analyst's proposal of a pilot for a draft, kept on the draft for an administrator. :raises NotFound:"""
    draft = uow.session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(Text("draft '{draft_id}' does not exist", draft_id=draft_id))
    problems = uow.context.pack.scope_problems(scope["regions"], scope["groups"], uow.session)
    if problems:
        raise InvalidData(problems)
    draft.proposed_pilot = {**scope, "until": scope["until"].isoformat() if scope["until"] else None,
                            "proposed_by": uow.actor}
    return draft.proposed_pilot


def _current(uow: UnitOfWork, process_key: str) -> ProcessVersion | None:
    return uow.session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                            ProcessVersion.active.is_(True))
                               .order_by(ProcessVersion.version.desc()).limit(1)).first()


def _aware(moment: datetime | None, now: datetime) -> datetime | None:
    """A date without a zone is the end of that day in the engine's zone (UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
        if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
            moment = moment.replace(hour=23, minute=59, second=59)
    return moment
