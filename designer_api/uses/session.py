"""Health and the caller's identity: response models."""
from __future__ import annotations

import math

from domain.directory import user_for_password
from domain.sessions import close_session, open_session, record_failure, signin_wait, touch_session
from engine import UnitOfWork

from .common import Open


class Me(Open):
    username: str
    roles: list[str]
    groups: list[str]


class Health(Open):
    status: str


def sign_in(uow: UnitOfWork, username: str, password: str, address: str) -> str | int:
    """A new page session id, or the minutes to wait after too many failures (0: just a wrong password)."""
    wait = signin_wait(uow.session, username, address, uow.now)
    if wait is not None:
        return max(1, math.ceil(wait.total_seconds() / 60))
    user = user_for_password(uow.session, username, password)
    if user is None:
        record_failure(uow.session, username, address, uow.now)
        return 0
    return open_session(uow.session, user, uow.now)


def sign_out(uow: UnitOfWork, session_id: str | None) -> None:
    """End a page session."""
    close_session(uow.session, session_id, uow.now)


def touch(uow: UnitOfWork, session_id: str) -> None:
    """Note that a page session was used now (it expires after a while unused)."""
    touch_session(uow.session, session_id, uow.now)
