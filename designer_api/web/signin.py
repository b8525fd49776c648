"""Signing in and out, and the language switch."""
from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from domain.directory import user_for_password
from domain.sessions import close_session, open_session, record_failure, signin_wait

from ..http import engine
from ..i18n import LANGUAGES
from .context import local_path

bp = Blueprint("signin", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""), failed=False)
    username, password = request.form.get("username", "").strip()[:64], request.form.get("password", "")[:1024]
    address = request.remote_addr or "unknown"
    outcome = engine().execute(lambda uow: _sign_in(uow, username, password, address))
    if not isinstance(outcome, str):
        return render_template("login.html", next=request.form.get("next", ""), failed=True, username=username,
                               wait_minutes=outcome), 429 if outcome else 401
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: no fixation of a cookie an attacker planted
    session.update(sid=outcome, lang=lang)
    return redirect(local_path(request.form.get("next")) or url_for("task_pages.task_list"))


def _sign_in(uow: Any, username: str, password: str, address: str) -> str | int:
    """A new session id, or the minutes to wait after too many failures (0: just a wrong password)."""
    wait = signin_wait(uow.session, username, address, uow.now)
    if wait is not None:
        return max(1, math.ceil(wait.total_seconds() / 60))
    user = user_for_password(uow.session, username, password)
    if user is None:
        record_failure(uow.session, username, address, uow.now)
        return 0
    return open_session(uow.session, user, uow.now)


@bp.post("/logout")
def logout():
    engine().execute(lambda uow: close_session(uow.session, session.get("sid"), uow.now))
    session.clear()
    return redirect(url_for("signin.login"))


@bp.get("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_path(request.args.get("next")) or url_for("task_pages.task_list"))
