"""SpiffWorkflow's script-engine seam, wired to the sandbox and the pack's functions and services.

One `SandboxScriptEngine` is made per command, so service operators write through that
command's session and their events land in that command's history.
"""
from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from sqlalchemy.exc import SQLAlchemyError

from ..errors import EngineError, SandboxViolation, database_busy, new_reference
from ..pack import Pack, ServiceCall
from .data import DEFAULT_DATA_LIMITS, DataLimits, data_problem
from .sandbox import ExpressionError, compile_expression, compile_script, evaluate, execute

log = logging.getLogger("crmflow.incidents")


class SandboxScriptEngine(PythonScriptEngine):
    """Runs every condition, script and service call of a model through the sandbox."""

    def __init__(self, pack: Pack, service_call: Callable[[Any], ServiceCall] | None = None,
                 parameters: dict[str, Any] | None = None, data_limits: DataLimits = DEFAULT_DATA_LIMITS):
        super().__init__(environment=None)
        self.pack = pack
        self.parameters = parameters or {}
        self.data_limits = data_limits
        self._service_call = service_call
        self._needs_call = any(getattr(f, "uses_call", False) for f in pack.functions.values())
        # task id -> the service call it made: recorded in the task's history event (a replay feeds it back)
        self.calls: dict[Any, dict[str, Any]] = {}
        # task id -> what a decision table decided there (scripting/decisions.py): recorded as `decision_evaluated`
        self.decisions: dict[Any, dict[str, Any]] = {}
        # What a timer date is given to SpiffWorkflow as: it compares the date with the wall clock the moment a
        # case reaches the timer, but the engine's clock decides (runtime/timers.py `hold_date`); None: as it is.
        self.timer_date: Callable[[Any, Any], Any] | None = None

    def validate(self, expression: str) -> None:
        """Check an expression without running it. :raises SandboxViolation:"""
        compile_expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate a condition or parameter over the task's data (and data objects)."""
        # Process parameters (thresholds declared in the model) win over data of the same name.
        data = {**(external_context or {}), **task.data, **self.parameters}
        value = self._guarded(task, expression, lambda: evaluate(compile_expression(expression), data,
                                                                  self._functions(task)))
        definition = getattr(task.task_spec, "event_definition", None)
        if (self.timer_date is not None and isinstance(definition, TimeDateEventDefinition)
                and expression == definition.expression):
            return self.timer_date(task, value)
        return value

    def execute(self, task: Any, script: str, external_context: dict[str, Any] | None = None) -> bool:
        """Run a script task; its assignments become task data."""
        functions = self._functions(task)
        before = copy.deepcopy(task.data)
        try:
            self._guarded(task, script, lambda: execute(compile_script(script), task.data, functions,
                                                        fixed=self.parameters))
            problem = data_problem(task.data, self.data_limits)
            if problem is not None:
                raise WorkflowTaskException(f"the script set '{problem.path}', which {problem.message}", task=task)
        except WorkflowTaskException:
            task.data = before  # a failed script leaves no trace: the case stays readable, retryable, terminable
            raise
        return True

    def _functions(self, task: Any) -> dict[str, Callable[..., Any]]:
        """The pack's functions, with those that read records bound to this command's context."""
        if not self._needs_call or self._service_call is None:
            return dict(self.pack.functions)
        call = self._service_call(task)
        return {name: partial(f, call) if getattr(f, "uses_call", False) else f
                for name, f in self.pack.functions.items()}

    def call_service(self, task: Any, operation_name: str = "", operation_params: dict[str, Any] | None = None,
                     **_: Any) -> str:
        """Call a pack service operator with evaluated parameters; the result is stored as JSON."""
        operator = self.pack.services.get(operation_name)
        if operator is None:
            raise WorkflowTaskException(f"service '{operation_name}' is not provided by the '{self.pack.name}' pack",
                                        task=task)
        if self._service_call is None:
            raise WorkflowTaskException("services cannot run outside a command", task=task)
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        call = self._service_call(task)
        made: dict[str, Any] = {"name": operation_name, "inputs": params}
        self.calls[task.id] = made
        try:
            result = self._guarded(task, operation_name, lambda: json.dumps(_run_service(call, operator, params)))
        except WorkflowTaskException as failure:
            made["error"] = str(failure).split("\n")[0]
            raise
        made["result"] = json.loads(result)
        return result

    def decided(self, task: Any, outcome: Any) -> None:
        """A business rule task's table decided (its `Outcome`): kept for the task's history event."""
        self.decisions[task.id] = outcome.record()

    def decision_made(self, task: Any) -> dict[str, Any] | None:
        """What a task's decision table decided in this command, once."""
        return self.decisions.pop(task.id, None)

    def call_made(self, task: Any) -> dict[str, Any] | None:
        """The service call a task made in this command ({"name", "inputs", "result" or "error"}), once."""
        return self.calls.pop(task.id, None)

    def _guarded(self, task: Any, source: str, run: Callable[[], Any]) -> Any:
        try:
            return run()
        except (WorkflowTaskException, EngineError):
            raise  # the engine's own refusals, and the database gone (Unavailable), end the command
        except (SandboxViolation, ExpressionError) as exc:
            raise WorkflowTaskException(f"'{_short(source)}' failed: {exc}", task=task, exception=exc) from None
        except Exception as exc:  # a pack service failed: becomes an incident, never a 500
            if database_busy(exc):
                raise  # not the case's fault: the command ends, and is tried again or answered "busy"
            plain = _plain_message(exc)
            if plain is not None:
                raise WorkflowTaskException(f"'{_short(source)}' failed: {plain}", task=task, exception=exc) from None
            failure = WorkflowTaskException(f"'{_short(source)}' failed unexpectedly; an administrator can find the "
                                            "details in the server log", task=task, exception=exc)
            failure.reference = new_reference()
            log.error("incident %s: '%s' failed", failure.reference, source, exc_info=exc)
            raise failure from None


def _run_service(call: ServiceCall, operator: Callable[..., Any], params: dict[str, Any]) -> Any:
    """Run a service operator in a savepoint of the command's transaction.

    A write the database refuses undoes everything the service wrote and queued (events, messages) and leaves the
    transaction usable, so the case's incident is saved and nothing half-written is. A service that refuses on its
    own keeps what it wrote before refusing (the alert of a control point that then blocks).
    """
    events, messages = len(call.events), len(call.messages)
    refused: Exception | None = None
    try:
        with call.session.begin_nested():
            try:
                result = operator(call, **params)
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - raised again below, once its writes are kept
                refused = exc
    except SQLAlchemyError:
        del call.events[events:], call.messages[messages:]
        raise
    if refused is not None:
        raise refused
    return result


def _plain_message(exc: Exception) -> str | None:
    """What a pack meant to tell users (a lookup that found nothing, a value it refuses); None for faults."""
    if isinstance(exc, KeyError):
        return f"the value {exc} is missing"
    if isinstance(exc, (LookupError, ValueError)):
        return str(exc)
    return None


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
