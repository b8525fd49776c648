"""The pages: server-rendered, signed in with a session cookie, every form protected against CSRF.

The pages call the same engine and domain functions as the API; only the way a user
proves who they are differs (a session cookie here, a bearer token there).
"""
from __future__ import annotations

import json

from flask import Flask

from ..uses.common import local_time
from . import drafts, formfields, inbox, integration, processes, reports, signin, tasks, users
from .context import check_csrf, signed_in, template_helpers

BLUEPRINTS = (signin.bp, tasks.bp, processes.bp, drafts.bp, inbox.bp, reports.bp, integration.bp, users.bp,
              formfields.bp)

def init_pages(app: Flask) -> None:
    """Register the page blueprints, the session check, CSRF and the template helpers."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.before_request(signed_in)
    app.before_request(check_csrf)
    app.context_processor(template_helpers)
    app.jinja_env.filters["when"] = local_time  # in the company's time zone, to the minute
    app.jinja_env.filters["number"] = readable_number
    app.jinja_env.filters["plain_json"] = lambda value: json.dumps(value, ensure_ascii=False, default=str)


def readable_number(value: object) -> object:
    """Amounts with thousands separators (1,500,000); anything else as it is; yes/no for flags."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int | float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return "—" if value in (None, "") else value
