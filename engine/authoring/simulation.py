"""Run a model in memory over sample data and scripted answers, and say what would happen.

Runs inside a unit of work that is never committed: services may read real records
(a customer's credit) and what they write is rolled back. Nothing reaches the instance
tables, the history or the outbox.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import SQLAlchemyError

from ..errors import FieldError, InvalidData, Text
from ..intake.pipeline import Model
from ..pack import ServiceCall
from ..runtime import timers
from ..runtime.elements import element_of, gateway_taken, human_task, is_model_element, waiting_elements
from ..runtime.stepping import NoWaitState, reached_end, run_engine_steps
from ..runtime.unit_of_work import UnitOfWork
from ..scripting.data import data_problem
from ..scripting.script_engine import SandboxScriptEngine

if TYPE_CHECKING:
    from ..runtime.context import Context

MAX_ROUNDS = 200


def simulate(context: Context, model: Model, data: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The path taken, who would get each task and why, control points fired, where it would wait."""
    queued = {k: list(v) if isinstance(v, list) else [v] for k, v in (answers or {}).items()}
    with UnitOfWork(context, actor="simulation") as uow:  # no commit: everything is rolled back
        return _Simulation(context, uow, model, queued).run(data)


class _Simulation:
    def __init__(self, context: Context, uow: UnitOfWork, model: Model, answers: dict[str, list[Any]]):
        self.context, self.uow, self.model, self.answers = context, uow, model, answers
        self.events: list[dict[str, Any]] = []
        self.path: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        script_engine = SandboxScriptEngine(context.pack, self._call, model.parameters, context.limits.data)
        script_engine.timer_date = lambda task, value: timers.hold_date(task, value, uow.now)
        self.workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=script_engine)

    def _call(self, task: Any) -> ServiceCall:
        return ServiceCall(self.uow.session, "simulation", self.model.process_key, None, task.task_spec.bpmn_id,
                           "simulation", self.uow.now, self.events, [])

    def run(self, data: dict[str, Any]) -> dict[str, Any]:
        self.context.forms.remember(self.model.forms)
        if self.model.start_form is not None:
            errors = self.context.forms.validate(self.uow.session, self.model.start_form, data)
            if errors:
                raise InvalidData(errors)
            data = self.context.forms.filled(self.uow.session, self.model.start_form, data, {})
        for task in self.workflow.get_tasks():
            task.data.update(data)
        timers.fire_start(self.workflow)  # a process that starts on its schedule: as if it had fired now
        outcome: dict[str, Any] = {"status": "waiting", "incident": None, "invalid_answer": None}
        for _ in range(MAX_ROUNDS):
            try:
                run_engine_steps(self.workflow, self._record, self.context.limits.steps)
                if self.workflow.is_completed():
                    outcome["status"] = "completed" if reached_end(self.workflow) else "error"
                    break
                if not self._answer_ready_tasks(outcome):
                    break
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever the model makes go wrong is the simulation's answer
                task = getattr(exc, "task", None)
                plain = isinstance(exc, (WorkflowTaskException, SpiffWorkflowException, NoWaitState))
                outcome.update(status="error", incident={
                    "element_id": element_of(task) if task is not None else None,
                    "message": str(exc).split("\n")[0] if plain else "this step failed unexpectedly"})
                break
        return {**outcome, "path": self.path, "tasks": self.tasks,
                "control_points": [e["data"] for e in self.events if e["type"] == "control_point_triggered"],
                "waiting_at": self._waiting_at() if outcome["status"] == "waiting" else []}

    def _answer_ready_tasks(self, outcome: dict[str, Any]) -> bool:
        progressed = False
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            human = human_task(task, self.model.process_key, "simulation", None)
            assignment = self.context.pack.assign(human, task.data, self.uow.session)
            entry = {"element_id": spec.bpmn_id, "name": human.name, "assignee": assignment.assignee,
                     "candidate_group": assignment.candidate_group, "reason": assignment.reason}
            self.tasks.append(entry)
            queue = self.answers.get(spec.bpmn_id)
            if not queue:
                entry["answered"] = False
                continue
            answer = queue.pop(0)
            problem = data_problem(answer, self.context.limits.data) if isinstance(answer, dict) else None
            errors = ([FieldError("answers", Text("the answer for {bpmn_id} must be a JSON object",
                                                  bpmn_id=spec.bpmn_id))]
                      if not isinstance(answer, dict) else [FieldError(problem.path, problem.message)] if problem
                      else self.context.forms.validate(self.uow.session, human.form_key, answer))
            if errors:
                outcome.update(status="invalid_answer", invalid_answer={
                    "element_id": spec.bpmn_id, "fields": [e.to_dict() for e in errors]})
                return False
            entry["answered"] = True
            task.data.update(self.context.forms.filled(self.uow.session, human.form_key, answer, task.data))
            task.run()
            self.path.append({"element_id": spec.bpmn_id, "name": human.name, "type": type(spec).__name__})
            progressed = True
        return progressed

    def _record(self, task: Any) -> None:
        if not is_model_element(task):
            return
        spec = task.task_spec
        step: dict[str, Any] = {"element_id": spec.bpmn_id, "name": spec.bpmn_name, "type": type(spec).__name__}
        taken = gateway_taken(task)
        if taken is not None:
            step["taken"] = taken
        decision = self.workflow.script_engine.decision_made(task)
        if decision is not None:  # which rule of which table decided, as the case's history would say
            step["decision"] = decision
        self.path.append(step)

    def _waiting_at(self) -> list[str]:
        return sorted(waiting_elements(self.workflow))
