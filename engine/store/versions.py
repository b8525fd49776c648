"""Process keys and their immutable versions; parsed specs cached by content hash.

A version's spec is parsed once per process (per content hash) and shared by every
command; instances store only their state and the id of their version.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, StaleBase, Text
from ..intake.pipeline import Model, message_forms, parse_specs, read_decisions, start_form
from ..intake.properties import START_FOR
from ..intake.xml import process_parameters, reparse
from .tables import ModelForm, Process, ProcessVersion


@dataclass(frozen=True)
class Schedule:
    """When a process starts on its own (its timer start event) and for whom: one case, or one for each member of
    `group`."""

    element_id: str
    expression: str  # a date or a cycle from a first date (intake checked it: timers.schedule_problem)
    group: str | None


@dataclass(frozen=True)
class Specs:
    """The parsed, immutable specs of one version, shared by every instance on it."""

    spec: Any
    subprocess_specs: dict[str, Any]
    parameters: dict[str, Any]
    start_form: str | None = None
    message_forms: dict[str, str] = field(default_factory=dict)

    @cached_property
    def has_timers(self) -> bool:
        """Whether any event of the model (subprocesses included) is a timer: only such instances have timer rows."""
        specs = [self.spec, *self.subprocess_specs.values()]
        return any(isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
                   for spec in specs for task_spec in spec.task_specs.values())

    @cached_property
    def schedule(self) -> Schedule | None:
        """The process's schedule, when its start event is a timer."""
        for task_spec in self.spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(task_spec, StartEvent) and isinstance(definition, TimerEventDefinition):
                group = dict((task_spec.extensions or {}).get("properties", {})).get(START_FOR.name)
                return Schedule(task_spec.bpmn_id, definition.expression, group or None)
        return None


class SpecCache:
    """content hash -> parsed specs; a version is parsed at most once per process."""

    def __init__(self) -> None:
        self._by_hash: dict[str, Specs] = {}
        self._hash_of_version: dict[int, str] = {}
        self._lock = threading.Lock()

    def remember(self, version: ProcessVersion, model: Model) -> None:
        """Keep the specs intake already parsed, so deploy does not parse twice."""
        with self._lock:
            self._by_hash.setdefault(model.content_hash, Specs(model.spec, model.subprocess_specs, model.parameters,
                                                                 model.start_form, model.message_forms))
            self._hash_of_version[version.id] = model.content_hash

    def specs(self, session: Session, version_id: int) -> Specs:
        """The specs of a version, parsing its stored bytes on first use."""
        content_hash = self._hash_of_version.get(version_id)
        if content_hash is not None and content_hash in self._by_hash:
            return self._by_hash[content_hash]
        version = session.get(ProcessVersion, version_id)
        if version is None:
            raise NotFound(Text("process version {id} does not exist", id=version_id))
        specs = self._by_hash.get(version.content_hash) or _parse_stored(version.bpmn, version.process_key,
                                                                         version.decisions)
        with self._lock:
            self._by_hash[version.content_hash] = specs
            self._hash_of_version[version_id] = version.content_hash
        return specs


def _parse_stored(bpmn: bytes, process_key: str, decisions: Mapping[str, str] | None = None) -> Specs:
    """Parse bytes that passed intake when they were deployed (hardened parser, no lint), with their tables."""
    root = reparse(bpmn)
    spec, subprocess_specs = parse_specs(root, process_key, read_decisions(stored_decisions(decisions)))
    return Specs(spec, subprocess_specs, process_parameters(root, process_key), start_form(root, process_key),
                 message_forms(root))


def stored_decisions(decisions: Mapping[str, str] | None) -> dict[str, bytes]:
    """A version's or draft's DMN documents as intake reads them (bytes), from the JSON column."""
    return {key: text.encode("utf-8") for key, text in (decisions or {}).items()}


def store_version(session: Session, model: Model, author: str | None, copied_from: str | None,
                  activate: bool, now: datetime, latest_seen: int | None = None) -> tuple[ProcessVersion, bool]:
    """Insert a version for `model`, or return the one with the same bytes. Returns (version, created).

    :raises StaleBase: when `latest_seen` is given and a newer version of the key was deployed since
    """
    existing = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == model.process_key,
        ProcessVersion.content_hash == model.content_hash)).one_or_none()
    if existing is not None:
        return existing, False
    process = session.get(Process, model.process_key, with_for_update=True)
    if process is None:
        process = Process(key=model.process_key, name=model.name, created_at=now)
        session.add(process)
    else:
        process.name = model.name
    latest = latest_version(session, model.process_key)
    if latest_seen is not None and latest > latest_seen:
        raise StaleBase(Text("'{process}' v{latest} was deployed after this draft was copied (the newest then was "
                             "v{seen}); rebase the draft on v{latest} first", process=model.process_key, latest=latest,
                             seen=latest_seen), latest)
    version = ProcessVersion(process_key=model.process_key, version=latest + 1, content_hash=model.content_hash,
                             bpmn=model.bpmn, name=model.name, active=activate, copied_from=copied_from,
                             author=author, deployed_at=now, warnings=[w.to_dict() for w in model.warnings],
                             dictionary=model.dictionary, name_zh=model.name_zh,
                             decisions={k: v.decode("utf-8") for k, v in model.decisions.items()} or None)
    session.add(version)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(Text("another deploy of '{process}' ran at the same moment; try again",
                            process=model.process_key)) from None
    _store_forms(session, model.forms)
    return version, True


def _store_forms(session: Session, forms: dict[str, dict[str, Any]]) -> None:
    """Keep the forms a model carries; a key is a digest of its schema, so one already there is the same form."""
    if not forms:
        return
    missing = set(forms) - set(session.scalars(select(ModelForm.key).where(ModelForm.key.in_(forms))))
    for key in sorted(missing):
        try:
            with session.begin_nested():
                session.add(ModelForm(key=key, schema=forms[key]))
        except IntegrityError:
            pass  # a concurrent deploy stored the same form


def latest_version(session: Session, process_key: str) -> int:
    """The number of the newest version of a key, active or not (0: none)."""
    return session.scalar(select(func.max(ProcessVersion.version))
                          .where(ProcessVersion.process_key == process_key)) or 0


_NEWEST_ACTIVE = (select(ProcessVersion).where(ProcessVersion.process_key == bindparam("key"),
                                                ProcessVersion.active.is_(True))
                  .order_by(ProcessVersion.version.desc()).limit(1))
_GIVEN_VERSION = select(ProcessVersion).where(ProcessVersion.process_key == bindparam("key"),
                                              ProcessVersion.version == bindparam("version"))


def find_version(session: Session, process_key: str, version: int | None = None) -> ProcessVersion:
    """A given version of a key, or the newest active one (every start asks: the statements are built once).
    :raises NotFound:"""
    if version is None:
        found = session.scalars(_NEWEST_ACTIVE, {"key": process_key}).first()
    else:
        found = session.scalars(_GIVEN_VERSION, {"key": process_key, "version": version}).first()
    if found is None:
        known = session.get(Process, process_key) is not None
        if not known:
            raise NotFound(Text("process '{process}' is not deployed", process=process_key))
        if version is not None:
            raise NotFound(Text("process '{process}' has no version {version}", process=process_key, version=version))
        raise NotFound(Text("process '{process}' has no active version", process=process_key))
    return found


def set_active(session: Session, process_key: str, version: int, active: bool) -> ProcessVersion:
    """Let new starts use (or stop using) a version. :raises NotFound:"""
    found = find_version(session, process_key, version)
    session.execute(update(ProcessVersion).where(ProcessVersion.id == found.id).values(active=active))
    found.active = active
    return found
