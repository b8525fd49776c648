"""What every page needs: who is signed in, the language, the CSRF token, safe redirects."""
from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlparse

from flask import g, redirect, request, session, url_for
from sqlalchemy import select

from domain.directory import groups_of
from domain.records import Group
from domain.sessions import session_user
from engine import Text

from ..auth import Principal
from ..errors import Unauthorized
from ..http import engine
from ..i18n import LANGUAGES, event_name, pick_language, translate
from ..uses.session import touch

OPEN_PAGES = {"signin.login", "signin.language", "signin.set_password", "static"}  # a mailed link works signed out


def is_page_request() -> bool:
    """True for the pages (not /api): their errors are rendered, not sent as JSON."""
    return not request.path.startswith("/api/")


def wants_page() -> bool:
    """A page request answered with HTML, even when it fails (the modeler's calls ask for JSON instead)."""
    return is_page_request() and request.accept_mimetypes.best != "application/json"


def signed_in():
    """Before every page: the signed-in user as the principal, or a redirect to sign in."""
    if not is_page_request() or request.endpoint in OPEN_PAGES or request.endpoint is None:
        return None
    raw, now = session.get("sid"), engine().clock()
    with engine().store.read() as read:
        found = session_user(read, raw, now)
        if found is None:
            session.pop("sid", None)
            return redirect(url_for("signin.login", next=local_path(request.full_path)))
        user, stale = found
        g.principal = Principal(user.username, frozenset(user.roles), groups_of(read, user.username))
        g.display_name = user.display_name
    if stale:
        engine().execute(touch, str(raw))
    return None


def check_csrf() -> None:
    """Every state-changing page request carries the session's token (double submit via the form)."""
    if not is_page_request() or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not expected or not secrets.compare_digest(sent, expected):
        raise Unauthorized("Your session expired; please sign in again")


def _named(names: dict[str, tuple[str, str | None]], key: str | None, lang: str) -> str:
    """A process's or group's name in the reader's language (its key where it has none)."""
    if not key:
        return ""
    english, chinese = names.get(key, (key, None))
    return (chinese if lang == "zh" else None) or english


def _process_names() -> dict[str, tuple[str, str | None]]:
    """Each process's current name in both languages, read once per page."""
    if "process_names" not in g:
        versions = engine().versions()
        names = {v.process_key: (v.name, v.name_zh) for v in versions}
        names.update({v.process_key: (v.name, v.name_zh) for v in versions if v.active})  # the current one names it
        g.process_names = names
    return g.process_names


def _group_names() -> dict[str, tuple[str, str | None]]:
    """Each group's name in both languages, read once per page."""
    if "group_names" not in g:
        with engine().store.read() as read:
            g.group_names = {row.key: (row.name_en, row.name_zh) for row in read.scalars(select(Group))}
    return g.group_names


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def language() -> str:
    """The reader's language: en or zh."""
    return pick_language(session.get("lang"), request.headers.get("Accept-Language"))


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (never an open redirect), else None."""
    if not target:
        return None
    parsed = urlparse(target)
    safe = (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable())  # no CR/LF: a header can't be split
    return target if safe and not parsed.scheme and not parsed.netloc else None


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def template_helpers() -> dict[str, Any]:
    """What templates can use: t(), label(), the language, the CSRF token, who is signed in."""
    lang = language()

    def args_with(**changes: Any) -> str:
        """The current query string with some parameters changed (pagination links)."""
        return urlencode({**request.args.to_dict(), **{k: str(v) for k, v in changes.items()}})

    return {
        "t": lambda text: translate(text, lang), "lang": lang, "languages": LANGUAGES,
        "event_name": lambda event_type: event_name(event_type, lang),
        "label": lambda schema: (schema.get("x-title-zh") if lang == "zh" else None) or schema.get("title", ""),
        "title_of": lambda item: item.title_zh if lang == "zh" else item.title_en,
        # a step's name: its nameZh for zh readers when the model gives one (a task, an outline step, a path step)
        "step_name": lambda item: (_get(item, "name_zh") if lang == "zh" else None) or _get(item, "name") or "",
        "process_name": lambda key: _named(_process_names(), key, lang),
        "said": lambda value: translate(value, lang) if isinstance(value, Text) else value,
        "group_name": lambda key: _named(_group_names(), key, lang),
        "csrf_token": csrf_token, "me": g.get("principal"), "display_name": g.get("display_name"),
        "args_with": args_with,
        "can": lambda *roles: bool(g.get("principal") and g.principal.roles & set(roles)),
    }

