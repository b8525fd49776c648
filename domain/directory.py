"""Staff, groups and assignment rules: who a task goes to, and why."""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from engine import (
    Assignment,
    CaseScope,
    Conflict,
    FieldError,
    HumanTask,
    InvalidData,
    Named,
    NotFound,
    Text,
    default_assignment,
    listed,
    queue_message,
)

from .records import INDUSTRIES, REGIONS, ApiToken, AssignmentRule, Customer, Group, Membership, PasswordLink, User
from .sessions import revoke_sessions


def groups_of(session: Session, username: str) -> list[str]:
    """The groups a user belongs to."""
    return list(session.scalars(select(Membership.group_key).where(Membership.username == username)))


def members_of(session: Session, group_key: str, working: bool = False) -> list[str]:
    """The usernames in a group (`working`: only those whose account is active, in name order)."""
    query = select(Membership.username).where(Membership.group_key == group_key)
    if working:
        query = query.join(User, User.username == Membership.username).where(User.active.is_(True)).order_by(
            Membership.username)
    return list(session.scalars(query))


# The roles a user can hold: the one table the CLI, the API and the pages check against.
ROLES: dict[str, tuple[str, str, str]] = {
    "staff": ("Staff", "业务人员", "works the tasks assigned to them or their groups; starts cases"),
    "analyst": ("Process analyst", "流程分析员", "copies, adapts, validates and simulates process models"),
    "manager": ("Manager", "经理", "reads reports and their groups' cases"),
    "admin": ("Administrator", "管理员", "deploys versions, migrates and repairs cases, manages users"),
    "integration": ("Integration", "系统集成", "a system around crmflow (finance, ERP): sends messages to waiting cases"),
}


def group_for_lane(lane: str) -> str:
    """Lanes are named after the group that works them (`sales`, `credit_manager` ...)."""
    return lane.strip().lower().replace(" ", "_")


def assign(session: Session, task: HumanTask, data: Mapping[str, Any]) -> Assignment:
    """Lane -> group; within the group the most specific rule for the case's region/industry wins."""
    if task.properties.get("assigneeFrom"):
        user = data.get(task.properties["assigneeFrom"])
        if user and session.get(User, user) is not None:
            return Assignment(user, None, Text("assigned to {user}, named by '{field}' in the case data", user=user,
                                               field=task.properties["assigneeFrom"]))
    if task.properties.get("assignee") or task.properties.get("candidateGroup") or not task.lane:
        return default_assignment(task)
    group = group_for_lane(task.lane)
    region, industry = case_region_and_industry(session, data)
    rule = _best_rule(session, group, region, industry)
    if rule is None:
        return Assignment(None, group, Text("lane '{lane}' is worked by group '{group}'; no rule names a person, so "
                                            "any member may claim it", lane=task.lane, group=_group_name(session, group)))
    return Assignment(rule.username, group, _reason(rule, _group_name(session, group), region, industry))


def _group_name(session: Session, key: str) -> str:
    """A group as people call it, in both languages (its key where the directory does not know it)."""
    found = session.get(Group, key)
    return Named(found.name_en, found.name_zh) if found is not None else key


