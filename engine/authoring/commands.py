"""Authoring's commands: every change to drafts and versions an analyst or administrator makes, each a function
taking the open unit of work first (run by `runtime.unit_of_work.execute`, like the runtime's commands)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, FieldError, InvalidData, NotFound, Text
from ..intake.pipeline import Model
from ..runtime.commands import deploy_version
from ..runtime.unit_of_work import UnitOfWork
from ..store.tables import Draft, Process, ProcessVersion
from ..store.versions import find_version, latest_version, set_active
from . import drafts, pilots
from .drafts import DraftView
from .model_tree import copy_model


def version_of(session: Session, ref: str) -> ProcessVersion:
    """The version `key@version` (or `key`: its newest active one) names, its BPMN loaded. :raises NotFound, InvalidData:"""
    key, _, number = ref.partition("@")
    if number and (not number.isdigit() or len(number) > 10 or int(number) >= 2**31):
        raise InvalidData([FieldError("ref", Text("'{ref}' is not key@version (e.g. customer_approval@1)",
                                                  ref=ref))])
    version = find_version(session, key, int(number) if number else None)
    session.refresh(version, ["bpmn", "decisions"])
    return version


def copy(uow: UnitOfWork, source: str, new_key: str | None, name: str | None) -> DraftView:
    """A draft adapting `source`: its next version (no `new_key`), or a new process whose key the draft reserves.
    :raises NotFound, Conflict:"""
    version = version_of(uow.session, source)
    lineage = f"{version.process_key}@{version.version}"
    if new_key is None or new_key == version.process_key:
        bpmn = copy_model(version.bpmn, version.process_key, version.process_key, name)
        draft = drafts.create(uow.session, uow.now, bpmn, version.process_key, name or version.name, lineage,
                              uow.actor, latest_seen=latest_version(uow.session, version.process_key),
                              decisions=version.decisions)
        return DraftView.of(draft)
    if uow.session.get(Process, new_key) is not None:
        raise Conflict(Text("process key '{new_key}' is already deployed; leave new_key out to adapt it into its next "
                            "version, or choose another key", new_key=new_key))
    holder = drafts.holding_key(uow.session, new_key)
    if holder is not None:
        raise Conflict(Text("process key '{new_key}' is reserved by draft {id} ({author}); choose another key or "
                            "adapt that draft", new_key=new_key, id=holder.id, author=holder.author or '?'))
    bpmn = copy_model(version.bpmn, version.process_key, new_key, name)
    return DraftView.of(drafts.create(uow.session, uow.now, bpmn, new_key, name or version.name, lineage, uow.actor,
                                      decisions=version.decisions))


def save_draft(uow: UnitOfWork, draft_id: str, change: Callable[[Draft], bytes | tuple[bytes, dict[str, bytes]]],
               expected_revision: int | None) -> DraftView:
    """Replace a draft's model (and, where `change` gives them, its decision tables) with `change(draft)`, read
    under the draft's lock. :raises NotFound, Conflict:"""
    draft = drafts.load(uow.session, draft_id, lock=True)
    changed = change(draft)
    bpmn, documents = changed if isinstance(changed, tuple) else (changed, None)
    drafts.replace(draft, bpmn, uow.now, expected_revision)
    if documents is not None:
        draft.decisions = {key: document.decode("utf-8") for key, document in documents.items()} or None
    uow.session.flush()
    return DraftView.of(draft)


def save_decision(uow: UnitOfWork, draft_id: str, decision_id: str, dmn: bytes,
                  expected_revision: int | None) -> DraftView:
    """Replace (or add) one decision table of a draft, read under the draft's lock. :raises NotFound, Conflict:"""
    draft = drafts.load(uow.session, draft_id, lock=True)
    drafts.replace_decision(draft, decision_id, dmn, uow.now, expected_revision)
    uow.session.flush()
    return DraftView.of(draft)


def deploy_draft(uow: UnitOfWork, draft_id: str, revision: int, model: Model, copied_from: str | None,
                 pilot: dict[str, Any] | None, latest_seen: int | None) -> ProcessVersion:
    """Deploy a checked draft as a version (current, or piloted for `pilot`'s scope) and mark the draft deployed.
    :raises Conflict: the draft changed since it was checked :raises StaleBase:"""
    version = deploy_version(uow, model, uow.actor, copied_from, pilot is None, latest_seen)
    row = drafts.load(uow.session, draft_id, lock=True)
    if row.revision != revision or row.deployed_version is not None:
        raise Conflict(Text("draft '{draft_id}' changed while it was being deployed; deploy it again",
                            draft_id=draft_id))
    row.deployed_version = version.version
    if pilot is not None:
        pilots.start(uow, model.process_key, version.version, pilot)
    return version


def rebase(uow: UnitOfWork, draft_id: str, expected_revision: int | None) -> DraftView:
    """Base a next-version draft on its key's newest version, keeping the draft's model. :raises Conflict:"""
    row = drafts.load(uow.session, draft_id, lock=True)
    latest = latest_version(uow.session, row.process_key)
    drafts.rebase(row, f"{row.process_key}@{latest}", latest, uow.now, expected_revision)
    uow.session.flush()
    return DraftView.of(row)


def rollback(uow: UnitOfWork, process_key: str) -> ProcessVersion:
    """Deactivate the newest active version; new starts fall back to the one before. :raises NotFound, Conflict:"""
    active = uow.session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.active.is_(True))
        .order_by(ProcessVersion.version.desc())).all()
    if not active:
        raise NotFound(Text("process '{process_key}' has no active version", process_key=process_key))
    older = uow.session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.version < active[0].version)
        .order_by(ProcessVersion.version.desc())).first()
    if older is None:
        raise Conflict(Text("'{process_key}' v{version} is its first version; there is nothing to roll back to",
                            process_key=process_key, version=active[0].version))
    set_active(uow.session, process_key, active[0].version, False)
    return set_active(uow.session, process_key, older.version, True)
