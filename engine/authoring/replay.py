"""Replay: what a draft would have done to the cases the company really ran.

Each recorded case runs again through the draft, in memory, from its start data. Then what happened to it is
fed in the order it happened, each at its recorded moment: the answers its people submitted, the messages it
received, the timers that fired, a retry after an incident, a termination. Each service call gets back what it
answered then, when the draft makes it with the inputs it had then; a call the draft adds, or makes with other
inputs, runs against today's records in a transaction that is rolled back (the simulation's dry mode: no record
changes, no outbox), and the case says so. Nothing is written: not a row, not an event.

A replayed case is compared with its recording up to where the recording is now (a running case, up to the
step it waits at): `same`, `changed` (the first difference, the steps added and skipped, the control points
that would fire or no longer fire) or `not_replayable` with the reason, where a faithful replay cannot be made:
the step it waits at was removed, a recorded answer no longer fits the draft's form, the draft reads today's
records where the case's own data should decide, or a service would have to run that has no dry mode.

Timers: one the draft keeps as it was (same element, same definition) fires when the recording says it fired,
and never where it did not; one the draft adds or changes fires at its own due time, if that comes before what
happened next. Answers recorded for a step the draft removed are passed over; a step the draft adds waits, as
it would have, for someone to do it, and the recorded answers after it stay unused.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_start
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import EngineError, FieldError, InvalidData, Text
from ..intake.forms import field_errors
from ..intake.pipeline import Model
from ..intake.properties import FORM_KEY
from ..pack import ServiceCall
from ..runtime import timers
from ..runtime.elements import element_of, is_model_element, task_properties, waiting_elements
from ..runtime.instance_run import restore
from ..runtime.stepping import run_engine_steps
from ..runtime.unit_of_work import UnitOfWork
from ..runtime.webhooks import EVENT_TYPES
from ..scripting.script_engine import SandboxScriptEngine
from ..store.tables import HistoryEvent, Instance

if TYPE_CHECKING:
    from ..runtime.context import Context

DEFAULT_DAYS, DEFAULT_LIMIT, MAX_LIMIT = 90, 1_000, 10_000
MAX_EVENTS = 5_000  # a case with a longer history is not followed (said as its reason)
MAX_ROUNDS = 5_000  # inputs fed and timers fired in one case's replay
CASE_SECONDS = 5.0  # one case's replay, at most (a simulation's budgets apply to each of its steps too)
TOTAL_SECONDS = 25.0  # the whole replay (inside a server's 30 s request timeout): past it, the rest is cut
CHUNK = 500  # cases whose history is read at once
ENDED = ("completed", "terminated")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # a period's days (far ones overflow date arithmetic)


def bounds(since: date | None, until: date | None, limit: Any, today: date) -> tuple[date, date, int]:
    """The days asked for (by default the last 90 days up to today) and the most cases to replay.
    :raises InvalidData: naming `since` or `limit`"""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidData([FieldError(name, Text("must be a day from {first_day} to {last_day}",
                                                     first_day=FIRST_DAY, last_day=LAST_DAY))])
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        raise InvalidData([FieldError("since", Text("is after until ({isoformat})", isoformat=until.isoformat()))])
    if limit is None:
        limit = DEFAULT_LIMIT
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidData([FieldError("limit", Text("must be a whole number from 1 to {max_limit:,}",
                                                    max_limit=MAX_LIMIT))])
    return since, until, limit


def replay(context: Context, model: Model, process_key: str, since: date, until: date,
           limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """Replay the cases of `process_key` started from `since` to `until` (inclusive) through `model`.

    The newest `limit` cases are taken when more were started (the answer says so).
    """
    context.forms.remember(model.forms)
    start, end = (datetime.combine(day, day_start(), tzinfo=UTC) for day in (since, until + timedelta(days=1)))
    now = context.clock()
    verdicts: list[dict[str, Any]] = []
    started = time.monotonic()
    with context.store.snapshot() as session:  # cases, histories and states as of one moment
        in_period = (Instance.process_key == process_key, Instance.started_at >= start, Instance.started_at < end)
        total = session.scalar(select(func.count()).select_from(Instance).where(*in_period)) or 0
        ids = list(session.scalars(select(Instance.id).where(*in_period)
                                   .order_by(Instance.started_at.desc(), Instance.id).limit(limit)))[::-1]
        draft = _Draft(context, model)
        facts: list[_Facts] = []
        out_of_time = False
        for chunk in _chunks(ids, CHUNK):
            for recording in _recordings(context, session, chunk, now):
                if time.monotonic() - started > TOTAL_SECONDS:
                    out_of_time = True
                    break
                case = _CaseReplay(context, session, draft, recording, now)
                verdicts.append(case.verdict())
                facts.append(case.facts)
            if out_of_time:
                break
    cut = _cut(total, len(ids), len(verdicts), out_of_time)
    counts = Counter(v["verdict"] for v in verdicts)
    return {"process_key": process_key, "since": since.isoformat(), "until": until.isoformat(),
            "replayed": len(verdicts), "same": counts["same"], "changed": counts["changed"],
            "not_replayable": counts["not_replayable"], "total": total, "cut": cut,
            "cases": verdicts, "summary": _summary(verdicts, facts, draft, cut)}


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for offset in range(0, len(items), size):
        yield items[offset:offset + size]


def _cut(total: int, asked: int, replayed: int, out_of_time: bool) -> str | None:
    if out_of_time:
        return (f"the replay stopped after {replayed:,} of {total:,} cases: it may take {TOTAL_SECONDS:.0f} s at "
                "most; choose a shorter period for the rest")
    if asked < total:
        return f"the newest {asked:,} of the {total:,} cases started in the period were replayed (the limit)"
    return None


# -- what the history says happened ----------------------------------------------------------------
@dataclass
class _Input:
    """Something that happened to a case from outside it, at a moment: what a replay feeds in."""

    kind: str  # task, message, timer, retry, terminate
    at: datetime
    element_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # a message's name
    due_at: str | None = None  # a timer's due time as recorded
    position: int = 0  # how many steps the recorded path had taken before it


@dataclass
class _Recording:
    """One recorded case: its row's facts, its start data, what happened to it and the path it took."""

    row: Instance
    start: dict[str, Any]
    inputs: list[_Input]
    path: list[str]
    calls: dict[str, list[dict[str, Any]]]  # element id -> its service calls, in order
    control_points: list[tuple[str, str | None]]  # (control point, element) fired, in order
    waiting: set[str]  # where an open case waits now; empty for an ended one
    too_long: bool = False


