"""Drafts: request and response models of adapting a process."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from engine import (
    batch_schema,
)

from .common import Body, Data, DraftOut, Id32, Open, Query
from .processes import PilotIn


class RebaseIn(Body):
    revision: Id32 | None = None


class OperationsIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"operations": [{"op": "set_parameter", "name": "credit_band", "value": 3000000}]}]})

    # Each operation is checked by the engine against its declaration (OPERATIONS), field by field, before any is
    # applied; the document shows that declaration.
    operations: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=100,
                                                      json_schema_extra={"items": batch_schema()["items"]})]
    revision: Id32 | None = None


class SimulationIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": {"amount": 500}, "answers": {}}]})

    data: Data | None = None
    answers: dict[str, Any] | None = None


class Validation(Open):
    valid: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class Diff(Open):
    summary: dict[str, int]


class ThreeWay(Open):
    base: str
    theirs: str
    ours: str
    their_changes: Diff
    our_changes: Diff
    both_changed: list[dict[str, Any]]


class Rebased(ThreeWay):
    draft: DraftOut  # type: ignore[valid-type]


class Simulation(Open):
    status: str
    path: list[dict[str, Any]]
    tasks: list[dict[str, Any]]


class DraftsQuery(Query):
    process_key: Annotated[str, Field(max_length=128)] | None = None


class DiffQuery(Query):
    against: Annotated[str, Field(max_length=200, description="'source' (default) or key@version")] | None = None


class DeployIn(Body):
    pilot: PilotIn | None = Field(None, description="deploy as a pilot for these regions or groups only; the "
                                                    "current version stays current for everyone else")
