"""/api/docs: Swagger UI over /api/openapi.json, served from the swagger-ui-bundle package (no CDN, no npm)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_docs", __name__, url_prefix="/api/docs")
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@bp.get("")
def page() -> str:
    return render_template("api_docs.html")


@bp.get("/<any(" + ", ".join(f'"{name}"' for name in ASSETS) + "):name>")
def asset(name: str) -> Response:
    return send_from_directory(str(swagger_ui_path), name, max_age=3600)