def _recordings(context: Context, session: Session, ids: list[str], now: datetime) -> Iterator[_Recording]:
    rows = {row.id: row for row in session.scalars(select(Instance).where(Instance.id.in_(ids)))}
    events: dict[str, list[Any]] = {instance_id: [] for instance_id in ids}
    columns = (HistoryEvent.instance_id, HistoryEvent.type, HistoryEvent.element_id, HistoryEvent.data,
               HistoryEvent.at, HistoryEvent.actor)  # plain rows: thousands of events, no ORM objects needed
    for event in session.execute(select(*columns).where(HistoryEvent.instance_id.in_(ids)).order_by(HistoryEvent.id)):
        events[event.instance_id].append(event)
    for instance_id in ids:
        row = rows[instance_id]
        recording = _Recording(row, {}, [], [], {}, [], set(), too_long=len(events[instance_id]) > MAX_EVENTS)
        if recording.too_long:
            yield recording
            continue
        said: dict[str, list[dict[str, Any]]] = {}  # element id -> pack events since its last call
        for event in events[instance_id]:
            data, element = event.data or {}, event.element_id
            if event.type == "instance_started":
                recording.start = dict(data.get("data") or {})
            elif event.type == "task_completed":
                recording.inputs.append(_Input("task", event.at, element, dict(data.get("data") or {}),
                                               position=len(recording.path)))
                recording.path.append(element or "")
            elif event.type in ("element_completed", "gateway_decided"):
                if "service" in data:
                    recording.calls.setdefault(element or "", []).append(
                        {**data["service"], "events": said.pop(element or "", [])})
                recording.path.append(element or "")
            elif event.type == "incident" and "service" in data:
                recording.calls.setdefault(element or "", []).append(
                    {**data["service"], "events": said.pop(element or "", [])})
            elif event.type == "message_received":
                recording.inputs.append(_Input("message", event.at, element, dict(data.get("data") or {}),
                                               name=data.get("name"), position=len(recording.path)))
            elif event.type == "timer_fired":
                recording.inputs.append(_Input("timer", event.at, element, due_at=data.get("due_at"),
                                               position=len(recording.path)))
            elif event.type == "instance_retried":
                recording.inputs.append(_Input("retry", event.at, element, dict(data.get("data") or {}),
                                               position=len(recording.path)))
            elif event.type == "instance_terminated":
                recording.inputs.append(_Input("terminate", event.at, position=len(recording.path)))
            if event.type not in EVENT_TYPES and element:  # what a service (or a function it offers) recorded
                said.setdefault(element or "", []).append(
                    {"type": event.type, "element_id": element, "task_id": None, "data": data, "actor": event.actor})
                if event.type == "control_point_triggered":
                    recording.control_points.append((str(data.get("control_point")), element))
        recording.waiting = _waiting_now(context, session, row)
        yield recording


