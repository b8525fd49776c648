"""Users: request and response models of the administrators' user management."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from domain.directory import USERNAME, UserView, ensure_user, issue_token, revoke_tokens, save_user, set_password
from engine import (
    TEXT_PATTERN,
    UnitOfWork,
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


def save(uow: UnitOfWork, username: str, changes: dict[str, Any], create: bool) -> UserView:
    """Create or change a user as `uow.actor` (an administrator); `null` leaves a field as it is, `"region": ""`
    clears the region; deactivating ends their sessions and tokens. :raises InvalidData, NotFound, Conflict:"""
    return save_user(uow.session, username, changes, create, uow.now, uow.actor)


def ensure(uow: UnitOfWork, username: str, display_name: str, roles: list[str], groups: list[str],
           region: str | None) -> None:
    """Create or update a user from the command line."""
    ensure_user(uow.session, username, display_name, roles, groups, region)


def issue(uow: UnitOfWork, username: str, label: str | None, days: int) -> str:
    """A new API token for `username` (shown once; only its hash is stored). :raises LookupError:"""
    return issue_token(uow.session, username, uow.now, label, days=days)


def revoke(uow: UnitOfWork, token: str | None, username: str | None) -> int:
    """Revoke one token, or (`token` None) every token of `username`; how many were revoked."""
    return revoke_tokens(uow.session, uow.now, token, username)


def password(uow: UnitOfWork, username: str, secret: str) -> None:
    """Set the password a user signs in to the pages with; their open sessions end. :raises LookupError, ValueError:"""
    set_password(uow.session, username, secret)
