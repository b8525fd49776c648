"""The engine's tables. Schema changes go through Alembic revisions in engine/migrations/."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of the engine's tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


class Process(Base):
    """A process key (e.g. `customer_approval`): the name every version shares."""

    __tablename__ = "process"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column()


class ProcessVersion(Base):
    """An immutable deployed model: its bytes, content hash, lineage and whether new starts use it."""

    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("process_key", "version"),
        UniqueConstraint("process_key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(ForeignKey("process.key"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    name: Mapped[str] = mapped_column(String(256))
    name_zh: Mapped[str | None] = mapped_column(String(256))  # the process's nameZh property, for zh readers
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    copied_from: Mapped[str | None] = mapped_column(String(160))
    author: Mapped[str | None] = mapped_column(String(128))
    deployed_at: Mapped[datetime] = mapped_column()
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The data dictionary (intake/dictionary.py): the names a case holds at each element, with their types.
    dictionary: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    # The decision tables it carries: decision id -> its DMN document (text), one table each (intake/dmn.py).
    decisions: Mapped[dict[str, str] | None] = mapped_column(JSON, deferred=True)


class ModelForm(Base):
    """A form a deployed model carries itself (Camunda formData ...), keyed by the digest of its schema."""

    __tablename__ = "model_form"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)


class Draft(Base):
    """A model being adapted by an analyst: editable, never run except in simulation, deployable."""

    __tablename__ = "draft"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(256))
    bpmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    copied_from: Mapped[str | None] = mapped_column(String(160))
    author: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    revision: Mapped[int] = mapped_column(Integer)
    deployed_version: Mapped[int | None] = mapped_column(Integer)
    # A draft of its key's next version: the newest version of the key when it was copied or rebased (None for a
    # draft of a new key). A deploy after someone else's is refused until the draft is rebased.
    latest_seen: Mapped[int | None] = mapped_column(Integer)
    # The pilot an analyst proposes for the draft ({"regions", "groups", "until"}); an administrator decides.
    proposed_pilot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The decision tables the draft carries (decision id -> DMN text), edited with its BPMN.
    decisions: Mapped[dict[str, str] | None] = mapped_column(JSON, deferred=True)

    __mapper_args__ = {"version_id_col": revision}

    @property
    def base_version(self) -> int | None:
        """The version this draft adapts (from `copied_from`, "key@version")."""
        _, _, number = (self.copied_from or "").partition("@")
        return int(number) if number.isdigit() else None

    @property
    def next_version_of(self) -> bool:
        """Whether this draft becomes its key's next version (not a new process)."""
        return self.latest_seen is not None


class Instance(Base):
    """One running or finished process instance; `state` is SpiffWorkflow state without the spec (zlib JSON)."""

    __tablename__ = "instance"
    __table_args__ = (
        Index("ix_instance_process_status", "process_key", "status"),
        # One open case per business key and process: a second start with the key is refused.
        Index("uq_instance_open_business_key", "process_key", "business_key", unique=True,
              sqlite_where=text("ended_at IS NULL AND business_key IS NOT NULL"),
              postgresql_where=text("ended_at IS NULL AND business_key IS NOT NULL")),
        # One case per start request: a start repeating an Idempotency-Key answers with the case it made.
        Index("uq_instance_start_key", "process_key", "start_key", unique=True),
        Index("ix_instance_process_started", "process_key", "started_at"),  # reports: a process's cases in a period
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)  # the number of version_id, kept for lists and reports
    business_key: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    state: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    incident: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_by: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    start_key: Mapped[str | None] = mapped_column(String(128))  # the Idempotency-Key of the start request
    # The case's plain top-level data fields (text, numbers, flags), so lists can search them without
    # deserializing `state`: customer_id, amount, severity ...
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Every UPDATE checks and bumps `revision` (the command path: store/writes.update_instance; the ORM: version_id_col),
    # so a lost update is refused instead of overwriting.
    __mapper_args__ = {"version_id_col": revision}


class TaskRow(Base):
    """Projection of one human task, so task lists never deserialize an instance.

    `state` is ready, suspended, completed or cancelled; open work is `ready`.
    """

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_state", "assignee", "state"),
        # State first: group lists (ready, in my groups) and the open-work reports (all ready tasks) both use it.
        Index("ix_task_state_group", "state", "candidate_group"),
        Index("ix_task_process_created", "process_key", "created_at"),  # step durations in a period
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128), index=True)
    element_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(256))
    name_zh: Mapped[str | None] = mapped_column(String(256))  # the element's nameZh property, for zh readers
    lane: Mapped[str | None] = mapped_column(String(128))
    form_key: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(128))
    candidate_group: Mapped[str | None] = mapped_column(String(128))
    assignment_reason: Mapped[str | None] = mapped_column(String(512))
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[str | None] = mapped_column(String(128))
    # Four eyes: who may not work this task (the case's requester, whoever did an earlier step it checks).
    excluded: Mapped[list[str] | None] = mapped_column(JSON)


class Timer(Base):
    """A timer an instance waits on; the worker fires it when `due_at` has passed.

    The row is the only clock that matters: SpiffWorkflow's own due time is parked in the
    far future, so time is whatever the engine's (injectable) clock says.
    """

    __tablename__ = "timer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the waiting event's task id
    instance_id: Mapped[str] = mapped_column(ForeignKey("instance.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))


class ScheduledStart(Base):
    """One firing of a process's schedule (its timer start event), taken once: the key is unique, so of two workers
    firing it at the same moment one starts the cases and the other finds the row."""

    __tablename__ = "scheduled_start"

    process_key: Mapped[str] = mapped_column(ForeignKey("process.key"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    fired_at: Mapped[datetime] = mapped_column()
    instance_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Why a firing started fewer cases than it was meant to (a group nobody is in, a member with an open case).
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)


class MessageReceipt(Base):
    """A message from outside (finance, ERP) taken once: its id is unique, so a second delivery changes nothing."""

    __tablename__ = "message_receipt"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    received_by: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column()
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of what the sender sent (name, target, data): the same id with anything else is not a repeat.
    digest: Mapped[str | None] = mapped_column(String(64))


class Webhook(Base):
    """A subscriber outside: history events of the named types are posted to its URL, signed with its secret."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column()


class HistoryEvent(Base):
    """Append-only record of what happened to an instance: who, what, with what data, when."""

    __tablename__ = "history_event"
    __table_args__ = (Index("ix_history_event_type_at", "type", "at"),)  # events of a type in a period (reports)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128), index=True)
    type: Mapped[str] = mapped_column(String(48))
    element_id: Mapped[str | None] = mapped_column(String(128))
    task_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column()


class OutboxMessage(Base):
    """A side effect to perform after commit (mail, ERP call), delivered once per idempotency key."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # after a failure: not before (backoff)
    last_error: Mapped[str | None] = mapped_column(String(1000))


# The tables as Core objects, for statements that build no ORM objects (the command path, task lists).
TABLES = Base.metadata.tables
INSTANCE, TASK, TIMER = TABLES[Instance.__tablename__], TABLES[TaskRow.__tablename__], TABLES[Timer.__tablename__]


class Pilot(Base):
    """A version tried for some regions or groups before it is current: who started it, its scope, its end."""

    __tablename__ = "pilot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(ForeignKey("process.key"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    until: Mapped[datetime | None] = mapped_column()
    started_by: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column()
    ended_by: Mapped[str | None] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16))  # ended | rolled_out
