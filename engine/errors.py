"""The engine's error hierarchy: every failure a caller can act on is one of these; and the sentences its
messages (and every other sentence the engine says to people) are made of.

Each class maps to exactly one HTTP status in the API layer; each carries what the
user needs to fix the input (the element, the field, the task).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, cast

# -- sentences for people, in the reader's language ----------------------------------------------------------
# A `Text` is the English sentence — a `str`, so logs, tests, JSON and the history read it as before — that also
# keeps the template it was made from and its parameters: `Text("task '{task}' is {state}, not ready", task=...,
# state=...)`. The pages and the API render it in the reader's language by looking the template up in the gettext
# catalog (`designer_api/translations`) and filling in the parameters, never by matching English text. The templates
# are the catalog's message ids: `make catalog` extracts every `Text("…")` of the code into it.
#
# A parameter that is itself a `Text` is rendered in the reader's language too (a status, a noun, a reason).


class Text(str):
    """An English sentence that can be said again in another language: its template and parameters."""

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template, text.params = template, params
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # a copy or a pickle keeps its template and parameters
        return _rebuild, (self.template, dict(self.params))

    def rendered(self, lookup: Callable[[str], str]) -> str:
        """The sentence with `lookup` giving each template (its own and its parameters') in the reader's words.

        A translation that does not fit its parameters (a catalog mistake) falls back to the English sentence.
        """
        if not self.params:
            return lookup(self.template)
        params = {key: value.rendered(lookup) if isinstance(value, Text) else value for key, value in self.params.items()}
        try:
            return lookup(self.template).format(**params)
        except (KeyError, IndexError, ValueError):
            return str.__str__(self)

    def stored(self) -> str:
        """The template and parameters as JSON, to keep a sentence in a column and say it again later."""
        return json.dumps({"text": self.template, "params": {k: _plain(v) for k, v in self.params.items()}},
                          ensure_ascii=False, default=str)

    @classmethod
    def restored(cls, stored: str | None) -> str | None:
        """A sentence kept by `stored` (a column written before sentences were kept this way reads as its text)."""
        if not stored or not stored.startswith('{"text"'):
            return stored
        try:
            kept = json.loads(stored)
            return cls(kept["text"], **{k: _unplain(v) for k, v in kept["params"].items()})
        except (ValueError, KeyError, TypeError, IndexError):
            return stored


class Named(Text):
    """A name the CRM pack gives in both languages (a region, an industry, a group): its Chinese is the pack's,
    unless the catalog says otherwise."""

    zh: str

    def __new__(cls, english: str, chinese: str) -> Named:
        name = cast(Named, super().__new__(cls, english))
        name.zh = chinese
        return name

    def __reduce__(self) -> tuple[Any, ...]:
        return Named, (self.template, self.zh)

    def rendered(self, lookup: Callable[[str], str]) -> str:
        found = lookup(self.template)
        return self.zh if found == self.template else found


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def _plain(value: Any) -> Any:
    if isinstance(value, Named):
        return {"name": value.template, "zh": value.zh}
    if isinstance(value, Text):
        return {"text": value.template, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"text", "params"}:
        return Text(value["text"], **{k: _unplain(v) for k, v in value["params"].items()})
    if isinstance(value, dict) and set(value) == {"name", "zh"}:
        return Named(value["name"], value["zh"])
    return value


def kept(text: str | None, limit: int = 512) -> str | None:
    """What a column of `limit` characters holds for a sentence: a `Text` as its template and parameters
    (`Text.restored` reads it), else (or when that is too long) the sentence itself."""
    stored = text.stored() if isinstance(text, Text) else text
    return stored if stored is None or len(stored) <= limit else str(text)[:limit]


def template(text: str) -> str:
    """Marks a template that a `Text` is made from later (`make catalog` finds it here too)."""
    return text


def listed(items: Any) -> str:
    """Names in a sentence: "a, b, c" (the same in both languages: they are names, not words)."""
    return ", ".join(str(item) for item in items)


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
