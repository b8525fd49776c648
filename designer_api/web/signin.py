"""Signing in and out, and the language switch."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from domain.directory import user_for_password

from ..http import engine
from ..i18n import LANGUAGES
from .context import local_path

bp = Blueprint("signin", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""), failed=False)
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    with engine().store.read() as read:
        user = user_for_password(read, username, password)
    if user is None:
        return render_template("login.html", next=request.form.get("next", ""), failed=True, username=username), 401
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: no fixation of a token an attacker planted
    session.update(user=user.username, lang=lang)
    return redirect(local_path(request.form.get("next")) or url_for("task_pages.task_list"))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("signin.login"))


@bp.get("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_path(request.args.get("next")) or url_for("task_pages.task_list"))