def _waiting_now(context: Context, session: Session, row: Instance) -> set[str]:
    """Where a recorded case is now: nowhere once it ended; the step of its incident; else its waits."""
    if row.status in ENDED:
        return set()
    if row.status == "error" and row.incident:
        return {str(row.incident.get("element_id") or "")}
    session.refresh(row, ["state"])  # read, never set: the read session has nothing to write
    return waiting_elements(restore(context, session, row)) if row.state else set()


# -- the draft ------------------------------------------------------------------------------------------
class _Draft:
    """The model replayed through, with what a replay asks of its elements and of the recorded versions'."""

    def __init__(self, context: Context, model: Model):
        self.context, self.model = context, model
        self.elements = _elements(model.spec, model.subprocess_specs)
        self.has_timers = any(_timer_of(spec) for spec in self.elements.values())
        self._versions: dict[int, dict[str, Any]] = {}

    def recorded_elements(self, session: Session, version_id: int) -> dict[str, Any]:
        """Element id -> task spec of the version a recorded case ran on (read once per version)."""
        if version_id not in self._versions:
            specs = self.context.specs.specs(session, version_id)
            self._versions[version_id] = _elements(specs.spec, specs.subprocess_specs)
        return self._versions[version_id]

    def recorded_start_form(self, session: Session, version_id: int) -> str | None:
        return self.context.specs.specs(session, version_id).start_form

    def name(self, element_id: str, recorded: dict[str, Any]) -> str:
        spec = self.elements.get(element_id) or recorded.get(element_id)
        return str(getattr(spec, "bpmn_name", None) or element_id)


def _elements(spec: Any, subprocess_specs: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "bpmn_id", None):
                found.setdefault(str(task_spec.bpmn_id), task_spec)
    return found


def _is_step(spec: Any) -> bool:
    """A step a person reads in a path: an activity or an event in the middle, not a gateway, start or end."""
    return spec is not None and not isinstance(spec, StartEvent | EndEvent) and "Gateway" not in type(spec).__name__


def _form_of(spec: Any) -> str | None:
    return ((getattr(spec, "extensions", None) or {}).get("properties") or {}).get(FORM_KEY.name)


def _timer_of(spec: Any) -> tuple[str, str] | None:
    definition = getattr(spec, "event_definition", None)
    return (type(definition).__name__, str(definition.expression)) if isinstance(definition, TimerEventDefinition) \
        else None


@dataclass
class _Open:
    """What a case waits for at one moment of its replay."""

    ready: list[Any]  # ready user tasks
    waiting: list[Any]  # waiting events (messages, timers)
    timers: dict[str, tuple[Any, datetime]]  # timer id -> (task, due)


@dataclass
class _Facts:
    """What the summary counts of one case, beside its verdict (names, as people read them)."""

    recorded_steps: set[str] = field(default_factory=set)  # the steps its recording went through
    before: dict[str, str | None] = field(default_factory=dict)  # added step -> the recorded step before it


# -- one case -------------------------------------------------------------------------------------------
class _NotReplayable(EngineError):
    """The replay of a case cannot go on faithfully; the message says why, in the analyst's words (an EngineError,
    so the sandbox lets it through as it does the engine's own refusals; the replay catches it for the case)."""


