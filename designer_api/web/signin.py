"""Signing in and out, and the language switch."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from engine import InvalidData, NotFound

from ..http import engine
from ..i18n import LANGUAGES
from ..uses.session import sign_in, sign_out
from ..uses.users import use_password_link
from .context import local_path

bp = Blueprint("signin", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""), failed=False)
    username, password = request.form.get("username", "").strip()[:64], request.form.get("password", "")[:1024]
    address = request.remote_addr or "unknown"
    outcome = engine().execute(sign_in, username, password, address)
    if not isinstance(outcome, str):
        return render_template("login.html", next=request.form.get("next", ""), failed=True, username=username,
                               wait_minutes=outcome), 429 if outcome else 401
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: no fixation of a cookie an attacker planted
    session.update(sid=outcome, lang=lang)
    return redirect(local_path(request.form.get("next")) or url_for("task_pages.task_list"))


@bp.post("/logout")
def logout():
    engine().execute(sign_out, session.get("sid"))
    session.clear()
    return redirect(url_for("signin.login"))


@bp.get("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_path(request.args.get("next")) or url_for("task_pages.task_list"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The page a mailed set-password link opens: choose a password, once, then sign in."""
    if request.method == "GET":
        return render_template("set_password.html", token=token, error=None)
    password, repeated = request.form.get("password", "")[:1024], request.form.get("repeat", "")[:1024]
    if password != repeated:
        return render_template("set_password.html", token=token, error="the two passwords differ"), 422
    try:
        username = engine().execute(use_password_link, token[:200], password)
    except InvalidData as refused:
        return render_template("set_password.html", token=token, error=refused.fields[0].message), 422
    except NotFound as gone:
        return render_template("set_password.html", token=None, error=gone.message), 404
    return render_template("login.html", next="", failed=False, username=username, password_set=True)
