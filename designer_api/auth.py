"""Token authentication and role checks, for the API and the pages alike.

The role sets below are the only place that says who may do what: an API route declares one in
`@operation(..., roles)`, a page in `@allowed(roles)`; both check it before anything of the request is read.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import g, request

from domain.directory import ROLES, caller_for_token
from engine import UNASSIGNED, Forbidden, Text

from .errors import Unauthorized
from .http import engine

PUBLIC = {"/api/health", "/api/openapi.json"}

Roles = tuple[str, ...]
# Who may do what, by role (the roles themselves are declared once, in domain.directory.ROLES).
ANYONE: Roles = ("staff", "analyst", "manager", "admin")  # every person (a system's integration account is none)
STAFF: Roles = ("staff",)  # work their own and their groups' tasks
WORKERS: Roles = ("staff", "admin")  # start cases, read tasks and their forms
ANALYSTS: Roles = ("analyst",)  # change drafts
AUTHORS: Roles = ("analyst", "admin")  # read and simulate drafts
ADMINS: Roles = ("admin",)
REPORT_READERS: Roles = ("manager", "analyst", "admin")
CASE_READERS: Roles = ("staff", "manager", "admin")  # each case's own visibility rules then apply
COCKPIT: Roles = ("admin", "manager")  # search every case (managers read only)
MESSENGERS: Roles = ("integration", "admin")  # the systems around crmflow
SIGNED_IN: Roles = tuple(ROLES)  # any caller with a valid token (their own identity)


@dataclass(frozen=True)
class Principal:
    """Who is calling: their username, roles and groups."""

    username: str
    roles: frozenset[str]
    groups: list[str] = field(default_factory=list)

    @property
    def queues(self) -> list[str]:
        """The task queues they work: their groups, and for administrators the tasks nobody is named for."""
        return [*self.groups, UNASSIGNED] if "admin" in self.roles else list(self.groups)


def authenticate() -> None:
    """Before every /api request: resolve the bearer token to a principal. :raises Unauthorized:"""
    if (not request.path.startswith("/api/") or request.path in PUBLIC or request.path.startswith("/api/docs")
            or request.method == "OPTIONS"):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(Text("send 'Authorization: Bearer <token>'; `crmflow users token USER` makes one"))
    with engine().store.read() as session:
        found = caller_for_token(session, token.strip(), engine().clock())
        if found is None:
            raise Unauthorized(Text("the token is unknown, expired or revoked, or its user is inactive"))
        user, groups = found
        g.principal = Principal(user.username, frozenset(user.roles), groups)


def current() -> Principal:
    """The authenticated caller."""
    return g.principal


def check_roles(roles: Roles) -> Principal:
    """The caller, if they hold one of `roles`. :raises Forbidden:"""
    principal = current()
    if not principal.roles & set(roles):
        raise Forbidden(Text("{user} needs the role {roles} for this", user=principal.username, roles=" / ".join(roles)))
    return principal


def allowed(roles: Roles) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view only callers holding one of `roles` reach: the check comes before the view reads anything."""
    unknown = set(roles) - ROLES.keys()
    assert roles and not unknown, f"no such role: {unknown}"  # a typo in a route, not a user error

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check_roles(roles)
            return view(*args, **kwargs)

        checked.roles = roles  # type: ignore[attr-defined]  # read by the OpenAPI document and the tests
        return checked

    return wrap
