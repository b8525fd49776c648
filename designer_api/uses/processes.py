"""Processes: the catalog, versions, starting a case, pilots, comparisons and migrations: models and shared logic."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, RootModel, ValidationError

from engine import (
    TEXT_PATTERN,
    Engine,
    InvalidData,
    PilotView,
    VersionView,
)

from .common import Body, Data, Day, Id32, Key, Open, Query, Text, VersionOut, _model_of, field_errors_of


class CopyIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {}, {"new_key": "customer_approval_key_accounts", "name": "Key-account approval"}]})

    new_key: Annotated[Key | None, Field(description="leave out to adapt the process into its own next version; "
                                                     "give one to start a new process")] = None
    name: Text | None = None
    version: Id32 | None = None


class StartIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}, "business_key": "SO-1001"}]})

    data: Data | None = None
    business_key: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    version: Id32 | None = None


StepId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")]


class MigrationIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"from_version": 1, "to_version": 2},
        {"from_version": 1, "to_version": 2, "mapping": {"Task_PaymentTermsReview": "Task_CreditLimitReview"}}]})

    from_version: Id32
    to_version: Id32
    mapping: Annotated[dict[StepId, StepId], Field(
        max_length=200, description="for cases waiting at a step the new version removed or changed: "
                                    "old step id -> the step of the new version they move to")] = {}


class CatalogEntry(Open):
    process_key: str
    name: str
    active_version: int | None
    versions: list[VersionOut]  # type: ignore[valid-type]


Catalog = RootModel[list[CatalogEntry]]


class Outline(Open):
    process_key: str
    name: str | None
    parameters: dict[str, Any]
    steps: dict[str, dict[str, Any]]
    flows: dict[str, dict[str, Any]]
    lanes: list[str]


class Migration(Open):
    instances: list[dict[str, Any]]


class StartForm(Open):
    process_key: str
    form_key: str | None
    schema_: dict[str, Any] | None = Field(alias="schema")


class DeployQuery(Query):
    process_key: Annotated[str, Field(max_length=128)] | None = None


# -- pilots and comparisons -------------------------------------------------------------------------------------
ScopeName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class PilotIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"regions": ["east"], "until": "2027-03-31"}]})

    regions: Annotated[list[ScopeName], Field(max_length=50)] = []
    groups: Annotated[list[ScopeName], Field(max_length=50)] = []
    until: Annotated[str, Field(max_length=32, description="the last day of the pilot, YYYY-MM-DD")] | None = None


class FinishPilotIn(Body):
    version: Id32 | None = None


PilotOut = _model_of(PilotView)


Pilots = RootModel[list[PilotOut]]  # type: ignore[valid-type]


class PilotFinished(Open):
    pilot: PilotOut  # type: ignore[valid-type]
    current_version: int | None
    previous_version: int | None


class CompareQuery(Query):
    a: Id32
    b: Id32
    since: Annotated[Day, Field(description="cases started from this day, YYYY-MM-DD")] | None = None
    until: Annotated[Day, Field(description="cases started to this day (inclusive), YYYY-MM-DD")] | None = None
    format: Annotated[str, Field(pattern="^(json|csv)$")] = "json"
    lang: Annotated[str, Field(pattern="^(en|zh)$")] = "en"


class Comparison(Open):
    process_key: str
    a: int
    b: int
    rows: list[dict[str, Any]]
    notes: list[str]


def catalog(versions: list[VersionView], schedules: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One entry per process key: newest version first, the active one named, and its lineage.

    `derived_from`: the other processes it was copied from (key@version); `derivatives`: the processes copied
    from it. Adaptations into a key's own next version show in each version's `copied_from`. `schedule`: for a
    process that starts on its own (Engine.schedules), when next and for whom; nobody starts it by hand.
    """
    entries: dict[str, dict[str, Any]] = {}
    for version in versions:
        entry = entries.setdefault(version.process_key, {
            "process_key": version.process_key, "name": version.name, "name_zh": version.name_zh,
            "active_version": None, "versions": [],
            "derived_from": [], "derivatives": [], "schedule": (schedules or {}).get(version.process_key)})
        entry["versions"].append(version)
        if version.active and entry["active_version"] is None:
            entry["active_version"], entry["name"], entry["name_zh"] = version.version, version.name, version.name_zh
    for entry in entries.values():
        for version in entry["versions"]:
            source_key = (version.copied_from or "").partition("@")[0]
            if source_key and source_key != entry["process_key"] and version.copied_from not in entry["derived_from"]:
                entry["derived_from"].append(version.copied_from)
                if source_key in entries and entry["process_key"] not in entries[source_key]["derivatives"]:
                    entries[source_key]["derivatives"].append(entry["process_key"])
    return list(entries.values())


def annotated_outline(engine: Engine, ref: str) -> dict[str, Any]:
    """The outline of a model, with the control points its service tasks run and their thresholds."""
    outline = engine.authoring.outline(ref)
    decided_by = {output["name"]: decision_id for decision_id, table in outline["decisions"].items()
                  for output in table["outputs"]}
    points = []
    for element_id, step in outline["steps"].items():
        point = engine.pack.control_point_run_by(step["service"])
        if point is not None:
            given = step["inputs"].get(point.limit_input) if point.limit_input else None
            parameters = outline["parameters"]  # the threshold a parameter holds; a table may decide it per case
            threshold = parameters[given] if given in parameters else parameters.get(point.parameter or "")
            points.append({"element_id": element_id, "threshold": threshold, "threshold_from": decided_by.get(given),
                           **point.to_dict()})
    return {**outline, "control_points": points}


def check_start(data: dict[str, Any], business_key: str | None) -> None:
    """A start sent from a page, held to the rules the API's StartIn holds a request body to. :raises InvalidData:"""
    try:
        StartIn.model_validate({"data": data, "business_key": business_key})
    except ValidationError as refused:
        raise InvalidData(field_errors_of(refused)) from None
