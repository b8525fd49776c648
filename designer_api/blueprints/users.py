"""Users and their groups, roles and region (used by the assignment rules): /api/users, administrators only."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from domain.directory import list_users
from engine import Text

from ..auth import ADMINS, current
from ..errors import BadRequest
from ..http import engine, reply
from ..openapi import operation
from ..uses import users as user_commands
from ..uses.common import UserOut, Users, context_of
from ..uses.users import PasswordIn, PasswordLinkSent, PasswordSet, UserIn, UserPatch

bp = Blueprint("users", __name__, url_prefix="/api/users")
TAGS = ("users",)


@bp.get("")
@operation("Users with their roles, groups and region", ADMINS, ok=Users, tags=TAGS)
def users():
    with engine().store.read() as session:
        return reply(list_users(session))


@bp.post("")
@operation("Create a user", ADMINS, json=UserIn, ok=UserOut, status=201, tags=TAGS)
def create():
    admin = current()
    body = context_of("json")
    changes = body.model_dump(exclude_none=True, exclude={"username", "password"})
    return reply(engine().execute(user_commands.save, body.username, changes, True, body.password,
                                  actor=admin.username), 201)


@bp.post("/<username>/password")
@operation("Set a user's password for the pages (at least 10 characters); their page sessions end", ADMINS,
           json=PasswordIn, ok=PasswordSet, tags=TAGS)
def set_password(username: str):
    admin = current()
    engine().execute(user_commands.password, username[:64], context_of("json").password, actor=admin.username)
    return reply({"username": username[:64], "password_set": True})


@bp.post("/<username>/password-link")
@operation("Mail the user a one-time link to set their password (it works once, for 48 hours; links sent before "
           "stop working)", ADMINS, ok=PasswordLinkSent, tags=TAGS)
def send_password_link(username: str):
    admin = current()
    return reply(engine().execute(user_commands.send_password_link, username[:64], request.host_url,
                                  actor=admin.username))


@bp.patch("/<username>")
@operation("Change a user: roles, groups, region, e-mail, name; active false ends their sessions and tokens",
           ADMINS, json=UserPatch, ok=UserOut, tags=TAGS)
def change(username: str):
    admin = current()
    if not isinstance(request.get_json(silent=True), dict):
        raise BadRequest(Text("send a JSON object with the fields to change, e.g. {example}", example='{"active": false}'))
    return reply(_save(username[:64], context_of("json").model_dump(exclude_none=True), False, admin.username))


def _save(username: str, changes: dict[str, Any], create: bool, actor: str) -> Any:
    """`null` leaves a field as it is; `"region": ""` clears the region."""
    return engine().execute(user_commands.save, username, changes, create, actor=actor)