def case_region_and_industry(session: Session, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Region and industry from the case data, else from its customer."""
    region, industry = data.get("region"), data.get("industry")
    customer_id = data.get("customer_id")
    if (region is None or industry is None) and isinstance(customer_id, int):
        customer = session.get(Customer, customer_id)
        if customer is not None:
            region, industry = region or customer.region, industry or customer.industry
    return region, industry


def responsible(session: Session, group: str, region: str | None, industry: str | None) -> str | None:
    """The member of `group` the assignment rules give work of this region and industry to, if a rule names one."""
    rule = _best_rule(session, group, region, industry)
    return rule.username if rule is not None else None


def _best_rule(session: Session, group: str, region: str | None, industry: str | None) -> AssignmentRule | None:
    rules = session.scalars(select(AssignmentRule).where(AssignmentRule.group_key == group)
                            .order_by(AssignmentRule.id)).all()

    def fits(rule: AssignmentRule) -> int | None:
        if rule.region not in (None, region) or rule.industry not in (None, industry):
            return None
        return (rule.region is not None) * 2 + (rule.industry is not None)

    scored = [(score, rule) for rule in rules if (score := fits(rule)) is not None]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


def _reason(rule: AssignmentRule, group: str, region: str | None, industry: str | None) -> Text:
    """Why a rule gives a task to its member (`group`: the group's name)."""
    where = {"group": group, "user": rule.username, "rule": rule.id, "region": _named(REGIONS, region),
             "industry": _named(INDUSTRIES, industry)}
    if rule.region and rule.industry:
        return Text("cases of region {region} and industry {industry} in group '{group}' go to {user} (rule {rule})",
                    **where)
    if rule.region:
        return Text("cases of region {region} in group '{group}' go to {user} (rule {rule})", **where)
    if rule.industry:
        return Text("cases of industry {industry} in group '{group}' go to {user} (rule {rule})", **where)
    return Text("default member of group '{group}' (rule {rule}): {user}", **where)


def _named(names: Mapping[str, tuple[str, str]], code: str | None) -> str:
    found = names.get(code or "")
    return Named(*found) if found else code or "-"


def ensure_group(session: Session, key: str, name_en: str, name_zh: str) -> Group:
    """Create or rename a group."""
    group = session.get(Group, key) or Group(key=key)
    group.name_en, group.name_zh = name_en, name_zh
    session.add(group)
    return group


def ensure_user(session: Session, username: str, display_name: str, roles: list[str], groups: list[str],
                region: str | None = None, email: str | None = None) -> User:
    """Create or update a user and their group memberships."""
    user = session.get(User, username) or User(username=username)
    user.display_name, user.roles, user.region, user.email, user.active = display_name, roles, region, email, True
    session.add(user)
    session.flush()
    current = set(groups_of(session, username))
    for group in set(groups) - current:
        session.add(Membership(username=username, group_key=group))
    return user


def token_hash(token: str) -> str:
    """What is stored for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def delegation_problem(session: Session, username: str, group: str | None) -> str | None:
    """Why a task of `group` cannot be handed to `username` (unknown, inactive, not in the group); None if it can."""
    user = session.get(User, username)
    if user is None or not user.active:
        return Text("'{user}' is no active user", user=username)
    if group is not None and group not in groups_of(session, username):
        return Text("{user} is not in group '{group}', which works this task", user=username, group=group)
    return None


TOKEN_DAYS = 90


def issue_token(session: Session, username: str, now: datetime, label: str | None = None, token: str | None = None,
                days: int | None = TOKEN_DAYS) -> str:
    """A new API token for a user, valid for `days` (None: no expiry, the demo tokens only); returned once,
    stored hashed. :raises LookupError: unknown user"""
    if session.get(User, username) is None:
        raise LookupError(f"user '{username}' does not exist")
    token = token or "crm_" + secrets.token_urlsafe(32)
    if session.get(ApiToken, token_hash(token)) is None:
        expires = now + timedelta(days=days) if days is not None else None
        session.add(ApiToken(token_hash=token_hash(token), username=username, label=label, created_at=now,
                             expires_at=expires))
    return token


def revoke_tokens(session: Session, now: datetime, token: str | None = None, username: str | None = None) -> int:
    """Revoke one token, or every token of a user; returns how many were live."""
    live = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    live = live.where(ApiToken.token_hash == token_hash(token)) if token else live.where(ApiToken.username == username)
    found = list(session.scalars(live))
    for row in found:
        row.revoked_at = now
    return len(found)


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user a live (unrevoked, unexpired) token belongs to, if any."""
    found = caller_for_token(session, token, now)
    return found[0] if found else None


# One statement an API request: the token's user with their groups (a row per group), if the token is live.
_CALLER = (select(User, Membership.group_key).join(ApiToken, ApiToken.username == User.username)
           .outerjoin(Membership, Membership.username == User.username)
           .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None),
                  or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")), User.active.is_(True)))


def caller_for_token(session: Session, token: str, now: datetime) -> tuple[User, list[str]] | None:
    """The active user a live (unrevoked, unexpired) token belongs to, with their groups; None if none, in one
    statement (every API request asks)."""
    rows = session.execute(_CALLER, {"hash": token_hash(token), "now": now}).all()
    if not rows:
        return None
    return rows[0][0], sorted(group for _, group in rows if group is not None)


# scrypt with the parameters OWASP suggests for interactive sign-in; the stored form names them.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


MIN_PASSWORD, MAX_PASSWORD = 10, 200
LINK_HOURS = 48  # a set-password link works once, for two days


def set_password(session: Session, username: str, password: str, minimum: int = MIN_PASSWORD) -> None:
    """Give a user a password for the pages (stored as a salted scrypt hash); their page sessions end with the old
    one. `minimum` is lowered only for the demo's well-known password. :raises LookupError, ValueError:"""
    user = session.get(User, username)
    if user is None:
        raise LookupError(Text("user '{user}' does not exist", user=username))
    if len(password) < minimum:
        raise ValueError(Text("a password needs at least {least} characters", least=minimum))
    if len(password) > MAX_PASSWORD:
        raise ValueError(Text("a password may have at most {most} characters", most=MAX_PASSWORD))
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    user.password_hash = f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def password_link(session: Session, username: str, now: datetime, base_url: str, actor: str | None) -> dict[str, Any]:
    """Mail `username` a one-time link to set their password (through the outbox, after commit); links sent before
    stop working. :raises NotFound: no such user; InvalidData: the user has no e-mail address or is inactive"""
    user = session.get(User, username)
    if user is None:
        raise NotFound(Text("user '{user}' does not exist", user=username))
    if not user.active:
        raise InvalidData([FieldError("username", Text("{user} is deactivated; activate the account first", user=username))])
    if not user.email:
        raise InvalidData([FieldError("email", Text("{user} has no e-mail address to send the link to; add one, or "
                                                    "set the password directly", user=username))])
    for earlier in session.scalars(select(PasswordLink).where(PasswordLink.username == username,
                                                              PasswordLink.used_at.is_(None))):
        earlier.used_at = now  # one link at a time
    raw = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=LINK_HOURS)
    session.add(PasswordLink(token_hash=token_hash(raw), username=username, created_by=actor, created_at=now,
                             expires_at=expires))
    link = f"{base_url.rstrip('/')}/set-password/{raw}"
    queue_message(session, "notification", f"password-link:{token_hash(raw)}", {
        "user": username, "kind": "password_link", "title": "Set your crmflow password / 设置 crmflow 密码",
        "body": f"Open this link to set your password (it works once, until {expires:%Y-%m-%d %H:%M} UTC):\n{link}\n\n"
                f"打开此链接设置密码（仅可使用一次，{expires:%Y-%m-%d %H:%M} UTC 前有效）：\n{link}"}, now)
    session.flush()
    return {"username": username, "sent_to": user.email, "expires_at": expires}


def use_password_link(session: Session, raw: str, password: str, now: datetime) -> str:
    """Set the password a link is for, once; the username. :raises NotFound: no such link, used or expired;
    ValueError: the password is too short or too long"""
    link = session.get(PasswordLink, token_hash(raw[:200]), with_for_update=True)
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFound(Text("this link is unknown, was used already or has expired; ask an administrator for a new one"))
    set_password(session, link.username, password)
    link.used_at = now
    return link.username


# Checked against when the user does not exist, so an unknown name costs the same scrypt work as a known one.
_NOBODY = "scrypt$16384$8$1$" + "00" * 16 + "$" + "00" * 64


def user_for_password(session: Session, username: str, password: str) -> User | None:
    """The active user whose password this is, if any (the same work whether or not the user exists)."""
    user = session.get(User, username[:64])
    stored = user.password_hash if user is not None and user.password_hash else _NOBODY
    _, n, r, p, salt, expected = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    matches = secrets.compare_digest(digest.hex(), expected)
    return user if matches and user is not None and user.active and stored is not _NOBODY else None


USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")


@dataclass(frozen=True)
class UserView:
    """A user as administrators see and edit them (never a password or token)."""

    username: str
    display_name: str
    email: str | None
    region: str | None
    roles: list[str]
    groups: list[str]
    active: bool


def list_users(session: Session) -> list[UserView]:
    """Every user with their groups, by username."""
    members: dict[str, list[str]] = {}
    for username, group in session.execute(select(Membership.username, Membership.group_key)
                                           .order_by(Membership.group_key)):
        members.setdefault(username, []).append(group)
    return [_view(user, members.get(user.username, [])) for user in session.scalars(select(User).order_by(User.username))]


def save_user(session: Session, username: str, changes: Mapping[str, Any], create: bool, now: datetime,
              actor: str | None = None) -> UserView:
    """Create a user, or change some of a user's settings (roles, groups, region, e-mail, name, active).

    Deactivating revokes every page session and API token of the user, for good: credentials issued before it
    never work again, even when the account is reactivated (the user signs in again, an administrator issues
    new tokens).
    :raises Conflict: creating one that exists; NotFound: changing one that does not; InvalidData: bad values
    """
    user = session.get(User, username)
    if create and user is not None:
        raise Conflict(Text("user '{user}' exists; change it with PATCH /api/users/{user}", user=username))
    if not create and user is None:
        raise NotFound(Text("user '{user}' does not exist", user=username))
    errors = _user_errors(session, username if create else None, changes)
    if errors:
        raise InvalidData(errors)
    if username == actor and (changes.get("active") is False or "admin" not in changes.get("roles", ["admin"])):
        raise Conflict("administrators cannot deactivate themselves or drop their own admin role; ask another "
                       "administrator")
    changes = {**changes, "region": changes["region"] or None} if "region" in changes else changes
    if user is None:
        user = User(username=username, display_name=changes.get("display_name") or username, roles=["staff"],
                    active=True)
        session.add(user)
    for name in ("display_name", "email", "region", "roles", "active"):
        if name in changes:
            setattr(user, name, changes[name])
    if changes.get("active") is False:
        revoke_sessions(session, username, now)
        revoke_tokens(session, now, username=username)
    session.flush()
    if "groups" in changes:
        wanted, current = set(changes["groups"]), set(groups_of(session, username))
        for group in current - wanted:
            session.delete(session.get(Membership, (username, group)))
        for group in wanted - current:
            session.add(Membership(username=username, group_key=group))
        session.flush()
    return _view(user, groups_of(session, username))


def _user_errors(session: Session, new_username: str | None, changes: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    if new_username is not None and not USERNAME.match(new_username):
        errors.append(FieldError("username", Text("2 to 64 lower-case letters, digits, _ . - starting with a letter")))
    unknown_roles = set(changes.get("roles") or []) - ROLES.keys()
    if unknown_roles or changes.get("roles") == []:
        errors.append(FieldError("roles", Text("one or more of {roles}", roles=listed(ROLES))))
    groups = set(changes.get("groups") or [])
    known = set(session.scalars(select(Group.key).where(Group.key.in_(groups)))) if groups else set()
    if groups - known:
        errors.append(FieldError("groups", Text("no such group: {groups}", groups=listed(sorted(groups - known)))))
    region = changes.get("region")
    if region and region not in REGIONS:
        errors.append(FieldError("region", Text("one of {regions}", regions=listed(REGIONS))))
    return errors


def _view(user: User, groups: list[str]) -> UserView:
    return UserView(user.username, user.display_name, user.email, user.region, list(user.roles), sorted(groups),
                    user.active)


def case_scope(session: Session, data: Mapping[str, Any], starter: str | None) -> CaseScope:
    """A case's region for pilots: its customer's; without a customer, its starter's (with their groups)."""
    customer_id = data.get("customer_id")
    customer = session.get(Customer, customer_id) if isinstance(customer_id, int) and not isinstance(
        customer_id, bool) else None
    if customer is not None:
        return CaseScope(customer.region, (), Text("customer {customer} is in region {region}", customer=customer.name,
                                                   region=_named(REGIONS, customer.region)))
    user = session.get(User, starter) if starter else None
    if user is None:
        return CaseScope(None, (), "")
    groups = tuple(groups_of(session, user.username))
    return CaseScope(user.region, groups, Text("{user} is in region {region} and groups {groups}", user=user.username,
                                               region=_named(REGIONS, user.region), groups=listed(groups) or "-"))


def scope_problems(session: Session, regions: list[str], groups: list[str]) -> list[FieldError]:
    """Regions and groups a pilot names that do not exist."""
    errors = []
    unknown_regions = sorted(set(regions) - REGIONS.keys())
    if unknown_regions:
        errors.append(FieldError("regions", Text("no such region: {unknown}; there are {regions}",
                                              unknown=listed(unknown_regions), regions=listed(REGIONS))))
    known = set(session.scalars(select(Group.key).where(Group.key.in_(groups)))) if groups else set()
    if set(groups) - known:
        errors.append(FieldError("groups", Text("no such group: {groups}", groups=listed(sorted(set(groups) - known)))))
    return errors
