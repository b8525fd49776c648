"""Finished work leaves the live task tree, so a case's cost and stored state follow its open work, not its age.

SpiffWorkflow keeps every task a case ever ran in one tree: each round of a loop hangs the next one below it, so a
lead followed up every day for a year is a tree hundreds of levels deep, every command serializes all of it, and
past 1,000 levels SpiffWorkflow stops looking (the case would seem finished). What happened is kept where it is
read from, the history table; the tree only needs what is still open.

Before a case is saved, everything above the lowest task that all its open tasks (ready, waiting, started,
failed, and the predicted ones below them) descend from is dropped, keeping that task's parent too (joins and
boundary events look one level up), and the subprocesses of dropped tasks go with them. Below that task nothing
changes: parallel branches, their joins, a step and its boundary events keep their places.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def prune(workflow: Any) -> int:
    """Drop the finished part of a workflow's task trees (its own and its subprocesses'); how many tasks went."""
    dropped = _prune(workflow)
    for subprocess in list(workflow.subprocesses.values()):
        dropped += _prune(subprocess)
    owners = {task_id for process in (workflow, *workflow.subprocesses.values()) for task_id in process.tasks}
    for task_id in [task_id for task_id in workflow.subprocesses if task_id not in owners]:
        dropped += len(workflow.subprocesses[task_id].tasks)
        del workflow.subprocesses[task_id]  # run by a task that was dropped (a finished call activity)
    return dropped


def _prune(process: Any) -> int:
    """Re-root one task tree at the parent of the lowest common ancestor of its open tasks."""
    open_tasks = [task for task in process.tasks.values() if not task.state & _FINISHED]
    if not open_tasks:
        return 0  # finished: nothing is saved again after this
    common = _lowest_common_ancestor(open_tasks)
    keep = common.parent if common.parent is not None else common
    if keep is process.task_tree:
        return 0
    kept: set[Any] = set()
    below = [keep]
    while below:
        task = below.pop()
        kept.add(task.id)
        below.extend(task.children)
    dropped = [task_id for task_id in process.tasks if task_id not in kept]
    for task_id in dropped:
        del process.tasks[task_id]
    keep._parent = None
    process.task_tree = keep
    if process.last_task is not None and process.last_task.id not in kept:
        process.last_task = keep
    return len(dropped)


def _lowest_common_ancestor(tasks: list[Any]) -> Any:
    def line(task: Any) -> list[Any]:  # the task and its ancestors, nearest first
        found = []
        while task is not None:
            found.append(task)
            task = task.parent
        return found

    first, *others = tasks
    shared = None
    for other in others:
        ancestors = {task.id for task in line(other)}
        shared = ancestors if shared is None else shared & ancestors
    return next(task for task in line(first) if shared is None or task.id in shared)
