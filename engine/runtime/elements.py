"""What SpiffWorkflow's tasks mean in model terms, shared by the runtime and the simulation.

The element a task stands for, the flows a gateway took, and the `HumanTask` a pack sees
of a ready user task are worked out here once, so a running case and a simulated one
always tell the same story.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.util.task import TaskState

from ..intake.properties import FORM_KEY
from ..pack import HumanTask


def element_of(task: Any) -> str | None:
    """The model element a task stands for; SpiffWorkflow's internal specs (the split in front of
    a task with boundary events) stand for the first real element below them."""
    queue = [task]
    while queue:
        current = queue.pop(0)
        if getattr(current.task_spec, "bpmn_id", None):
            return str(current.task_spec.bpmn_id)
        queue.extend(current.children)
    return None


def is_model_element(task: Any) -> bool:
    """False for SpiffWorkflow's internal specs (Start, End, joins), which are no model element."""
    return bool(getattr(task.task_spec, "bpmn_id", None))


def gateway_taken(task: Any) -> list[str | None] | None:
    """The elements an exclusive or inclusive gateway sent the case to; None for any other task."""
    if not isinstance(task.task_spec, (ExclusiveGateway, InclusiveGateway)):
        return None
    return [element_of(child) for child in task.children
            if child.state & TaskState.DEFINITE_MASK or child.state == TaskState.COMPLETED]


def task_properties(task: Any) -> dict[str, str]:
    """The crmflow properties a model sets on a task (formKey, dueIn, assignee, candidateGroup ...)."""
    return dict((task.task_spec.extensions or {}).get("properties", {}))


def human_task(task: Any, process_key: str, instance_id: str, business_key: str | None) -> HumanTask:
    """What forms and assignment rules see of a ready user task."""
    spec, properties = task.task_spec, task_properties(task)
    return HumanTask(process_key, instance_id, business_key, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                     spec.lane, properties.get(FORM_KEY.name), properties)


def waiting_elements(workflow: Any) -> set[str]:
    """The elements a workflow waits at: its ready tasks and its waiting events."""
    waiting = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    return {element for element in map(element_of, waiting) if element}
