"""Page sessions kept on the server, and sign-in throttling.

A page session is a random id in the (signed) cookie and a row here holding its hash: it
ends at sign-out, after `IDLE` without use or `ABSOLUTE` after sign-in, and as soon as the
user is deactivated or their password changes (the row remembers a stamp of the
credentials it was opened with). Failed sign-ins are counted per user name and per
address in the database, so every server process sees the same count; past the limits a
sign-in is refused, with how long to wait, before any password is checked.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .records import SigninFailure, User, WebSession

IDLE = timedelta(hours=2)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
WINDOW = timedelta(minutes=15)
MAX_USER_FAILURES = 5
MAX_ADDRESS_FAILURES = 20


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def credential_stamp(user: User) -> str:
    """Changes whenever the user's password (or active flag) does."""
    return hashlib.sha256(f"{user.password_hash}|{user.active}".encode()).hexdigest()[:32]


def open_session(session: Session, user: User, now: datetime) -> str:
    """A new page session for `user`; returns the id for the cookie (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=_hash(raw), username=user.username, credential_stamp=credential_stamp(user),
                           created_at=now, last_seen_at=now))
    return raw


def session_user(session: Session, raw: str | None, now: datetime) -> tuple[User, bool] | None:
    """The user of a live page session, and whether its last use should be noted (`touch_session`);
    None when it ended (signed out, idle, too old, user deactivated or password changed). Reads only."""
    if not raw:
        return None
    row = session.get(WebSession, _hash(raw))
    if row is None or row.revoked_at is not None or now - row.last_seen_at > IDLE or now - row.created_at > ABSOLUTE:
        return None
    user = session.get(User, row.username)
    if user is None or not user.active or credential_stamp(user) != row.credential_stamp:
        return None
    return user, now - row.last_seen_at > TOUCH_EVERY


def touch_session(session: Session, raw: str, now: datetime) -> None:
    """Note that a session was used now (it stays alive for another `IDLE`)."""
    session.execute(update(WebSession).where(WebSession.id_hash == _hash(raw)).values(last_seen_at=now))


def close_session(session: Session, raw: str | None, now: datetime) -> None:
    """Sign-out: the session can never be used again, even with a copy of its cookie."""
    if raw:
        session.execute(update(WebSession).where(WebSession.id_hash == _hash(raw)).values(revoked_at=now))


def revoke_sessions(session: Session, username: str, now: datetime) -> None:
    """End every page session of a user (deactivation, a forced sign-out)."""
    session.execute(update(WebSession).where(WebSession.username == username, WebSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def signin_wait(session: Session, username: str, address: str, now: datetime) -> timedelta | None:
    """How long a sign-in must wait because of earlier failures for this user or from this address; None: go on."""
    since = now - WINDOW
    for column, value, limit in ((SigninFailure.username, username, MAX_USER_FAILURES),
                                 (SigninFailure.address, address, MAX_ADDRESS_FAILURES)):
        count, oldest = session.execute(select(func.count(), func.min(SigninFailure.at))
                                        .where(column == value, SigninFailure.at > since)).one()
        if count >= limit:
            return max(oldest + WINDOW - now, timedelta(seconds=1))
    return None


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    """Count a failed sign-in (and forget failures older than the window)."""
    session.execute(delete(SigninFailure).where(SigninFailure.at <= now - WINDOW))
    session.add(SigninFailure(username=username[:64], address=address[:64], at=now))
