"""crmflow's process runtime: BPMN via SpiffWorkflow, persisted with SQLAlchemy. Knows nothing of CRM.

This module is the engine's public interface: the domain pack and the web layer import
from `engine` only, never from its rooms (intake/, store/, runtime/, authoring/).
"""
from .authoring import KEY_PATTERN, TEXT_PATTERN
from .authoring.drafts import DraftView
from .authoring.operations import FIELDS, OPERATIONS, Field, Operation, batch_schema
from .authoring.outline import CHANGES
from .errors import (
    Conflict,
    DuplicateCase,
    EngineError,
    FieldError,
    Forbidden,
    Incident,
    InvalidData,
    InvalidModel,
    ModelTooLarge,
    Named,
    NotFound,
    Problem,
    StateFormatError,
    Text,
    Unavailable,
    kept,
    listed,
    template,
)
from .facade import Engine
from .intake.dictionary import decision_fields
from .intake.forms import field_error
from .intake.layout import layout_bytes
from .intake.properties import panel as property_panel
from .intake.xml import NS, local_name, reparse
from .pack import Assignment, CaseScope, ControlPoint, HumanTask, Pack, ServiceCall, default_assignment, uses_call
from .runtime.commands import DATA_NAME_PATTERN, MAX_DATA_KEYS
from .runtime.outbox import JournalSender, Sender, SmtpSender, dispatch
from .runtime.outbox import queue as queue_message
from .runtime.stepping import StepLimits
from .runtime.unit_of_work import UnitOfWork
from .runtime.webhooks import WebhookSender, signature
from .runtime.worker import Worker
from .scripting.data import DataLimits
from .store import reports
from .store.pilots import PilotView
from .store.queries import (
    UNASSIGNED,
    DeliveryView,
    EventView,
    InstanceSearch,
    InstanceView,
    TaskView,
    VersionView,
    WebhookView,
)
from .store.tables import NAMING, UTCDateTime

__all__ = [
    # the facade, its limits and the pack interface
    "Engine", "UnitOfWork", "DataLimits", "StepLimits",
    "Pack", "ControlPoint", "HumanTask", "Assignment", "CaseScope", "ServiceCall", "uses_call", "default_assignment",
    # errors
    "EngineError", "NotFound", "Conflict", "DuplicateCase", "Forbidden", "InvalidModel", "ModelTooLarge", "InvalidData", "Incident",
    "StateFormatError", "Unavailable", "Problem", "FieldError",
    # sentences for people, said in the reader's language from their template and figures
    "Text", "Named", "listed", "template", "kept",
    # read views and helpers
    "TaskView", "UNASSIGNED", "InstanceView", "VersionView", "EventView", "DraftView", "reports", "reparse", "local_name", "NS",
    "layout_bytes",
    # the rules for what people type, read by the engine and by the API's schemas
    "TEXT_PATTERN", "KEY_PATTERN", "DATA_NAME_PATTERN", "MAX_DATA_KEYS",
    # structured edit operations and the business-diff kinds, declared once
    "OPERATIONS", "FIELDS", "Operation", "Field", "batch_schema", "CHANGES",
    # crmflow's BPMN properties, as the modeler's panel shows them
    "property_panel",
    # workers and delivery
    "Worker", "Sender", "JournalSender", "SmtpSender", "WebhookSender", "signature", "dispatch", "queue_message",
    "DeliveryView", "WebhookView", "InstanceSearch", "field_error", "decision_fields", "PilotView",
    # for a pack's own tables: the engine's naming convention and aware UTC datetimes
    "NAMING", "UTCDateTime",
]
