"""Token authentication and role checks for the API."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request

from domain.directory import ROLES, caller_for_token
from engine import UNASSIGNED, Forbidden

from .errors import Unauthorized
from .http import engine

PUBLIC = {"/api/health", "/api/openapi.json"}
# Who may do what, by role (roles are declared once, in domain.directory.ROLES).
AUTHORS = ("analyst", "admin")
REPORT_READERS = ("manager", "analyst", "admin")


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
        raise Unauthorized("send 'Authorization: Bearer <token>'; `crmflow users token USER` makes one")
    with engine().store.read() as session:
        found = caller_for_token(session, token.strip(), engine().clock())
        if found is None:
            raise Unauthorized("the token is unknown, expired or revoked, or its user is inactive")
        user, groups = found
        g.principal = Principal(user.username, frozenset(user.roles), groups)


def current() -> Principal:
    """The authenticated caller."""
    return g.principal


def require(*roles: str) -> Principal:
    """The caller, if they hold one of `roles`. :raises Forbidden:"""
    unknown = set(roles) - ROLES.keys()
    assert not unknown, f"no such role: {unknown}"  # a typo in a route, not a user error
    principal = current()
    if not principal.roles & set(roles):
        raise Forbidden(f"{principal.username} needs the role {' or '.join(roles)} for this")
    return principal
