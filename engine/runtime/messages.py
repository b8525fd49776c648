"""Messages from the systems around the engine (finance, ERP): correlated to the case waiting for them.

A message names a BPMN message and the case it is for — its business key, or a correlation of
`instance_id`, `process_key` and case data fields. It goes to the first open case waiting for that
message at an intermediate catch event, a receive task, a boundary event or an event-based gateway;
its data enters the case there (checked against the message's form when the model gives it one), the
case runs on, and all of it commits in one transaction. Its `message_id` is recorded in that same
transaction under a unique key, with a digest of what was sent (name, target, data): the same id with the
same contents again changes nothing and answers the first result; the same id with another target or other
data is refused (409 naming `message_id`), never taken for a repeat. A message no case waits for is refused
(not buffered); the sender may send it again later.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, FieldError, InvalidData, NotFound, Text
from ..store.tables import Instance, MessageReceipt
from .commands import check_data, refuse_parameters
from .instance_run import InstanceRun, lock_instance
from .unit_of_work import UnitOfWork

MAX_CANDIDATES = 20
_OPEN = ("running", "waiting")


class DuplicateMessage(Conflict):
    """This message id was taken before (by a delivery that committed)."""

    code = "duplicate_message"


def deliver(uow: UnitOfWork, name: str, message_id: str, business_key: str | None = None,
            correlation: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Hand a message to the case waiting for it. :raises NotFound, InvalidData, DuplicateMessage:"""
    data = check_data(data, uow.context.limits.data)
    correlation = dict(correlation or {})
    if business_key is None and "instance_id" not in correlation:
        raise InvalidData([FieldError("business_key", Text("give the business key of the case, or correlation.instance_id"))])
    receipt = MessageReceipt(message_id=message_id, name=name, business_key=business_key, received_by=uow.actor,
                             received_at=uow.now, result={}, digest=digest(name, business_key, correlation, data))
    uow.session.add(receipt)
    try:
        uow.session.flush()  # the unique message id decides a race between two deliveries of one message here
    except IntegrityError:
        raise DuplicateMessage(Text("message '{id}' was received before", id=message_id)) from None
    run, task = _waiting_case(uow, name, business_key, correlation)
    refuse_parameters(data, run.specs.parameters)
    form_key = run.specs.message_forms.get(name)
    if form_key is not None:
        errors = uow.context.forms.validate(uow.session, form_key, data)
        if errors:
            raise InvalidData(errors)
    receive(run, task, name, message_id, data)
    run.save()
    receipt.instance_id = run.row.id
    receipt.result = {"message_id": message_id, "name": name, "instance_id": run.row.id,
                      "process_key": run.row.process_key, "business_key": run.row.business_key,
                      "element_id": task.task_spec.bpmn_id, "status": run.row.status}
    return receipt.result


def digest(name: str, business_key: str | None, correlation: dict[str, Any] | None,
           data: dict[str, Any] | None) -> str:
    """What identifies a message's contents: its name, the case it addresses and its data."""
    sent = {"name": name, "business_key": business_key, "correlation": correlation or {}, "data": data or {}}
    return hashlib.sha256(json.dumps(sent, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def first_result(uow: UnitOfWork, message_id: str, name: str, business_key: str | None,
                 correlation: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the first delivery of a message id answered, when this one sent the same.

    :raises Conflict: naming `message_id` when the id was used for another message, target or data
    """
    receipt = uow.session.get(MessageReceipt, message_id)
    if receipt is None:  # the first delivery rolled back after all: nothing to repeat
        raise Conflict(Text("message '{id}' is being received by another request; send it again", id=message_id))
    same = (receipt.digest == digest(name, business_key, correlation, check_data(data, uow.context.limits.data))
            if receipt.digest is not None else (receipt.name, receipt.business_key) == (name, business_key))
    if not same:
        raise Conflict(Text("message id '{id}' was used before for message '{name}' (business key '{key}') with "
                            "other contents; give every message its own id", id=message_id, name=receipt.name,
                            key=receipt.business_key),
                       [{"field": "message_id",
                         "message": Text("was used before for a message with another target or other data")}])
    return {**receipt.result, "duplicate": True}


def _waiting_case(uow: UnitOfWork, name: str, business_key: str | None,
                  correlation: dict[str, Any]) -> tuple[InstanceRun, Any]:
    instance_id = correlation.pop("instance_id", None)
    process_key = correlation.pop("process_key", None)
    query = select(Instance.id).where(Instance.status.in_(_OPEN)).order_by(Instance.started_at).limit(MAX_CANDIDATES)
    if instance_id is not None:
        query = query.where(Instance.id == str(instance_id))
    if business_key is not None:
        query = query.where(Instance.business_key == business_key)
    if process_key is not None:
        query = query.where(Instance.process_key == str(process_key))
    for candidate in uow.session.scalars(query).all():
        run = lock_instance(uow, candidate)
        if run.row.status not in _OPEN:  # ended while we waited for its lock
            continue
        for task in run.workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if (isinstance(definition, MessageEventDefinition) and definition.name == name
                    and all(task.data.get(field) == value for field, value in correlation.items())):
                return run, task
    where = Text("business key '{key}'", key=business_key) if business_key is not None else Text(
        "case '{case}'", case=instance_id)
    if correlation:
        raise NotFound(Text("no open case with {where} is waiting for message '{name}' with {correlation}",
                            where=where, name=name, correlation=correlation))
    raise NotFound(Text("no open case with {where} is waiting for message '{name}'", where=where, name=name))


def receive(run: InstanceRun, task: Any, name: str, message_id: str, data: dict[str, Any]) -> None:
    """The waiting task catches the message: its data enters the case there, then the case runs on."""
    run.workflow.catch(BpmnEvent(task.task_spec.event_definition, payload=data))
    task.data.update(data)  # after the catch: catching merges the parent's data into the task first
    run.event("message_received", task.task_spec.bpmn_id, None, {"name": name, "message_id": message_id,
                                                                  "data": data})
    run.advance()
