"""Authoring: how analysts adapt an existing process instead of drawing a new one.

Copy a deployed version into a draft, change the draft (uploaded XML or structured
operations), validate it, diff it against anything, simulate it, and deploy it as a new
version. Models are named by references: `draft:<id>`, `<key>@<version>`, or `<key>`
(its newest active version).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, FieldError, InvalidData, InvalidModel, NotFound, StaleBase, Text
from ..intake.dictionary import decision_fields, derive
from ..intake.lint import condition_problem, lint
from ..intake.pipeline import Model, read_decisions, readable, take_in
from ..intake.xml import serialize
from ..runtime.commands import check_data
from ..runtime.unit_of_work import execute
from ..scripting.decisions import Table
from ..store.compare import compare as compare_versions
from ..store.pilots import PilotView
from ..store.pilots import history as pilot_history
from ..store.queries import VersionView
from ..store.tables import Draft, Process
from ..store.versions import find_version, latest_version, stored_decisions
from . import commands, drafts, migration, pilots
from . import outline as outlines
from . import replay as replays
from .drafts import DraftView
from .operations import apply_edits
from .simulation import simulate

if TYPE_CHECKING:
    from ..runtime.context import Context


KEY_PATTERN = r"^[a-z][a-z0-9_]{2,63}$"
KEY = re.compile(KEY_PATTERN)
DECISION_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")  # an XML id, as DMN tools write them
# A name or short text people type: no control characters, not only spaces (JSON Schema and pydantic read it too).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


def _readable_tables(documents: Mapping[str, bytes]) -> dict[str, Table]:
    """The tables of DMN documents as far as they can be read (a draft's tables may be mid-edit)."""
    try:
        return read_decisions(documents)
    except InvalidModel:
        return {}


def check_key(key: Any, field: str) -> None:
    """A process key chosen by a person: lower-case letters, digits and _, 3 to 64, starting with a letter."""
    if key is None:
        raise InvalidData([FieldError(field, Text("is required (the process key of the copy)"))])
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise InvalidData([FieldError(field, Text("{key} is not a process key: use 3 to 64 lower-case letters, digits "
                                                  "and _, starting with a letter (e.g. order_release_vip)",
                                                  key=repr(str(key)[:70])))])


class Authoring:
    """Drafts and model changes for one context."""

    def __init__(self, context: Context):
        self.context = context

    # -- drafts ---------------------------------------------------------------------------------
    def copy(self, source: str, new_key: Any = None, name: Any = None, author: str | None = None) -> DraftView:
        """A draft adapting `source`, with lineage.

        Without `new_key` the draft becomes the next version of `source`'s own key (deploying it after someone
        else deployed a newer version is refused until it is rebased); with one, a new process whose key the draft
        reserves. :raises NotFound, Conflict, InvalidData:
        """
        if new_key is not None:
            check_key(new_key, "new_key")
        if name is not None and (not isinstance(name, str) or len(name) > 200
                                 or not re.fullmatch(TEXT_PATTERN, name)):
            raise InvalidData([FieldError("name", Text("must be text of 1 to 200 printable characters"))])

        return execute(self.context, commands.copy, source, new_key, name, actor=author)

    def draft(self, draft_id: str) -> DraftView:
        """:raises NotFound:"""
        with self.context.store.read() as session:
            return DraftView.of(drafts.load(session, draft_id))

    def drafts(self, process_key: str | None = None) -> list[DraftView]:
        """Drafts, newest first."""
        with self.context.store.read() as session:
            return drafts.listing(session, process_key)

    def upload(self, draft_id: str, bpmn: bytes, actor: str | None, expected_revision: int | None = None) -> DraftView:
        """Replace a draft with XML from a modeler (or a file).

        It must be safe, schema-valid BPMN holding the draft's process, with no code the sandbox refuses; other
        lint findings (a missing condition while the analyst is still drawing) are kept and shown, and block only
        the deploy. :raises InvalidModel, Conflict:
        """
        current = self.draft(draft_id)
        root, named = readable(bpmn, current.process_key, self.context.limits.model_bytes)
        tables = self._tables(f"draft:{draft_id}")
        unsafe = [p for p in lint(root, self.context.pack, tables=tables)
                  if p.code in _NEVER_SAVED and p.severity == "error"]
        if unsafe:
            raise InvalidModel(unsafe)
        stored = serialize(root) if named else bpmn
        return self._store(draft_id, lambda _: stored, actor, expected_revision)

    def check_condition(self, condition: str, draft_id: str | None = None, flow_id: str | None = None,
                        source_id: str | None = None) -> dict[str, Any]:
        """Whether a gateway condition would pass intake: {"valid", "message", "severity"} (checked as the analyst
        types). With a draft and the flow (or, for a flow not saved yet, its source), against what the case holds
        there. :raises NotFound:"""
        dictionary, where = None, flow_id
        if draft_id is not None:
            with self.context.store.read() as session:
                bpmn = drafts.load(session, draft_id).bpmn
            try:
                dictionary = derive(readable(bpmn, None, self.context.limits.model_bytes)[0], self.context.pack,
                                    self._tables(f"draft:{draft_id}"))
            except InvalidModel:
                dictionary = None  # a draft that is not readable yet: the condition alone is checked
            if dictionary is not None and (flow_id or "") not in dictionary.scopes:
                where = source_id
        problem = condition_problem(condition, self.context.pack, dictionary, where)
        return {"valid": problem is None or problem.severity != "error", "message": problem.message if problem else None,
                "severity": problem.severity if problem else None}

    def edit(self, draft_id: str, operations: Any, actor: str | None,
             expected_revision: int | None = None) -> DraftView:
        """Apply structured operations, all or none. A batch that would leave a condition or script the case
        cannot run as meant (an unknown name, a type mismatch, a number with separators ...) or a decision nobody
        reads is refused, naming the operation. :raises InvalidData: naming the failing operation"""
        def change(draft: Draft) -> tuple[bytes, dict[str, bytes]]:
            edited, documents = apply_edits(draft.bpmn, draft.process_key, operations, self._decisions(),
                                            stored_decisions(draft.decisions))
            before, after = _readable_tables(stored_decisions(draft.decisions)), read_decisions(documents)
            _refuse_new_findings(self._checked(draft.bpmn, before), self._checked(edited, after), operations)
            return edited, documents

        return self._store(draft_id, change, actor, expected_revision)

    def _take_in(self, bpmn: bytes, process_key: str | None, decisions: Mapping[str, bytes] | None = None) -> Model:
        """The whole intake pipeline, as a deploy runs it. :raises InvalidModel:"""
        return take_in(bpmn, self.context.pack, process_key, self.context.limits.model_bytes, decisions)

    def _model(self, ref: str) -> Model:
        """What a reference names, through the whole intake (its BPMN and its decision tables). :raises InvalidModel:"""
        bpmn, key = self.bpmn(ref)
        return self._take_in(bpmn, key, self.decisions(ref))

    def _decisions(self) -> dict[str, list[str]]:
        """Form key -> the decision fields its form records (the pack's forms)."""
        return {key: decision_fields(schema) for key, schema in self.context.pack.forms.items()}

    def _checked(self, bpmn: bytes, tables: Mapping[str, Table]) -> set[tuple[str, str | None, str]]:
        """The checker's errors in a model: (code, element, message)."""
        try:
            root, _ = readable(bpmn, None, self.context.limits.model_bytes)
        except InvalidModel:
            return set()
        return {(p.code, p.element_id, p.message) for p in lint(root, self.context.pack, tables=tables)
                if p.severity == "error" and p.code in CHECKED}

    def _tables(self, ref: str) -> dict[str, Table]:
        """The decision tables a reference carries, as far as they can be read (a draft's tables being edited)."""
        return _readable_tables(self.decisions(ref))

    def _store(self, draft_id: str, change: Callable[[Draft], bytes | tuple[bytes, dict[str, bytes]]], actor: str | None,
               expected_revision: int | None) -> DraftView:
        return execute(self.context, commands.save_draft, draft_id, change, expected_revision, actor=actor)

    def validate(self, ref: str) -> dict[str, Any]:
        """The intake lint of a model: errors and warnings, each with its element."""
        try:
            model = self._model(ref)
        except InvalidModel as exc:
            return {"valid": False, "errors": [p.to_dict() for p in exc.problems], "warnings": []}
        return {"valid": True, "errors": [], "warnings": [w.to_dict() for w in model.warnings]}

    def deploy(self, draft_id: str, actor: str | None, pilot: Any = None) -> VersionView:
        """Deploy a draft as a new immutable version (same bytes: same version); with `pilot` ({"regions",
        "groups", "until"}), as a pilot for that scope only, the current version staying current.

        :raises InvalidModel, StaleBase: (a draft of the next version, when another version was deployed since;
            its details hold the three-way business diff); InvalidData, Conflict: a pilot's scope
        """
        scope = pilots.scope_of(pilot) if pilot is not None else None
        draft = self.draft(draft_id)
        if draft.deployed_version is not None:
            raise Conflict(Text("draft '{draft_id}' is already deployed as version {deployed_version}",
                                draft_id=draft_id, deployed_version=draft.deployed_version))
        model = self._model(f"draft:{draft_id}")
        # A draft of a new process saw no version of its key: one deployed under that key since (by an administrator
        # uploading a model) is not something the draft may silently become the next version of.
        latest_seen = draft.latest_seen if draft.next_version_of else 0
        try:
            return VersionView.of(execute(self.context, commands.deploy_draft, draft_id, draft.revision, model,
                                          draft.copied_from, scope, latest_seen, actor=actor))
        except StaleBase as exc:
            if not draft.next_version_of:
                raise Conflict(Text("process key '{process_key}' got a process of its own (v{latest}) after draft "
                                    "{draft_id} reserved it; this draft would replace it. Copy that process to adapt "
                                    "it, or copy this draft's source again under another key",
                                    process_key=draft.process_key, latest=exc.latest, draft_id=draft_id)) from None
            raise StaleBase(exc.message, exc.latest, [self.three_way(draft_id, exc.latest)]) from None

    def three_way(self, draft_id: str, theirs: int | None = None) -> dict[str, Any]:
        """What the newest version changed since the draft's base, what the draft changed, and where both did."""
        draft = self.draft(draft_id)
        if not draft.next_version_of or not draft.copied_from:
            raise Conflict(Text("draft '{draft_id}' makes a new process; it has no newer version to compare with",
                                draft_id=draft_id))
        base = draft.copied_from
        if theirs is None:
            with self.context.store.read() as session:
                theirs = latest_version(session, draft.process_key)
        theirs_ref = f"{draft.process_key}@{theirs}"
        their_changes, our_changes = self.diff(base, theirs_ref), self.diff(base, f"draft:{draft_id}")
        return {"base": base, "theirs": theirs_ref, "ours": f"draft:{draft_id}",
                "their_changes": their_changes, "our_changes": our_changes,
                "both_changed": outlines.overlap(their_changes, our_changes)}

    def stale(self, draft_id: str) -> dict[str, Any] | None:
        """The three-way diff of an undeployed next-version draft whose key got a newer version since (else None)."""
        draft = self.draft(draft_id)
        if not draft.next_version_of or draft.deployed_version is not None:
            return None
        with self.context.store.read() as session:
            newest = latest_version(session, draft.process_key)
        return self.three_way(draft_id, newest) if newest > (draft.latest_seen or 0) else None

    def rebase(self, draft_id: str, actor: str | None, expected_revision: int | None = None) -> dict[str, Any]:
        """Base a next-version draft on its key's newest version, keeping the draft's model.

        Returns the three-way diff the analyst accepts by rebasing: what the newest version changed that the draft
        does not have (deploying the draft would undo it). :raises Conflict: (not a next-version draft; deployed)
        """
        if not self.draft(draft_id).next_version_of:
            raise Conflict(Text("draft '{draft_id}' makes a new process; only a draft of a process's next version has "
                                "a base to move", draft_id=draft_id))
        comparison = self.three_way(draft_id)

        return {"draft": execute(self.context, commands.rebase, draft_id, expected_revision, actor=actor),
                **comparison}

    # -- reading models -------------------------------------------------------------------------
    def bpmn(self, ref: str) -> tuple[bytes, str]:
        """The bytes and process key a reference names. :raises NotFound, InvalidData:"""
        with self.context.store.read() as session:
            if ref.startswith("draft:"):
                draft = drafts.load(session, ref.removeprefix("draft:"))
                return draft.bpmn, draft.process_key
            version = commands.version_of(session, ref)
            return version.bpmn, version.process_key

    def decisions(self, ref: str) -> dict[str, bytes]:
        """The decision tables a reference carries: decision id -> its DMN document. :raises NotFound, InvalidData:"""
        with self.context.store.read() as session:
            if ref.startswith("draft:"):
                return stored_decisions(drafts.load(session, ref.removeprefix("draft:")).decisions)
            return stored_decisions(commands.version_of(session, ref).decisions)

    def decision(self, ref: str, decision_id: str) -> bytes:
        """One decision table's DMN document. :raises NotFound:"""
        documents = self.decisions(ref)
        if decision_id not in documents:
            raise NotFound(Text("'{ref}' carries no decision table '{decision}' (it carries: {known})", ref=ref,
                                decision=decision_id, known=", ".join(sorted(documents)) or "none"))
        return documents[decision_id]

    def put_decision(self, draft_id: str, decision_id: str, dmn: bytes, actor: str | None,
                     expected_revision: int | None = None) -> DraftView:
        """Replace (or add) one of a draft's decision tables with a DMN document from a table editor.

        It must be safe, valid DMN holding the one decision `decision_id`, every cell one crmflow reads; the
        table lint's findings (an overlap, a gap) are shown on the draft and block only its deploy.
        :raises InvalidModel, Conflict, NotFound:"""
        self.draft(draft_id)
        if not DECISION_ID.fullmatch(decision_id):
            raise NotFound(Text("'{decision}' is not a decision id (letters, digits, _ . -; starting with a letter or _)",
                                decision=decision_id[:80]))
        read_decisions({decision_id: dmn})  # as intake reads a version's tables: one decision, under its id
        return execute(self.context, commands.save_decision, draft_id, decision_id, dmn, expected_revision,
                       actor=actor)

    def source_of(self, ref: str) -> str:
        """The reference a draft was copied from. :raises NotFound:"""
        draft = self.draft(ref.removeprefix("draft:"))
        if not draft.copied_from:
            raise NotFound(Text("draft '{id}' was not copied from a process", id=draft.id))
        return draft.copied_from

    def outline(self, ref: str) -> dict[str, Any]:
        """Steps, lanes, conditions, forms, timers and thresholds of a model."""
        bpmn, key = self.bpmn(ref)
        return outlines.outline(bpmn, key, self._tables(ref))

    def diff(self, old_ref: str, new_ref: str) -> dict[str, Any]:
        """Business-level changes from `old_ref` to `new_ref`."""
        return {"from": old_ref, "to": new_ref, **outlines.diff(self.outline(old_ref), self.outline(new_ref))}

    def simulate(self, ref: str, data: dict[str, Any] | None, answers: dict[str, Any] | None) -> dict[str, Any]:
        """Run a model in memory with sample data and scripted answers; nothing is kept."""
        data = check_data(data, self.context.limits.data)
        if answers is not None and not isinstance(answers, dict):
            raise InvalidData([FieldError("answers", Text("must map element ids to form data (or lists of it)"))])
        return simulate(self.context, self._model(ref), data, answers or {})

    def replay(self, draft_id: str, since: date | None = None, until: date | None = None,
               limit: int | None = None) -> dict[str, Any]:
        """The cases of the draft's process started in the period (default: the last 90 days; at most `limit`,
        default 1,000, the newest), replayed through the draft in memory and compared with what they did; nothing
        is written. :raises NotFound, InvalidModel: (the draft does not pass intake) InvalidData: (period, limit)"""
        draft = self.draft(draft_id)
        since, until, limit = replays.bounds(since, until, limit, self.context.clock().date())
        model = self._model(f"draft:{draft_id}")
        # a copy under a new key replays the cases of the process it was copied from
        recorded_key = draft.process_key if draft.next_version_of or not draft.copied_from \
            else draft.copied_from.split("@")[0]
        return {"draft_id": draft_id, **replays.replay(self.context, model, recorded_key, since, until, limit)}

    # -- versions -------------------------------------------------------------------------------
    def rollback(self, process_key: str, actor: str | None) -> VersionView:
        """Deactivate the newest active version; new starts fall back to the one before. :raises Conflict:"""

        return VersionView.of(execute(self.context, commands.rollback, process_key, actor=actor))

    # -- pilots ---------------------------------------------------------------------------------------
    def pilot(self, process_key: str, version: int, body: Any, actor: str | None) -> PilotView:
        """Pilot a deployed version for some regions or groups. :raises NotFound, Conflict, InvalidData:"""
        scope = pilots.scope_of(body)
        return execute(self.context, pilots.start, process_key, version, scope, actor=actor)

    def end_pilot(self, process_key: str, actor: str | None, version: int | None = None) -> dict[str, Any]:
        """New cases of the pilot's scope start on the current version again. :raises NotFound, Conflict:"""
        return execute(self.context, pilots.finish, process_key, version, False, actor=actor)

    def roll_out(self, process_key: str, actor: str | None, version: int | None = None) -> dict[str, Any]:
        """The piloted version becomes current for everyone; running cases keep theirs, and the answer holds the
        migration dry run from the version that was current. :raises NotFound, Conflict:"""
        done = execute(self.context, pilots.finish, process_key, version, True, actor=actor)
        previous, current = done["previous_version"], done["current_version"]
        if previous is not None and previous != current:
            verdicts = self.plan_migration(process_key, previous, current)
            done["migration"] = {"from_version": previous, "to_version": current, "cases": len(verdicts),
                                 "could_move": sum(v["verdict"] == "ok" for v in verdicts)}
        return done

    def pilots(self, process_key: str) -> list[PilotView]:
        """Every pilot of a process, newest first (running ones without `ended_at`). :raises NotFound:"""
        with self.context.store.read() as session:
            if session.get(Process, process_key) is None:
                raise NotFound(Text("process '{process_key}' is not deployed", process_key=process_key))
            return pilot_history(session, process_key)

    def propose_pilot(self, draft_id: str, body: Any, actor: str | None) -> dict[str, Any]:
        """An analyst proposes the pilot a draft should be deployed as. :raises NotFound, InvalidData:"""
        return execute(self.context, pilots.propose, draft_id, pilots.scope_of(body), actor=actor)

    def compare(self, process_key: str, a: int, b: int, since: datetime | None = None,
                until: datetime | None = None) -> dict[str, Any]:
        """Two versions side by side over the cases each started in the period. :raises NotFound:"""
        with self.context.store.read() as session:
            for version in (a, b):
                find_version(session, process_key, version)
            return compare_versions(session, process_key, a, b, since, until, self.context.clock())

    def plan_migration(self, process_key: str, from_version: int, to_version: int,
                       mapping: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Dry run: a verdict and reason per unfinished instance (`mapping`: old step id -> new step id)."""
        return migration.plan(self.context, process_key, from_version, to_version, mapping)

    def migrate(self, process_key: str, from_version: int, to_version: int, actor: str | None,
                mapping: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Migrate each allowed instance in its own transaction."""
        return migration.migrate(self.context, process_key, from_version, to_version, actor, mapping)


# Refused even in a half-drawn draft: code the sandbox refuses, and what can never mean what was meant.
_NEVER_SAVED = frozenset({"sandbox", "number_separator", "type_mismatch", "not_a_condition"})
# What the checker says of what an analyst wrote (intake/checker.py) and of decisions nobody reads.
CHECKED = frozenset({"number_separator", "unknown_name", "type_mismatch", "not_a_condition", "unknown_field",
                     "wrong_arguments", "decision_unread", "rules_overlap", "output_value", "input_value"})
_TOUCHES = ("flow_id", "element_id", "after", "before", "id")


def _refuse_new_findings(before: set[tuple[str, str | None, str]], after: set[tuple[str, str | None, str]],
                         operations: Any) -> None:
    """:raises InvalidData: for each error the batch brought in, naming the operation that touched its element"""
    new = sorted(after - before, key=lambda f: (f[1] or "", f[0]))
    if not new:
        return
    errors = []
    for code, element, message in new:
        index = next((i for i, op in enumerate(operations) if isinstance(op, dict)
                      and element in {op.get(k) for k in _TOUCHES}), 0 if len(operations) == 1 else None)
        field = "on_refusal" if code == "decision_unread" else "condition"
        if index is not None and operations[index].get("op") == "insert_task" and field == "condition":
            field = "when"
        if index is not None and field == "condition" and "condition" not in operations[index]:
            # what the edit broke stands elsewhere (a service reads a field the changed step no longer sets)
            field = next((k for k in ("form_key", "element_id", "flow_id", "name", "cell", "cells", "rule")
                          if k in operations[index]), "op")
        errors.append(FieldError(f"operations[{index}].{field}" if index is not None else "operations",
                                 Text("{element}: {message}", element=element, message=message) if element
                                 else message))
    raise InvalidData(errors, Text("the edit was not applied: {message}", message=errors[0].message))
