"""The API's errors: the engine's, plus the two only HTTP has; one table maps them to statuses."""
from __future__ import annotations

from engine import Conflict, EngineError, Forbidden, Incident, InvalidData, InvalidModel, ModelTooLarge, NotFound, Unavailable


class Unauthorized(EngineError):
    """No valid token."""

    code = "unauthorized"


class BadRequest(EngineError):
    """The request itself is malformed (not JSON, wrong content type)."""

    code = "bad_request"


class UnsupportedMediaType(EngineError):
    """A request body in a format the API does not take."""

    code = "unsupported_media_type"


STATUS: dict[type, int] = {
    UnsupportedMediaType: 415, BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Incident: 409,
    ModelTooLarge: 413, InvalidModel: 422, InvalidData: 422, Unavailable: 503,
}


def status_of(error: EngineError) -> int:
    """The HTTP status of an engine error (the most specific class in the table wins); one the table does not
    name is the server's fault, not the client's: 500."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500
