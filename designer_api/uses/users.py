"""Users: request and response models of the administrators' user management."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from domain.directory import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    USERNAME,
    UserView,
    ensure_user,
    issue_token,
    password_link,
    revoke_tokens,
    save_user,
    set_password,
)
from domain.directory import use_password_link as use_link
from engine import (
    TEXT_PATTERN,
    FieldError,
    InvalidData,
    NotFound,
    UnitOfWork,
)

from .common import Body, Open

# No control characters anywhere a name is stored (PostgreSQL refuses NUL in text: a 422 naming the field, not a 500)
PLAIN = r"^[^\x00-\x1f\x7f-\x9f]*$"
RoleName = Annotated[str, Field(max_length=32, pattern=TEXT_PATTERN)]


GroupKey = Annotated[str, Field(max_length=64, pattern=TEXT_PATTERN)]


class UserPatch(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}, {"groups": ["sales"], "region": "east"}]})

    display_name: Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)] | None = None
    email: Annotated[str, Field(max_length=256, pattern=r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+$")] | None = None
    region: Annotated[str, Field(max_length=64, pattern=PLAIN)] | None = None
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=10)] | None = None
    groups: Annotated[list[GroupKey], Field(max_length=50)] | None = None
    active: bool | None = None


Password = Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD,
                                 description=f"at least {MIN_PASSWORD} characters")]


class UserIn(UserPatch):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "dora", "display_name": "Dora Ma 马朵", "roles": ["staff"], "groups": ["sales"],
         "region": "north", "email": "dora@example.com"}]})

    username: Annotated[str, Field(pattern=USERNAME.pattern)]
    password: Password | None = Field(None, description="an initial password for the pages (or send a set-password "
                                                        "link afterwards)")


class PasswordIn(Body):
    password: Password


class PasswordSet(Open):
    username: str
    password_set: bool


class PasswordLinkSent(Open):
    username: str
    sent_to: str
    expires_at: datetime


def save(uow: UnitOfWork, username: str, changes: dict[str, Any], create: bool,
         initial_password: str | None = None) -> UserView:
    """Create or change a user as `uow.actor` (an administrator); `null` leaves a field as it is, `"region": ""`
    clears the region; deactivating ends their sessions and tokens; a new user may get an initial password in the
    same transaction. :raises InvalidData, NotFound, Conflict:"""
    saved = save_user(uow.session, username, changes, create, uow.now, uow.actor)
    if initial_password is not None:
        password(uow, username, initial_password)
    return saved


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
    """Set the password a user signs in to the pages with; their open sessions end.
    :raises NotFound: no such user; InvalidData: naming `password`"""
    try:
        set_password(uow.session, username, secret)
    except LookupError as unknown:
        raise NotFound(unknown.args[0]) from None
    except ValueError as refused:
        raise InvalidData([FieldError("password", refused.args[0])]) from None


def send_password_link(uow: UnitOfWork, username: str, base_url: str) -> dict[str, Any]:
    """Mail the user a one-time link to set their password (delivered after commit). :raises NotFound, InvalidData:"""
    return password_link(uow.session, username, uow.now, base_url, uow.actor)


def use_password_link(uow: UnitOfWork, token: str, secret: str) -> str:
    """Set the password a mailed link is for; the username. :raises NotFound: (the link); InvalidData: `password`"""
    try:
        return use_link(uow.session, token, secret, uow.now)
    except ValueError as refused:
        raise InvalidData([FieldError("password", refused.args[0])]) from None
