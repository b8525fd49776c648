"""Running a workflow's engine steps within a budget, for cases and simulations alike.

SpiffWorkflow runs script tasks, gateways and events until only people or events are
awaited. A model that loops without such a wait would run for ever, and its task tree
would grow past the depth SpiffWorkflow looks at (1,000), after which the case looks
finished. So every command gets a step budget and a depth bound: past either, the step
that would have run next becomes an incident, and "completed" is said only when an end
event was reached.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from ..errors import Text
from .elements import element_of

# SpiffWorkflow stops looking for tasks 1,000 levels down its task tree; stay well short of that.
MAX_TREE_DEPTH = 900


@dataclass(frozen=True)
class StepLimits:
    """How much engine work one command may do before it must reach a wait state."""

    max_steps: int = 2_000
    max_tree_depth: int = MAX_TREE_DEPTH


DEFAULT_STEP_LIMITS = StepLimits()


class NoWaitState(Exception):
    """A command ran out of steps (or the case looped too often) before reaching a wait state."""

    def __init__(self, task: Any, message: str):
        super().__init__(message)
        self.task = task


def run_engine_steps(workflow: Any, did_complete: Callable[[Any], None] | None = None,
                     limits: StepLimits = DEFAULT_STEP_LIMITS) -> None:
    """`do_engine_steps` within `limits`. :raises NoWaitState: naming the step that would have run next"""
    steps = 0

    def before(task: Any) -> None:
        nonlocal steps
        steps += 1
        where = element_of(task) or task.task_spec.name
        if steps > limits.max_steps:
            raise NoWaitState(task, Text("did not reach a wait state after {steps} steps at element '{element}': a "
                                          "loop without a user task, timer or message never stops",
                                          steps=limits.max_steps, element=where))
        if task.depth > limits.max_tree_depth:
            raise NoWaitState(task, Text("did not reach a wait state: the case went round its loops more than {depth} "
                                          "steps deep at element '{element}'", depth=limits.max_tree_depth,
                                          element=where))

    workflow.do_engine_steps(will_complete_task=before, did_complete_task=did_complete)


def reached_end(workflow: Any) -> bool:
    """True when a finished workflow got there through an end event (or its model has none: implicit end)."""
    ends = [t for t in workflow.tasks.values() if isinstance(t.task_spec, EndEvent)]
    declared = any(isinstance(spec, EndEvent) for spec in workflow.spec.task_specs.values())
    return not declared or any(t.state == TaskState.COMPLETED for t in ends)
