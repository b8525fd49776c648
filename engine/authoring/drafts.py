"""Drafts: the copies analysts adapt before an administrator deploys them."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from ..errors import Conflict, NotFound, Text
from ..store.queries import RowView
from ..store.tables import Draft


@dataclass(frozen=True)
class DraftView(RowView):
    """A draft without its bytes."""

    id: str
    process_key: str
    name: str
    copied_from: str | None
    author: str | None
    created_at: datetime
    updated_at: datetime
    revision: int
    deployed_version: int | None
    latest_seen: int | None
    base_version: int | None
    next_version_of: bool
    proposed_pilot: dict[str, Any] | None = None  # what an analyst proposes: {"regions", "groups", "until"}


def create(session: Session, now: datetime, bpmn: bytes, process_key: str, name: str, copied_from: str | None,
           author: str | None, latest_seen: int | None = None, decisions: dict[str, str] | None = None) -> Draft:
    """A new draft holding `bpmn` and its decision tables (`latest_seen`: it is its key's next version, see
    `Draft.latest_seen`)."""
    draft = Draft(id=str(uuid.uuid4()), process_key=process_key, name=name, bpmn=bpmn, copied_from=copied_from,
                  author=author, created_at=now, updated_at=now, latest_seen=latest_seen, decisions=decisions or None)
    session.add(draft)
    session.flush()
    return draft


def load(session: Session, draft_id: str, lock: bool = False) -> Draft:
    """A draft with its bytes. :raises NotFound:"""
    query = select(Draft).where(Draft.id == draft_id).options(undefer(Draft.bpmn), undefer(Draft.decisions))
    draft = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if draft is None:
        raise NotFound(Text("draft '{draft_id}' does not exist", draft_id=draft_id))
    return draft


def replace(draft: Draft, bpmn: bytes, now: datetime, expected_revision: int | None) -> None:
    """Store new bytes in a draft. :raises Conflict: when someone else saved it meanwhile"""
    _check_editable(draft, expected_revision)
    draft.bpmn, draft.updated_at = bpmn, now


def replace_decision(draft: Draft, decision_id: str, dmn: bytes, now: datetime, expected_revision: int | None) -> None:
    """Store a new version of one of a draft's decision tables. :raises Conflict: someone else saved it meanwhile"""
    _check_editable(draft, expected_revision)
    draft.decisions = {**(draft.decisions or {}), decision_id: dmn.decode("utf-8")}
    draft.updated_at = now


def rebase(draft: Draft, base: str, latest: int, now: datetime, expected_revision: int | None) -> None:
    """Move a next-version draft onto `base` (key@version), `latest` being its key's newest version."""
    _check_editable(draft, expected_revision)
    draft.copied_from, draft.latest_seen, draft.updated_at = base, latest, now


def _check_editable(draft: Draft, expected_revision: int | None) -> None:
    if expected_revision is not None and draft.revision != expected_revision:
        raise Conflict(Text("draft '{id}' was changed by someone else (revision {revision}, you have "
                            "{expected_revision}); reload it and apply your change again", id=draft.id,
                            revision=draft.revision, expected_revision=expected_revision))
    if draft.deployed_version is not None:
        raise Conflict(Text("draft '{id}' was deployed as version {deployed_version}; copy that version to change it "
                            "further", id=draft.id, deployed_version=draft.deployed_version))


def holding_key(session: Session, process_key: str) -> Draft | None:
    """The undeployed draft that reserved a new process key, if any.

    Asked under a lock on the key, held until the transaction ends, so two copies to one new key at the same moment
    cannot both find it free (on SQLite every write transaction holds the write lock already; PostgreSQL takes a
    transaction-level advisory lock on the key's hash: at worst two keys sharing a hash wait for each other).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(process_key, 0))))
    return session.scalars(select(Draft).where(Draft.process_key == process_key,
                                               Draft.deployed_version.is_(None))).first()


def listing(session: Session, process_key: str | None = None) -> list[DraftView]:
    """Drafts, newest first."""
    query = select(Draft).order_by(Draft.updated_at.desc())
    if process_key:
        query = query.where(Draft.process_key == process_key)
    return [DraftView.of(d) for d in session.scalars(query)]
