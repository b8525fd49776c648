"""Users: request and response models of the administrators' user management."""
from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from domain.directory import USERNAME
from engine import (
    TEXT_PATTERN,
)

from .common import Body

RoleName = Annotated[str, Field(max_length=32)]


GroupKey = Annotated[str, Field(max_length=64)]


class UserPatch(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}, {"groups": ["sales"], "region": "east"}]})

    display_name: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    email: Annotated[str, Field(max_length=256, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=10)] | None = None
    groups: Annotated[list[GroupKey], Field(max_length=50)] | None = None
    active: bool | None = None


class UserIn(UserPatch):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "dora", "display_name": "Dora Ma 马朵", "roles": ["staff"], "groups": ["sales"],
         "region": "north", "email": "dora@example.com"}]})

    username: Annotated[str, Field(pattern=USERNAME.pattern)]
