"""The users page for administrators: create users, change roles, groups and region, deactivate."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from domain.directory import ROLES, list_users
from domain.records import REGIONS, Group
from engine import EngineError, InvalidData

from ..auth import ADMINS, allowed, current
from ..http import engine
from ..uses import users as user_commands

bp = Blueprint("user_pages", __name__, url_prefix="/admin/users")


def _render(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    with engine().store.read() as session:
        users, groups = list_users(session), list(session.scalars(select(Group).order_by(Group.key)))
    return render_template("users.html", users=users, groups=groups, roles=ROLES, regions=REGIONS,
                           errors=errors or {}), status


@bp.get("")
@allowed(ADMINS)
def users_page():
    return _render()


@bp.post("")
@allowed(ADMINS)
def save():
    admin = current()
    form = request.form
    create = form.get("create") == "1"
    username = form.get("username", "").strip()[:64]
    changes: dict[str, Any] = {"roles": form.getlist("roles"), "groups": form.getlist("groups"),
                               "region": form.get("region") or None, "active": form.get("active") == "1" or create}
    if form.get("display_name", "").strip():
        changes["display_name"] = form["display_name"].strip()[:128]
    if form.get("email", "").strip():
        changes["email"] = form["email"].strip()[:256]
    initial = form.get("password") or None if create else None
    try:
        engine().execute(user_commands.save, username, changes, create, initial, actor=admin.username)
    except InvalidData as refused:
        return _render({f"{username}.{f.field}": f.message for f in refused.fields}, 422)
    except EngineError as refused:
        return _render({f"{username}.username": refused.message}, 409)
    flash("User saved")
    return redirect(url_for("user_pages.users_page"))


@bp.post("/<username>/password")
@allowed(ADMINS)
def set_password(username: str):
    """An administrator sets a user's password (at least 10 characters); their page sessions end."""
    admin = current()
    try:
        engine().execute(user_commands.password, username[:64], request.form.get("password", "")[:1024],
                         actor=admin.username)
    except InvalidData as refused:
        return _render({f"{username}.{f.field}": f.message for f in refused.fields}, 422)
    flash(f"Password set|{username}")
    return redirect(url_for("user_pages.users_page"))


@bp.post("/<username>/password-link")
@allowed(ADMINS)
def send_password_link(username: str):
    """Mail the user a one-time link to set their own password."""
    admin = current()
    try:
        sent = engine().execute(user_commands.send_password_link, username[:64], request.host_url,
                                actor=admin.username)
    except InvalidData as refused:
        return _render({f"{username}.{f.field}": f.message for f in refused.fields}, 422)
    flash(f"Set-password link sent|{sent['sent_to']}")
    return redirect(url_for("user_pages.users_page"))
