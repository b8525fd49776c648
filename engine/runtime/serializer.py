"""Instance state <-> JSON, without the spec: the spec is stored once per version.

This is SpiffWorkflow's serializer seam: the stock `BpmnWorkflow` converter is replaced
by one that leaves out `spec` and `subprocess_specs` when writing and takes the cached,
already-parsed specs when reading.
"""
from __future__ import annotations

import json
import zlib
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask

from ..errors import StateFormatError
from ..store.versions import Specs

STATE_FORMAT = "crmflow-1"


class StateWithoutSpecConverter(BpmnWorkflowConverter):
    """Writes a top-level workflow minus its specs; restores it onto specs given by the caller."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        from uuid import UUID

        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class DecisionTaskConverter(SpiffBpmnTaskConverter):
    """A business rule task as its spec is compared (migration's spec diff): its decision and the table's digest,
    so a changed table is a changed step. Specs are never read back from this: they come from the version."""

    def to_dict(self, spec: Any) -> dict[str, Any]:
        dct = super().to_dict(spec)
        table = getattr(spec.dmnEngine, "table", None)
        dct["decision"] = {"id": table.decision_id, "digest": table.digest} if table is not None else None
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        dct.pop("decision", None)
        dct["dmnEngine"] = None
        return self.task_spec_from_dict(dct)


def _config() -> dict[Any, Any]:
    config = dict(SPIFF_CONFIG)
    config[BusinessRuleTask] = DecisionTaskConverter
    return config


def _registry() -> Any:
    config = _config()
    config[BpmnWorkflow] = StateWithoutSpecConverter
    return BpmnWorkflowSerializer.configure(config)


class StateSerializer:
    """Dumps and loads instance state; one per engine, safe to share between threads."""

    def __init__(self) -> None:
        self._serializer = BpmnWorkflowSerializer(_registry())
        self.registry = self._serializer.registry  # SpiffWorkflow's spec diff compares specs through it

    def dumps(self, workflow: BpmnWorkflow) -> bytes:
        """zlib-compressed compact JSON of the workflow's tasks and data, without the spec."""
        dct = self._serializer.to_dict(workflow)
        dct["format"] = STATE_FORMAT
        text = json.dumps(dct, separators=(",", ":"), ensure_ascii=False, default=_refuse)
        return zlib.compress(text.encode("utf-8"), 6)

    def loads(self, state: bytes, specs: Specs, script_engine: Any) -> BpmnWorkflow:
        """Rebuild a workflow from `dumps` output onto a version's (cached) specs. :raises StateFormatError:"""
        dct = json.loads(zlib.decompress(state))
        found = dct.pop("format", None)
        if found != STATE_FORMAT:
            raise StateFormatError(f"the saved state is in format {found!r}; this crmflow reads {STATE_FORMAT!r} "
                                   "only (was it written by another release?)")
        workflow = self._serializer.from_dict(dct, spec=specs.spec, subprocess_specs=specs.subprocess_specs)
        workflow.script_engine = script_engine
        return workflow

    def full_json(self, workflow: BpmnWorkflow) -> str:
        """SpiffWorkflow's stock serialization (spec included), for comparison in benchmarks."""
        return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config())).serialize_json(workflow)


def _refuse(value: Any) -> Any:
    raise TypeError(f"process data must be JSON: {type(value).__name__} is not")
