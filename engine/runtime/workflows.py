"""The workflows of recent commands, kept in memory so the next command on a case need not rebuild it.

A command that saved an instance hands its workflow here once the transaction has committed;
the next command on that instance takes it back instead of deserializing the stored state, if
and only if the row it has locked is still at the revision that workflow was saved as. Every
write of an instance bumps its revision (store/writes.py), so a workflow another process, a
rolled-back command or a migration has made stale is never used: it is dropped and the state
is read from the database as before.

What is kept must behave exactly as its stored state read back would. That holds for a case
whose data are plain values (text, numbers, flags): those are never changed in place. Lists and
objects are: SpiffWorkflow hands data on from step to step by shallow copies, and which nested
values two steps share differs between a workflow run in memory and one read back, so a later
in-place change (a script's `items[0].append(x)`, a join merging data) could land differently.
A case whose data hold lists or objects is therefore never kept: it is read back every time.

An entry is taken out while a command uses it: two threads never share a workflow, and one
whose command failed never comes back.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .recent import Recent

DEFAULT_SIZE = 1000  # cases; a waiting case's workflow is some tens of kilobytes in memory


class Workflows:
    """instance id -> (revision, workflow) of the most recently saved cases; least recently saved dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self._entries: Recent[str, tuple[int, BpmnWorkflow]] = Recent(size)

    def take(self, instance_id: str, revision: int) -> BpmnWorkflow | None:
        """The workflow saved as this revision of the instance, now the caller's alone; None when there is none."""
        entry = self._entries.pop(instance_id)
        return entry[1] if entry is not None and entry[0] == revision else None

    def keep(self, instance_id: str, revision: int, workflow: BpmnWorkflow) -> None:
        """Remember a workflow that is committed as `revision` of the instance."""
        if self._entries.size > 0 and _plain(workflow):
            self._entries.put(instance_id, (revision, workflow))


def _plain(workflow: BpmnWorkflow) -> bool:
    """Whether every step's data and every data object of the workflow (and its subprocesses) is a plain value."""
    return all(not any(isinstance(value, dict | list) for value in data.values())
               for part in (workflow, *workflow.subprocesses.values())
               for data in (part.data, *(task.data for task in part.tasks.values())))
