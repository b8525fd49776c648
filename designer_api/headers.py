"""Security headers on every response, and no caching of anything that is not a static file."""
from __future__ import annotations

from flask import Response, request

# No inline script or style anywhere: page scripts and styles are files under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Swagger UI and the bpmn-js modeler set style attributes from their scripts: those pages alone may use inline
# styles (never inline scripts).
INLINE_STYLE_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
INLINE_STYLE_PAGES = ("/api/docs", "/drafts/")


def secure(response: Response) -> Response:
    """After every request: the headers above; `no-store` unless it is a static file."""
    if request.path.startswith(INLINE_STYLE_PAGES):
        response.headers.setdefault("Content-Security-Policy", INLINE_STYLE_CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint not in ("static", "api_docs.asset"):
        response.headers["Cache-Control"] = "no-store"
    return response
