"""The engine's error hierarchy: every failure a caller can act on is one of these.

Each class maps to exactly one HTTP status in the API layer; each carries what the
user needs to fix the input (the element, the field, the task).
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        """The stable error shape: {"code", "message", "details"}."""
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(EngineError):
    """An id (process key, version, instance, task) names nothing."""

    code = "not_found"


class Conflict(EngineError):
    """The request is valid but the state it acts on has moved (task not ready, stale revision)."""

    code = "conflict"


class DuplicateCase(Conflict):
    """An open case of the process already has the business key a start asked for."""

    code = "duplicate_business_key"

    def __init__(self, process_key: str, business_key: str | None, instance_id: str):
        super().__init__(f"an open case of '{process_key}' already has business key '{business_key}': "
                         f"instance {instance_id}", [{"field": "business_key", "instance_id": instance_id}])
        self.instance_id = instance_id


class ScheduledProcess(Conflict):
    """A process that starts on its schedule (a timer start event) was asked to start by hand."""

    code = "scheduled_process"


class BusinessKeyTaken(Conflict):
    """A concurrent start took the business key first (the start is tried once more, and then refused)."""

    code = "duplicate_business_key"


class StaleBase(Conflict):
    """A draft of a process's next version was based on an older version than the newest one deployed since."""

    code = "stale_base"

    def __init__(self, message: str, latest: int, details: list[dict[str, Any]] | None = None):
        super().__init__(message, details)
        self.latest = latest


class Unavailable(EngineError):
    """The connection to the database was lost (a restart, a network cut); the request can be tried again."""

    code = "database_unavailable"


class StateFormatError(Conflict):
    """An instance's saved state is in a format this release does not read; it is left untouched."""

    code = "state_format"


class Forbidden(EngineError):
    """The actor may not do this to this object."""

    code = "forbidden"


@dataclass(frozen=True)
class Problem:
    """One finding of the model intake: where it is and what is wrong."""

    code: str
    message: str
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON responses and the CLI."""
        return asdict(self)

    def __str__(self) -> str:
        where = self.element_id or "model"
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


class InvalidModel(EngineError):
    """An uploaded BPMN model was refused; `problems` lists every error found."""

    code = "invalid_model"

    def __init__(self, problems: list[Problem], message: str | None = None):
        problems = list(problems)
        if message is None:
            message = f"The model has {len(problems)} problem(s): " + "; ".join(map(str, problems[:3]))
        super().__init__(message, [p.to_dict() for p in problems])
        self.problems = problems


class ModelTooLarge(InvalidModel):
    """The uploaded bytes exceed the configured size cap."""

    code = "model_too_large"


@dataclass(frozen=True)
class FieldError:
    """One refused field of submitted data."""

    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON responses."""
        return asdict(self)


class InvalidData(EngineError):
    """Submitted data was refused; `fields` names each bad field."""

    code = "invalid_data"

    def __init__(self, fields: list[FieldError], message: str | None = None):
        fields = list(fields)
        if message is None:
            message = "Invalid data: " + "; ".join(f"{f.field}: {f.message}" for f in fields)
        super().__init__(message, [f.to_dict() for f in fields])
        self.fields = fields


def database_undid(exc: BaseException) -> bool:
    """PostgreSQL rolled the whole transaction back (a serialization failure, a deadlock's victim): running the
    command again may well succeed."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40001", "40P01")


def database_busy(exc: BaseException) -> bool:
    """The database refused for now, not for good: it undid the transaction (`database_undid`), would not wait for a
    lock (PostgreSQL's 55P03), or the SQLite file stayed locked. The command, not the case, failed."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    return database_undid(exc) or state == "55P03" or (state is None and "locked" in str(orig).lower())


def new_reference() -> str:
    """A short id that ties what a user is told of an incident to what the server log says."""
    return uuid.uuid4().hex[:12]


class Incident(EngineError):
    """A model failed at run time (bad condition, failing service); the instance is kept in `error`."""

    code = "incident"

    def __init__(self, message: str, instance_id: str, element_id: str | None, task_id: str | None):
        super().__init__(message, [{"instance_id": instance_id, "element_id": element_id, "task_id": task_id}])
        self.instance_id = instance_id
        self.element_id = element_id
        self.task_id = task_id


@dataclass
class SandboxViolation(Exception):
    """An expression or script uses something the sandbox does not allow."""

    message: str
    line: int | None = None
    col: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"
