"""/api/docs: Swagger UI over /api/openapi.json, its files served from the swagger-ui-py package (Swagger UI 5,
which reads OpenAPI 3.1; no CDN at run time, no npm)."""
from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, render_template, send_from_directory

SWAGGER_UI = files("swagger_ui") / "static"

bp = Blueprint("api_docs", __name__, url_prefix="/api/docs")
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@bp.get("")
def page() -> str:
    return render_template("api_docs.html")


@bp.get("/<any(" + ", ".join(f'"{name}"' for name in ASSETS) + "):name>")
def asset(name: str) -> Response:
    return send_from_directory(str(SWAGGER_UI), name, max_age=3600)
