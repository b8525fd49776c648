"""`Engine`: the public face of the runtime. Plain Python; no web framework in here.

Models come in through `deploy` (the intake pipeline); every state change goes through
`execute` (one unit of work); queries read the projection and history.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from .authoring import Authoring
from .errors import BusinessKeyTaken, FieldError, Forbidden, InvalidModel, Problem, Text
from .intake import dmn
from .intake.dialects import named_decisions
from .intake.dictionary import derive
from .intake.pipeline import Model, take_in, top_level_process
from .intake.xml import DEFAULT_MAX_BYTES, check_lxml_version, parse_xml
from .pack import Pack
from .runtime import commands, messages, schedules, webhooks
from .runtime.context import Context, Limits
from .runtime.forms import Forms
from .runtime.instance_run import task_data
from .runtime.outbox import MAX_ATTEMPTS
from .runtime.serializer import StateSerializer
from .runtime.stepping import DEFAULT_STEP_LIMITS, StepLimits
from .runtime.subscriptions import Subscriptions
from .runtime.unit_of_work import execute, utcnow
from .runtime.webhooks import EVENT_TYPES
from .runtime.workflows import DEFAULT_SIZE, Workflows
from .scripting.data import DEFAULT_DATA_LIMITS, DataLimits
from .store import queries
from .store.database import Store
from .store.queries import DeliveryView, EventView, InstanceSearch, InstanceView, TaskView, VersionView, WebhookView
from .store.tables import ProcessVersion, Webhook
from .store.versions import SpecCache, find_version, stored_decisions

T = TypeVar("T")
MAX_TABLE_SOURCES = 500  # versions searched, newest first, for a table a model uploaded alone names


class Engine:
    """Deploys models and runs their instances on one database, with one domain pack."""

    def __init__(self, url: str | None = None, pack: Pack | None = None,
                 clock: Callable[[], datetime] = utcnow, max_model_bytes: int = DEFAULT_MAX_BYTES,
                 data_limits: DataLimits = DEFAULT_DATA_LIMITS, step_limits: StepLimits = DEFAULT_STEP_LIMITS,
                 kept_workflows: int = DEFAULT_SIZE):
        """`kept_workflows`: how many cases' workflows to keep in memory between commands (0: read each from the
        database every time)."""
        check_lxml_version()
        pack = pack or Pack()
        self.context = Context(store=Store(url), pack=pack, clock=clock,
                               limits=Limits(max_model_bytes, data_limits, step_limits),
                               serializer=StateSerializer(), specs=SpecCache(), workflows=Workflows(kept_workflows),
                               forms=Forms(pack), subscriptions=Subscriptions())
        self.authoring = Authoring(self.context)

    @property
    def store(self) -> Store:
        """The database (for a pack's or the web layer's own reads)."""
        return self.context.store

    @property
    def pack(self) -> Pack:
        """The domain pack this engine runs with."""
        return self.context.pack

    @property
    def clock(self) -> Callable[[], datetime]:
        """The engine's clock (injectable for tests)."""
        return self.context.clock

    @property
    def max_model_bytes(self) -> int:
        """The largest model intake takes."""
        return self.context.limits.model_bytes

    def init_db(self) -> None:
        """Create or upgrade the schema (the engine's tables and the pack's)."""
        self.store.upgrade(self.pack.migration_locations())

    def close(self) -> None:
        """Release database connections."""
        self.store.dispose()

    # -- the transaction path -------------------------------------------------------------------
    def execute(self, command: Callable[..., T], *args: Any, actor: str | None = None, **kwargs: Any) -> T:
        """Run one command (a function taking the unit of work first) in one transaction as `actor`; see
        `runtime.unit_of_work.execute`. :raises Unavailable, Conflict:"""
        return execute(self.context, command, *args, actor=actor, **kwargs)

    # -- models ---------------------------------------------------------------------------------
    def check(self, bpmn: bytes, process_key: str | None = None,
              decisions: Mapping[str, bytes] | None = None) -> Model:
        """Run the intake pipeline without storing anything (`decisions`: the DMN documents its business rule tasks
        name, by decision id; `split_decisions` makes them from any DMN file). :raises InvalidModel:"""
        return take_in(bpmn, self.pack, process_key, self.max_model_bytes, decisions)

    def deploy(self, bpmn: bytes, process_key: str | None = None, author: str | None = None,
               activate: bool = True, decisions: Mapping[str, bytes] | None = None) -> VersionView:
        """Store checked bytes (a BPMN model and its decision tables) as a new immutable version; the same bytes
        again give the same version. Without `decisions`, the model runs with the tables its process's newest version
        carries that it still names, and any other it names as deployed last under that decision id (a diagram
        uploaded alone does not drop its decision tables). :raises InvalidModel:"""
        if decisions is None:
            decisions = self._kept_decisions(bpmn, process_key)
        model = self.check(bpmn, process_key, decisions)
        return VersionView.of(self.execute(commands.deploy_version, model, author, activate=activate, actor=author))

    @staticmethod
    def split_decisions(*dmn_files: bytes) -> dict[str, bytes]:
        """DMN files (each holding one or more decision tables) as crmflow keeps them: one document per decision,
        by decision id. :raises InvalidModel: a file or a table has problems, or two files hold one decision id"""
        found: dict[str, bytes] = {}
        for data in dmn_files:
            for decision_id, document in dmn.split(data).items():
                if decision_id in found:
                    raise InvalidModel([Problem("duplicate_decision", Text(
                        "decision '{decision}' is in more than one DMN file: keep one", decision=decision_id),
                        decision_id)])
                found[decision_id] = document
        return found

    def _kept_decisions(self, bpmn: bytes, process_key: str | None) -> dict[str, bytes]:
        """The tables a model uploaded alone runs with: those its process's newest version carries, and for a table
        that one lacks, the newest deployed table under that decision id (as Camunda resolves a decision reference
        by its key); the new version then carries them, fixed by its content hash."""
        try:
            key = process_key or top_level_process(bpmn)
            wanted = named_decisions(parse_xml(bpmn, len(bpmn) + 1))
        except InvalidModel:
            return {}  # the model is refused by intake itself, with the reasons
        if not wanted:
            return {}
        with self.store.read() as session:
            newest = session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == key)
                                     .order_by(ProcessVersion.version.desc()).limit(1)).first()
            kept = {k: v for k, v in (stored_decisions(newest.decisions) if newest is not None else {}).items()
                    if k in wanted}
            missing = set(wanted) - set(kept)
            if missing:
                carried = session.execute(select(ProcessVersion.decisions).where(ProcessVersion.decisions.is_not(None))
                                          .order_by(ProcessVersion.id.desc()).limit(MAX_TABLE_SOURCES))
                for (documents,) in carried:
                    for decision_id, document in stored_decisions(documents).items():
                        if decision_id in missing:
                            kept[decision_id] = document
                            missing.discard(decision_id)
                    if not missing:
                        break
        return kept

    @staticmethod
    def decisions_for(bpmn: bytes, available: Mapping[str, bytes]) -> dict[str, bytes]:
        """Of the decision tables `available` (by decision id), those the model's business rule tasks name.
        :raises InvalidModel: the model cannot be read"""
        wanted = named_decisions(parse_xml(bpmn, len(bpmn) + 1))
        return {key: document for key, document in available.items() if key in wanted}

    def set_active(self, process_key: str, version: int, active: bool, actor: str | None = None) -> VersionView:
        """Activate or deactivate a version for new starts. :raises NotFound:"""
        return VersionView.of(self.execute(commands.set_version_active, process_key, version, active, actor=actor))

    def start_form(self, process_key: str) -> str | None:
        """The form key the active version of a process is started with (None: it takes any data). :raises NotFound:"""
        with self.store.read() as session:
            return self.context.specs.specs(session, find_version(session, process_key).id).start_form

    def form_schema(self, form_key: str | None) -> Mapping[str, Any] | None:
        """The JSON Schema a form key names (a pack form or one a deployed model carries), or None."""
        with self.store.read() as session:
            return self.context.forms.schema(session, form_key)

    def validate_form(self, form_key: str | None, data: Mapping[str, Any]) -> list[FieldError]:
        """Field errors of data submitted with a form, as the command that takes it would find them."""
        with self.store.read() as session:
            return self.context.forms.validate(session, form_key, data)

    def schedules(self) -> dict[str, dict[str, Any]]:
        """The processes that start on their own schedule: process key -> {element_id, schedule (a date or an
        ISO 8601 cycle), start_for (the group each member of which gets a case, or None), next (datetime or
        None)}."""
        with self.store.read() as session:
            return schedules.described(self.context, session, self.context.clock())

    def versions(self, process_key: str | None = None) -> list[VersionView]:
        """Deployed versions with lineage."""
        with self.store.read() as session:
            return queries.versions(session, process_key)

    def dictionary(self, process_key: str, version: int) -> dict[str, Any]:
        """The data dictionary of a version: at each element, the names a case holds and their types (derived
        anew for a version deployed before dictionaries were kept). :raises NotFound:"""
        with self.store.read() as session:
            found = find_version(session, process_key, version)
            session.refresh(found, ["dictionary", "bpmn"])
            return found.dictionary or derive(parse_xml(found.bpmn, len(found.bpmn)), self.pack).to_json()

    # -- commands -------------------------------------------------------------------------------
    def start(self, process_key: str, data: dict[str, Any] | None = None, business_key: str | None = None,
              actor: str | None = None, version: int | None = None,
              idempotency_key: str | None = None, numbered: bool = False) -> InstanceView:
        """Start an instance and run it to its first wait; `numbered`: without a business key, it gets the
        process's next case number. :raises NotFound, InvalidData, DuplicateCase:"""
        args = (process_key, data, business_key, version, idempotency_key, numbered)
        try:
            run = self.execute(commands.start, *args, actor=actor)
        except BusinessKeyTaken:  # lost a race for the key (or the next number): once more sees the winner
            run = self.execute(commands.start, *args, actor=actor)
        return replace(InstanceView.of(run.row), version_reason=run.version_reason)

    def complete(self, task_id: str, actor: str, data: dict[str, Any] | None = None,
                 groups: Collection[str] | None = None, expected_revision: int | None = None) -> InstanceView:
        """Complete a ready task. :raises NotFound, Conflict, Forbidden, InvalidData:"""
        return InstanceView.of(self._guarded_task(commands.complete, task_id, actor, data, groups,
                                                  expected_revision).row)

    def claim(self, task_id: str, actor: str, groups: Collection[str] | None = None) -> TaskView:
        """Take an unclaimed group task. :raises NotFound, Conflict, Forbidden:"""
        return TaskView.of(self._guarded_task(commands.claim, task_id, actor, groups))

    def delegate(self, task_id: str, actor: str, to_user: str, admin: bool = False) -> TaskView:
        """Hand a task to `to_user` (audited). :raises NotFound, Conflict, Forbidden:"""
        return TaskView.of(self._guarded_task(commands.delegate, task_id, actor, to_user, admin))

    def unclaim(self, task_id: str, actor: str) -> TaskView:
        """Give a claimed task back to its group. :raises NotFound, Conflict, Forbidden:"""
        return TaskView.of(self.execute(commands.unclaim, task_id, actor=actor))

    def suspend(self, instance_id: str, actor: str | None = None) -> InstanceView:
        """Pause an instance. :raises NotFound, Conflict:"""
        return InstanceView.of(self.execute(commands.suspend, instance_id, actor=actor).row)

    def resume(self, instance_id: str, actor: str | None = None) -> InstanceView:
        """Resume a suspended instance. :raises NotFound, Conflict:"""
        return InstanceView.of(self.execute(commands.resume, instance_id, actor=actor).row)

    def terminate(self, instance_id: str, actor: str | None = None, reason: str | None = None) -> InstanceView:
        """End an instance and cancel its tasks. :raises NotFound, Conflict:"""
        return InstanceView.of(self.execute(commands.terminate, instance_id, reason, actor=actor).row)

    def retry(self, instance_id: str, data: dict[str, Any] | None = None, actor: str | None = None) -> InstanceView:
        """Re-run an instance stopped by an incident. :raises NotFound, Conflict, InvalidData:"""
        return InstanceView.of(self.execute(commands.retry, instance_id, data, actor=actor).row)

    # -- the systems around it -------------------------------------------------------------------
    def deliver_message(self, name: str, message_id: str, business_key: str | None = None,
                        correlation: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
                        actor: str | None = None) -> dict[str, Any]:
        """Hand a message from outside to the case waiting for it; the same `message_id` again changes nothing
        and answers the first result (with `duplicate: true`). :raises NotFound, InvalidData, Conflict:"""
        try:
            return {**self.execute(messages.deliver, name, message_id, business_key, correlation, data, actor=actor),
                    "duplicate": False}
        except messages.DuplicateMessage:
            return self.execute(messages.first_result, message_id, name, business_key, correlation, data, actor=actor)

    @property
    def event_types(self) -> frozenset[str]:
        """The history event types webhooks may subscribe to: the engine's and the pack's."""
        return EVENT_TYPES | self.pack.event_types

    def register_webhook(self, url: str, events: list[str], secret: str, actor: str | None = None) -> WebhookView:
        """Subscribe a URL to history events. :raises InvalidData:"""
        return _webhook_view(self.execute(webhooks.register, url, events, secret, actor=actor))

    def set_webhook_active(self, hook_id: int, active: bool, actor: str | None = None) -> WebhookView:
        """Pause or resume a webhook. :raises NotFound:"""
        return _webhook_view(self.execute(webhooks.set_active, hook_id, active, actor=actor))

    def webhooks(self) -> list[WebhookView]:
        """Every webhook, without secrets."""
        with self.store.read() as session:
            return [_webhook_view(h) for h in session.scalars(select(Webhook).order_by(Webhook.id))]

    def webhook_deliveries(self, state: str | None = None, limit: int = 100, offset: int = 0) -> list[DeliveryView]:
        """Deliveries newest first: `pending`, `delivered` or `dead` (given up after the last attempt)."""
        with self.store.read() as session:
            return [replace(d, last_error=d.last_error and webhooks.shown(d.last_error))
                    for d in queries.deliveries(session, webhooks.TOPIC, MAX_ATTEMPTS, state, limit, offset)]

    def redeliver(self, delivery_id: str, actor: str | None = None) -> DeliveryView:
        """Send a delivery again with the same id (a dead letter, usually). :raises NotFound:"""
        return DeliveryView.of(self.execute(webhooks.redeliver, delivery_id, actor=actor), MAX_ATTEMPTS)

    def comment(self, instance_id: str, text: str, actor: str) -> EventView:
        """Add a comment to a case's history (append-only). :raises NotFound, InvalidData:"""
        return EventView.of(self.execute(commands.comment, instance_id, text, actor=actor))

    def record_case_denial(self, instance_id: str, actor: str, action: str, reason: str) -> None:
        """Note in a case's history that `actor` was refused `action` on it."""
        self.execute(commands.record_case_denial, instance_id, action, reason, actor=actor)

    def _guarded_task(self, command: Callable[..., T], task_id: str, actor: str | None, *args: Any) -> T:
        """Run a task command; a refusal for lack of rights is recorded in the history, then raised."""
        try:
            return self.execute(command, task_id, *args, actor=actor)
        except Forbidden as refused:
            self.execute(commands.record_denial, task_id, command.__name__, refused.message, actor=actor)
            raise

    # -- queries --------------------------------------------------------------------------------
    def instance(self, instance_id: str) -> InstanceView:
        """An instance's status. :raises NotFound:"""
        with self.store.read() as session:
            return queries.instance_view(session, instance_id)

    def instances(self, process_key: str | None = None, status: str | None = None, limit: int = 50
                  ) -> list[InstanceView]:
        """The most recently updated instances."""
        with self.store.read() as session:
            return queries.list_instances(session, process_key, status, limit)

    def search_instances(self, search: InstanceSearch, page: int = 1, per_page: int = 50
                         ) -> tuple[list[InstanceView], int]:
        """One page of the cases matching every filter given, newest first, and the number matching in all."""
        with self.store.read() as session:
            return queries.search_instances(session, search, page, per_page)

    def instance_path(self, instance_id: str) -> dict[str, set[str]]:
        """The elements an instance is at and has passed (for highlighting its diagram). :raises NotFound:"""
        with self.store.read() as session:
            return queries.instance_path(session, instance_id)

    def task(self, task_id: str) -> TaskView:
        """One task. :raises NotFound:"""
        with self.store.read() as session:
            return queries.task_view(session, task_id)

    def tasks(self, **filters: Any) -> list[TaskView]:
        """Task list from the projection; see `queries.list_tasks` for the filters."""
        with self.store.read_rows() as connection:
            return queries.list_tasks(connection, **filters)

    def history(self, instance_id: str | None = None, business_key: str | None = None) -> list[EventView]:
        """History events, oldest first."""
        with self.store.read() as session:
            return queries.history(session, instance_id, business_key)

    def task_context(self, task_id: str) -> list[dict[str, Any]]:
        """The read-only case facts the pack shows beside a task's form. :raises NotFound:"""
        with self.store.read() as session:
            form_key = queries.task_view(session, task_id).form_key
            return self.pack.task_context(form_key, task_data(self.context, session, task_id), session)

    def task_data(self, task_id: str) -> dict[str, Any]:
        """The data a task currently sees (to prefill its form); reads, never locks. :raises NotFound:"""
        with self.store.read() as session:
            return task_data(self.context, session, task_id)


def _webhook_view(row: Webhook) -> WebhookView:
    """A webhook as administrators see it: never its secret, its URL without credentials."""
    view = WebhookView.of(row)
    return replace(view, url=webhooks.shown(view.url))
