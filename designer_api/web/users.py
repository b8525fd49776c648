"""The users page for administrators: create users, change roles, groups and region, deactivate."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from domain.directory import ROLES, list_users
from domain.forms import REGIONS
from domain.records import Group
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
    try:
        engine().execute(user_commands.save, username, changes, create, actor=admin.username)
    except InvalidData as refused:
        return _render({f"{username}.{f.field}": f.message for f in refused.fields}, 422)
    except EngineError as refused:
        return _render({f"{username}.username": refused.message}, 409)
    flash("User saved")
    return redirect(url_for("user_pages.users_page"))
