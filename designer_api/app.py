"""The Flask application factory: configuration, the engine, blueprints, one error handler."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, make_response, render_template
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine import EngineError

from . import docs
from .auth import authenticate
from .blueprints import drafts, inbox, instances, integration, processes, reports, session, tasks, users
from .errors import status_of
from .headers import secure
from .http import ApiRequest, StrictJSON
from .i18n import translate
from .web import init_pages
from .web.context import language, wants_page
from .wiring import build_engine

BLUEPRINTS = (session.bp, processes.bp, drafts.bp, instances.bp, tasks.bp, tasks.claims, inbox.bp, reports.bp,
              integration.bp, users.bp)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; nothing happens at import time."""
    app = Flask(__name__)
    app.json = StrictJSON(app)
    app.request_class = ApiRequest
    app.config.update(
        DATABASE_URL=os.environ.get("CRMFLOW_DATABASE_URL"), MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CRMFLOW_SECURE_COOKIES", "1") != "0",
    )
    app.config.update({k: v for k, v in (config or {}).items() if v is not None})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _secret_key()
    app.extensions["crmflow.engine"] = app.config.get("ENGINE") or build_engine(app.config["DATABASE_URL"])
    _register_errors(app)
    app.before_request(authenticate)
    app.after_request(secure)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    init_pages(app)
    return app


def _secret_key() -> str:
    """CRMFLOW_SECRET_KEY, else a key kept in var/secret_key, so every worker process signs alike."""
    if os.environ.get("CRMFLOW_SECRET_KEY"):
        return os.environ["CRMFLOW_SECRET_KEY"]
    path = Path(os.environ.get("CRMFLOW_SECRET_FILE", "var/secret_key"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic and never overwrites: the first worker process's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _register_errors(app: Flask) -> None:
    def respond(status: int, code: str, message: str, details: list):
        lang = language()  # the code stays what it is; the words are the reader's (the catalog's, where it has them)
        message = translate(message, lang)
        details = [{**d, "message": translate(d["message"], lang)}
                   if isinstance(d, dict) and isinstance(d.get("message"), str) else d for d in details]
        if wants_page():
            return render_template("error.html", status=status, message=message, details=details), status
        return jsonify(error={"code": code, "message": message, "details": details}), status

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        status = status_of(error)
        if status == 500:  # an engine error the table does not name: a fault of ours, said as one
            return unexpected(error)
        body = error.to_dict()
        return respond(status, body["code"], body["message"], body["details"])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response, status = respond(error.code or 500, (error.name or "error").lower().replace(" ", "_"),
                                   error.description or "", [])
        if isinstance(error, MethodNotAllowed) and error.valid_methods:  # RFC 9110: a 405 says what is allowed
            response = make_response(response, status)
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response, status

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return respond(500, "internal_error", "internal error; see the server log", [])
