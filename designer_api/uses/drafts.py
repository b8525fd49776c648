"""Drafts: request and response models of adapting a process."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from engine import (
    batch_schema,
)

from .common import Body, Data, Day, DraftOut, Id32, Open, Query
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


class ReplayIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"since": "2026-09-01", "until": "2026-11-30"}]})

    # a day is written YYYY-MM-DD in JSON: read from text (the body is otherwise strict)
    since: Annotated[Day, Field(strict=False, description="cases started from this day (default: 90 days before "
                                                          "until)")] | None = None
    until: Annotated[Day, Field(strict=False, description="cases started to this day, inclusive (default: today)")] \
        | None = None
    limit: Annotated[int, Field(ge=1, le=10_000, description="at most this many cases, the newest (default 1,000)")] \
        | None = None


class ReplayedCase(Open):
    instance_id: str
    business_key: str | None
    verdict: Annotated[str, Field(description="same, changed or not_replayable")]
    first_difference: dict[str, Any] | None = Field(description="{element_id, name} of the first step that differs")
    steps_added: list[str]
    steps_skipped: list[str]
    control_points: dict[str, list[str]] = Field(description="{fired: [...], no_longer: [...]}")
    reason: str | None


class Replay(Open):
    replayed: int
    same: int
    changed: int
    not_replayable: int
    cases: list[ReplayedCase]
    summary: list[str]


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
