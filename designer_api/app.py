"""The Flask application factory: configuration, the engine, blueprints, one error handler."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from engine import EngineError

from .auth import authenticate
from .blueprints import drafts, inbox, instances, processes, session, tasks
from .errors import status_of
from .wiring import build_engine

BLUEPRINTS = (session.bp, processes.bp, drafts.bp, instances.bp, tasks.bp, inbox.bp)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; nothing happens at import time."""
    app = Flask(__name__)
    app.config.update(DATABASE_URL=os.environ.get("CRMFLOW_DATABASE_URL"), MAX_CONTENT_LENGTH=4 * 1024 * 1024)
    app.config.update({k: v for k, v in (config or {}).items() if v is not None})
    app.extensions["crmflow.engine"] = app.config.get("ENGINE") or build_engine(app.config["DATABASE_URL"])
    _register_errors(app)
    app.before_request(authenticate)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _register_errors(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        return jsonify(error=error.to_dict()), status_of(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error={"code": code, "message": error.description, "details": []}), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return jsonify(error={"code": "internal_error", "message": "internal error; see the server log",
                              "details": []}), 500