class _ReplayScripts(SandboxScriptEngine):
    """The sandbox, with service calls answered from the recording (or run dry) and today's records fenced off."""

    def __init__(self, case: _CaseReplay):
        context = case.context
        super().__init__(context.pack, case.service_call, case.draft.model.parameters, context.limits.data)
        self.case = case
        self.timer_date = lambda task, value: timers.hold_date(task, value, case.clock)

    def _functions(self, task: Any) -> dict[str, Any]:
        functions = dict(self.pack.functions)
        for name, function in functions.items():
            if getattr(function, "uses_call", False):
                functions[name] = self._fenced(task, name)
        return functions

    def _fenced(self, task: Any, name: str) -> Any:
        def reads_records(*_: Any, **__: Any) -> Any:
            raise self.case.stop(f"{self.case.step_name(task)} reads today's records through {name}(); what they "
                                 "held then is not recorded, so the replay cannot tell what it would have decided")
        return reads_records

    def call_service(self, task: Any, operation_name: str = "", operation_params: dict[str, Any] | None = None,
                     **_: Any) -> str:
        inputs = {name: p["value"] for name, p in (operation_params or {}).items()}
        recorded = self.case.recorded_call(task.task_spec.bpmn_id)
        if recorded is not None and recorded.get("name") == operation_name and _same(recorded.get("inputs"), inputs):
            self.case.events.extend(recorded["events"])
            if "error" in recorded:
                raise RecordedFailure(str(recorded["error"]))
            return json.dumps(recorded.get("result"))
        if operation_name in self.pack.no_dry_run:
            raise self.case.stop(f"{self.case.step_name(task)} would call {operation_name}, which acts outside "
                                 "crmflow and has no dry mode")
        self.case.ran_dry(task, "the recorded case made no such call" if recorded is None else
                          "its inputs differ from the recorded call")
        return super().call_service(task, operation_name, operation_params)


class RecordedFailure(Exception):
    """A service call that failed in the recording fails the same way in its replay."""


def _same(recorded: Any, inputs: dict[str, Any]) -> bool:
    return bool(recorded == json.loads(json.dumps(inputs, default=str)))


