"""Health and the caller's identity: response models."""
from __future__ import annotations

from .common import Open


class Me(Open):
    username: str
    roles: list[str]
    groups: list[str]


class Health(Open):
    status: str
