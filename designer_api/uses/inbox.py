"""The inbox: notifications' request and response models."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, RootModel

from domain.notifications import mark_read
from engine import UnitOfWork

from .common import Open, Query


class Notification(Open):
    id: int
    kind: str
    title: str
    created_at: datetime


Notifications = RootModel[list[Notification]]


class Read(Open):
    id: int
    read: bool


class UnreadQuery(Query):
    unread: Annotated[str, Field(max_length=5)] | None = None


def mark_notification_read(uow: UnitOfWork, notification_id: int) -> None:
    """Mark one of `uow.actor`'s notifications read. :raises NotFound:"""
    mark_read(uow.session, uow.actor or "", notification_id, uow.now)