class _CaseReplay:
    """One recorded case run again through the draft, and compared with its recording."""

    def __init__(self, context: Context, session: Session, draft: _Draft, recording: _Recording, now: datetime):
        self.context, self.session, self.draft, self.recording, self.now = context, session, draft, recording, now
        self.recorded = draft.recorded_elements(session, recording.row.version_id)
        self.clock = recording.row.started_at
        self.events: list[dict[str, Any]] = []
        self.path: list[str] = []
        self.dry: list[str] = []
        self.dry_why = ""
        self.facts = _Facts()
        self.unused: list[_Input] = []
        self.incident_message = ""
        self.rounds = 0
        self.refused: str | None = None
        self.calls = {element: list(calls) for element, calls in recording.calls.items()}
        self.incident: tuple[str | None, str] | None = None
        self.terminated = False
        self._uow: UnitOfWork | None = None
        self._deadline = time.monotonic() + CASE_SECONDS
        self.workflow = BpmnWorkflow(draft.model.spec, draft.model.subprocess_specs,
                                     script_engine=_ReplayScripts(self))

    # -- what the script engine asks ------------------------------------------------------------------
    def stop(self, reason: str) -> _NotReplayable:
        """The refusal to raise; kept too, since a condition's evaluation wraps what its functions raise."""
        self.refused = reason
        return _NotReplayable(reason)

    def step_name(self, task: Any) -> str:
        return self.draft.name(element_of(task) or "", self.recorded)

    def recorded_call(self, element_id: str) -> dict[str, Any] | None:
        calls = self.calls.get(element_id)
        return calls.pop(0) if calls else None

    def ran_dry(self, task: Any, why: str) -> None:
        name = self.step_name(task)
        if name not in self.dry:
            self.dry.append(name)
        self.dry_why = why

    def service_call(self, task: Any) -> ServiceCall:
        """A dry call: today's records, in a transaction this case rolls back."""
        if self._uow is None:
            self._uow = UnitOfWork(self.context, actor="replay").__enter__()
        row = self.recording.row
        return ServiceCall(self._uow.session, row.id, row.process_key, row.business_key, task.task_spec.bpmn_id,
                           "replay", self.clock, self.events, [])

    # -- running -------------------------------------------------------------------------------------------
    def verdict(self) -> dict[str, Any]:
        row = self.recording.row
        base = {"instance_id": row.id, "business_key": row.business_key, "version": row.version,
                "status": row.status}
        try:
            reason = self._refusal() or self._run()
        except _NotReplayable as exc:
            reason = str(exc)
        finally:
            if self._uow is not None:
                self._uow.__exit__(None, None, None)  # never committed: the dry calls leave nothing
        if reason is not None:
            return {**base, "verdict": "not_replayable", "first_difference": None, "steps_added": [],
                    "steps_skipped": [], "control_points": {"fired": [], "no_longer": []}, "reason": reason,
                    "ended": False, "waits_at": [], "ran_dry": [], "path": []}
        return {**base, **self._compare()}

    def _refusal(self) -> str | None:
        recording = self.recording
        if recording.too_long:
            return f"its history holds more than {MAX_EVENTS:,} events, more than a replay follows"
        removed = sorted(element for element in recording.waiting if element not in self.draft.elements)
        if removed:
            return f"it waits at {self.draft.name(removed[0], self.recorded)}, which the draft removes"
        return None

    def _run(self) -> str | None:
        """Feed the recording in; a reason when the case cannot be replayed faithfully."""
        start_form = self.draft.model.start_form
        data = self.recording.start
        if start_form is not None:
            problem = self._misfit(start_form, data, self.draft.recorded_start_form(self.session,
                                                                                    self.recording.row.version_id))
            if problem:
                return f"the recorded start data no longer fits the draft's start form: {problem}"
            data = self.context.forms.filled(self.session, start_form, data, {})
        for task in self.workflow.get_tasks():
            task.data.update(data)
        timers.fire_start(self.workflow)  # a case its schedule started: its start has fired
        self._advance()
        pending = list(self.recording.inputs)
        while not self._ended():
            self.rounds += 1
            if time.monotonic() > self._deadline or self.rounds > MAX_ROUNDS:
                return (f"replaying it took more than {MAX_ROUNDS:,} steps or {CASE_SECONDS:.0f} s (a timer that "
                        "repeats too often, or a history too long)")
            now_open = self._open()  # one walk of the task tree serves this round
            chosen = next(((i, target) for i, item in enumerate(pending)
                           if (target := self._target(item, now_open)) is not None), None)
            own = self._own_timer(now_open)
            moment = pending[chosen[0]].at if chosen is not None else self.now
            if own is not None and own[1] <= moment:
                self._fire(own[0], own[1])
                continue
            if chosen is None:
                break
            # inputs passed over on the way (for a step the draft removed, a timer that no longer waits) stay pending
            self._apply(pending.pop(chosen[0]), chosen[1])
        # what the draft no longer asks for (a removed step, a timer it changed) is passed over, not unused
        self.unused = [item for item in pending if item.kind in ("task", "message", "timer")
                       and item.element_id in self.draft.elements and not (
                           item.kind == "timer" and self._is_own_element(str(item.element_id)))]
        return None

    def _ended(self) -> bool:
        return self.terminated or self.workflow.is_completed()

    def _open(self) -> _Open:
        """What the case waits for now: its ready user tasks, its waiting events, its timers with their due times
        (one it has just started waiting on is due from the replay's clock); nothing while at an incident."""
        if self.incident is not None:
            return _Open([], [], {})
        tasks = self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        waiting = [t for t in tasks if t.state == TaskState.WAITING]
        dues: dict[str, tuple[Any, datetime]] = {}
        if not self._step(lambda: dues.update(timers.waiting(self.workflow, self.clock, waiting))):
            return self._open()
        return _Open([t for t in tasks if t.state == TaskState.READY and t.task_spec.manual], waiting, dues)

    def _target(self, item: _Input, now_open: _Open) -> Any:
        """What an input acts on now: the task it completes, the event it reaches; None when it cannot yet."""
        if item.kind in ("terminate", "retry"):
            return item if item.kind == "terminate" or self.incident is not None else None
        if self.incident is not None:
            return None
        if item.kind == "task":
            return next((t for t in now_open.ready if t.task_spec.bpmn_id == item.element_id), None)
        if item.kind == "message":
            catching = [t for t in now_open.waiting
                        if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                        and t.task_spec.event_definition.name == item.name]
            return next((t for t in catching if t.task_spec.bpmn_id == item.element_id), catching[0] if catching
                        else None)
        if item.kind == "timer" and item.due_at:
            due_at = datetime.fromisoformat(item.due_at)
            return next((task for task, due in now_open.timers.values() if task.task_spec.bpmn_id == item.element_id
                         and not self._is_own(task) and due == due_at), None)
        return None

    def _apply(self, item: _Input, task: Any) -> None:
        self.clock = max(self.clock, item.at)
        if item.kind == "terminate":
            self.workflow.cancel()
            self.terminated = True
            return
        if item.kind == "retry":
            element, task_id = self.incident or (None, "")
            self.incident = None
            task = next((t for t in self.workflow.get_tasks() if str(t.id) == task_id), None)
            if task is not None:
                self._step(lambda: self.workflow.reset_from_task_id(task.id, {**task.data, **item.data}))
            self._advance()
            return
        if item.kind == "task":
            self._complete(task, item)
        elif item.kind == "message":
            self.workflow.catch(BpmnEvent(task.task_spec.event_definition, payload=item.data))
            task.data.update(item.data)
            self._advance()
        else:
            self._fire(task, datetime.fromisoformat(str(item.due_at)))

    def _complete(self, task: Any, item: _Input) -> None:
        form_key = task_properties(task).get(FORM_KEY.name)
        problem = self._misfit(form_key, item.data, _form_of(self.recorded.get(task.task_spec.bpmn_id)))
        if problem:
            raise _NotReplayable(Text("the answer recorded at {task} no longer fits its form: {problem}",
                                      task=self.step_name(task), problem=problem))
        task.data.update(self.context.forms.filled(self.session, form_key, item.data, task.data))
        if self._step(task.run):
            self.path.append(task.task_spec.bpmn_id)
            self._advance()

    def _misfit(self, form_key: str | None, data: dict[str, Any], recorded_form: str | None) -> str | None:
        """What in recorded data does not fit the draft's form (checked only where the form changed)."""
        if form_key == recorded_form:
            return None
        if form_key is None:
            return None if not data else "the step no longer has a form"
        schema = self.context.forms.schema(self.session, form_key)
        errors = field_errors(schema, data) if schema is not None else []
        return "; ".join(f"{e.field} {e.message}" for e in errors[:3]) or None

    def _fire(self, task: Any, due: datetime) -> None:
        self.clock = max(self.clock, due)
        timers.fire(task, due)
        self.workflow.refresh_timers()
        self._advance()

    def _advance(self) -> None:
        self._step(lambda: run_engine_steps(self.workflow, self._record, self.context.limits.steps))

    def _step(self, run: Any) -> bool:
        """Run part of the draft; False, with the incident noted, where it fails (as a case would stop)."""
        try:
            run()
        except (SQLAlchemyError, EngineError):
            raise
        except Exception as exc:  # noqa: BLE001 - what the draft makes go wrong is what it would have done
            if self.refused is not None:
                raise _NotReplayable(self.refused) from None
            task = getattr(exc, "task", None)
            message = str(exc).split("\n")[0] if not isinstance(exc, RecordedFailure) else str(exc)
            self.incident = (element_of(task) if task is not None else None, str(task.id) if task else "")
            self.incident_message = message
            return False
        return True

    def _record(self, task: Any) -> None:
        if is_model_element(task):
            self.path.append(task.task_spec.bpmn_id)

    def _is_own(self, task: Any) -> bool:
        """A timer the draft added or changed: it fires at its own due time."""
        return self._is_own_element(task.task_spec.bpmn_id)

    def _is_own_element(self, element: str) -> bool:
        return element not in self.recorded or _timer_of(self.recorded[element]) != _timer_of(
            self.draft.elements.get(element))

    def _own_timer(self, now_open: _Open) -> tuple[Any, datetime] | None:
        if self.incident is not None or not self.draft.has_timers:
            return None
        own = [(due, str(task.id), task) for task, due in now_open.timers.values() if self._is_own(task)]
        if not own:
            return None
        due, _, task = min(own, key=lambda entry: (entry[0], entry[1]))
        return task, due

    # -- comparing ---------------------------------------------------------------------------------------
    def _where(self) -> set[str]:
        if self._ended():
            return set()
        if self.incident is not None:
            return {self.incident[0] or ""}
        return waiting_elements(self.workflow)

    def _compare(self) -> dict[str, Any]:
        recording = self.recording

        def name(element: str | None) -> str:
            return self.draft.name(element or "", self.recorded)

        specs = {**self.recorded, **self.draft.elements}

        def steps(elements: Any) -> list[str]:
            return [e for e in elements if _is_step(specs.get(e))]

        # compared as people read a path: its steps, not the gateways and joins between them
        our_path, their_path = steps(self.path), steps(recording.path)
        our_wait, their_wait = set(steps(self._where())), set(steps(recording.waiting))
        ended, they_ended = self._ended(), recording.row.status in ENDED
        # waiting where nobody did anything in the recorded case: its later recorded steps were not reached
        blocked = not ended and not our_wait <= their_wait
        ours_seen = [*our_path, *sorted(our_wait - set(our_path))]
        their_seen = their_path[:_reach(ours_seen, their_path)] if blocked \
            else [*their_path, *sorted(their_wait - set(their_path))]
        recorded_anywhere = set(their_path) | their_wait
        added = _unique(e for e in ours_seen if e not in recorded_anywhere)
        skipped = _unique(e for e in their_seen if e not in set(ours_seen))
        fired = Counter(str(e["data"].get("control_point")) for e in self.events
                        if e["type"] == "control_point_triggered")
        had = Counter(point for point, _ in recording.control_points)
        unused = self.unused
        same = (our_path == their_path and our_wait == their_wait and ended == they_ended and fired == had
                and not unused)
        differing_points = [e.get("element_id") for e in self.events if e["type"] == "control_point_triggered"
                            and (fired - had)[str(e["data"].get("control_point"))]]
        differing_points += [e for point, e in recording.control_points if (had - fired)[point]]
        first = None if same else _first_difference(our_path, their_path, our_wait, their_wait, differing_points)
        self.facts.recorded_steps = {name(e) for e in their_seen if e in set(their_path)}  # steps it passed
        for step in added:
            earlier = ours_seen[:ours_seen.index(step)]
            previous = next((e for e in reversed(earlier) if e in recorded_anywhere), None)
            self.facts.before[name(step)] = name(previous) if previous else None
        reasons = []
        if blocked and self.incident is None:
            waits = sorted(our_wait - their_wait)
            later = (f", so {len(unused)} later recorded answer{'s' if len(unused) != 1 else ''} could not be "
                     "replayed") if unused else ""
            reasons.append(Text("would have waited at {waits}: nobody did this step in the recorded case{later}",
                                waits=name(waits[0]), later=later))
        if self.incident is not None and recording.row.status != "error":
            reasons.append(Text("would have stopped with an incident at {incident}: {incident_message}",
                                incident=name(self.incident[0]), incident_message=self.incident_message))
        if self.dry:
            reasons.append(Text("{names} ran against today's records ({dry_why})", names=', '.join(self.dry),
                                dry_why=self.dry_why))
        return {"verdict": "same" if same else "changed",
                "first_difference": {"element_id": first, "name": name(first)} if first else None,
                "steps_added": [name(e) for e in added], "steps_skipped": [name(e) for e in skipped],
                "control_points": {"fired": sorted((fired - had).keys()), "no_longer": sorted((had - fired).keys())},
                "reason": "; ".join(reasons) or None,
                "ended": ended, "waits_at": [name(e) for e in sorted(our_wait)],
                "ran_dry": list(self.dry), "path": [name(e) for e in ours_seen]}


def _reach(ours: list[str], theirs: list[str]) -> int:
    """How far into the recorded path the replay got: past the last recorded step it matched, in order (a loop's
    second round is not reached by the replay's first)."""
    reached = 0
    for element in ours:
        try:
            reached = theirs.index(element, reached) + 1
        except ValueError:
            continue
    return reached


def _unique(elements: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(elements))


def _first_difference(ours: list[str], theirs: list[str], our_wait: set[str], their_wait: set[str],
                      control_point_elements: list[str | None]) -> str | None:
    for mine, recorded in zip(ours, theirs, strict=False):
        if mine != recorded:
            return mine
    if len(ours) > len(theirs):
        return ours[len(theirs)]
    if our_wait != their_wait:
        return sorted(our_wait - their_wait or their_wait - our_wait)[0]
    if len(theirs) > len(ours):
        return theirs[len(ours)]
    return next((e for e in control_point_elements if e), None)


# -- the summary ------------------------------------------------------------------------------------------
def _summary(verdicts: list[dict[str, Any]], facts: list[_Facts], draft: _Draft, cut: str | None) -> list[str]:
    """Sentences a manager reads: how many cases, which steps they would have waited at, which controls."""
    replayed = len(verdicts)
    counts = Counter(v["verdict"] for v in verdicts)
    if not replayed:
        return ["No case of this process was started in the period: there is nothing to replay."]
    lines = [f"{replayed:,} case{'s' if replayed != 1 else ''} replayed: {counts['same']:,} the same, "
             f"{counts['changed']:,} changed, {counts['not_replayable']:,} not replayable."]
    if cut:
        lines.append(cut[0].upper() + cut[1:] + ".")
    passed = Counter(step for f in facts for step in f.recorded_steps)
    # the steps a case would have taken that it did not, as one chain: what it went through, where it waited
    chains = Counter((f.before.get(v["steps_added"][0]), tuple(v["steps_added"]),
                      v["steps_added"][-1] in v["waits_at"]) for v, f in zip(verdicts, facts, strict=True)
                     if v["steps_added"])
    for (previous, chain, waits), cases in chains.most_common():
        through, last = list(chain[:-1]) if waits else list(chain), chain[-1] if waits else None
        words = " and then ".join(part for part in (
            f"gone through {_and(through)}" if through else "", f"waited for {last}" if last else "") if part)
        who = f"{cases:,} of {passed[previous]:,} cases that passed {previous}" if previous \
            else f"{cases:,} of {replayed:,} cases"
        lines.append(f"{who} would have {words}.")
    for step, cases in Counter(s for v in verdicts for s in v["steps_skipped"]).most_common():
        lines.append(f"{cases:,} of {passed[step]:,} cases that went through {step} would have skipped it.")
    titles = {key: point.title_en for key, point in draft.context.pack.control_points.items()}
    actions = {key: point.action for key, point in draft.context.pack.control_points.items()}
    for key, cases in Counter(k for v in verdicts for k in v["control_points"]["fired"]).most_common():
        outcomes = Counter(v["status"] for v in verdicts if key in v["control_points"]["fired"])
        outcome = _outcome(outcomes)
        lines.append(f"{cases:,} case{'s' if cases != 1 else ''} {outcome} would have "
                     f"{_action_words(actions.get(key))} the control point “{titles.get(key, key)}”.")
    for key, cases in Counter(k for v in verdicts for k in v["control_points"]["no_longer"]).most_common():
        lines.append(f"The control point “{titles.get(key, key)}” would no longer fire in {cases:,} "
                     f"case{'s' if cases != 1 else ''} where it fired.")
    reasons = Counter(v["reason"] for v in verdicts if v["verdict"] == "not_replayable")
    for reason, cases in reasons.most_common(3):
        lines.append(f"{cases:,} case{'s' if cases != 1 else ''} cannot be replayed: {reason}.")
    dry = Counter(step for v in verdicts for step in v["ran_dry"])
    for step, cases in dry.most_common():
        lines.append(f"{step} ran against today's records in {cases:,} case{'s' if cases != 1 else ''} (a call "
                     "the recorded case did not make, or made with other inputs); nothing was changed.")
    return lines


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _outcome(statuses: Counter[str]) -> str:
    status, _ = statuses.most_common(1)[0]
    words = {"completed": "that completed", "terminated": "that were terminated", "error": "stopped at an incident"}
    return words.get(status, "still open") if len(statuses) == 1 else "in the period"


def _action_words(action: str | None) -> str:
    return {"block": "been blocked by", "require_approval": "needed an approval under",
            "alert": "raised the alert of"}.get(action or "", "fired")
