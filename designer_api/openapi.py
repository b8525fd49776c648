"""The OpenAPI 3 document of the API, served at /api/openapi.json.

Written out here rather than generated from the routes, so the test that compares the
two catches a route added without documentation (or documentation of a removed route).
"""
from __future__ import annotations

from typing import Any

from domain.reports import REPORTS
from engine import batch_schema

from .auth import REPORT_READERS

ERROR = {"$ref": "#/components/schemas/Error"}
OBJECT = {"type": "object"}


def _op(summary: str, roles: str, body: dict | None = None, ok: int = 200, xml_body: bool = False,
        xml_reply: bool = False, params: tuple[str, ...] = (), query: tuple[str, ...] = ()) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "description": f"Roles: {roles}.",
        "parameters": [{"name": p, "in": "path", "required": True,
                        "schema": {"type": "integer" if p == "version" else "string"}} for p in params]
        + [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in query],
        "responses": {str(ok): {"description": "OK", "content": {
            "application/xml" if xml_reply else "application/json": {"schema": {} if xml_reply else OBJECT}}}},
    }
    for status, meaning in (("400", "Malformed request"), ("401", "No valid token"), ("403", "Role or ownership"),
                            ("404", "Unknown id"), ("409", "Conflict: state moved on"),
                            ("413", "Too large"), ("422", "Invalid model or data")):
        operation["responses"][status] = {"description": meaning, "content": {"application/json": {"schema": ERROR}}}
    if body is not None or xml_body:
        media = "application/xml" if xml_body else "application/json"
        operation["requestBody"] = {"required": True, "content": {media: {"schema": {"type": "string"} if xml_body
                                                                            else body}}}
    return operation


def _report_operation() -> dict[str, Any]:
    operation = _op("One report: " + ", ".join(REPORTS), ", ".join(REPORT_READERS), params=("key",))
    operation["parameters"][0]["schema"]["enum"] = list(REPORTS)
    return operation


def _obj(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


STR, INT, ANY_OBJ = {"type": "string"}, {"type": "integer"}, {"type": "object"}
KEY, VERSION, DRAFT, INSTANCE, TASK = ("key",), ("key", "version"), ("draft_id",), ("instance_id",), ("task_id",)
MIGRATION = _obj(from_version=INT, to_version=INT)
CASE_READERS = ("admin; staff who started the case, worked on it or may claim one of its tasks; managers of groups "
                "with work in it")

PATHS: dict[str, dict[str, Any]] = {
    "/api/health": {"get": _op("Liveness", "none (public)")},
    "/api/openapi.json": {"get": _op("This document", "none (public)")},
    "/api/me": {"get": _op("Who the token belongs to", "any")},
    "/api/processes": {
        "get": _op("Catalog: process keys, versions, active version, lineage", "staff, analyst, admin"),
        "post": _op("Deploy BPMN XML as a new version", "admin", xml_body=True, ok=201, query=("process_key",))},
    "/api/processes/{key}/versions": {"get": _op("Versions of a process", "any", params=KEY)},
    "/api/processes/{key}/start-form": {"get": _op(
        "The form a case of the process is started with: its JSON Schema with English and Chinese labels "
        "(null: the process takes any data)", "staff, admin", params=KEY)},
    "/api/processes/{key}/versions/{version}/bpmn": {
        "get": _op("A version's BPMN XML", "any", params=VERSION, xml_reply=True)},
    "/api/processes/{key}/versions/{version}/outline": {
        "get": _op("Business outline: steps, lanes, conditions, forms, timers, control points", "any", params=VERSION)},
    "/api/processes/{key}/versions/{version}/activate": {
        "post": _op("Let new starts use this version", "admin", params=VERSION)},
    "/api/processes/{key}/versions/{version}/deactivate": {
        "post": _op("Stop new starts on this version", "admin", params=VERSION)},
    "/api/processes/{key}/rollback": {"post": _op("Deactivate the newest active version", "admin", params=KEY)},
    "/api/processes/{key}/copy": {"post": _op("Copy a version into a new draft", "analyst", params=KEY, ok=201,
                                              body=_obj(new_key=STR, name=STR, version=INT))},
    "/api/processes/{key}/instances": {"post": _op("Start an instance", "staff, admin", params=KEY, ok=201,
                                                   body=_obj(data=ANY_OBJ, business_key=STR, version=INT))},
    "/api/processes/{key}/migrations/plan": {
        "post": _op("Dry run: verdict per running instance", "admin", params=KEY, body=MIGRATION)},
    "/api/processes/{key}/migrations": {"post": _op("Migrate running instances", "admin", params=KEY, body=MIGRATION)},
    "/api/drafts": {"get": _op("Drafts, newest first", "analyst, admin", query=("process_key",))},
    "/api/drafts/{draft_id}": {"get": _op("A draft", "analyst, admin", params=DRAFT)},
    "/api/drafts/{draft_id}/bpmn": {
        "get": _op("A draft's BPMN XML", "analyst, admin", params=DRAFT, xml_reply=True),
        "put": _op("Replace a draft with XML from a modeler (If-Match: revision)", "analyst", params=DRAFT,
                   xml_body=True)},
    "/api/drafts/{draft_id}/operations": {"post": _op(
        "Apply structured edit operations, all or none", "analyst", params=DRAFT,
        body=_obj(operations=batch_schema(), revision=INT))},
    "/api/drafts/{draft_id}/outline": {"get": _op("Business outline of a draft", "analyst, admin", params=DRAFT)},
    "/api/drafts/{draft_id}/validation": {"get": _op("Lint: errors and warnings", "analyst, admin", params=DRAFT)},
    "/api/drafts/{draft_id}/diff": {"get": _op("Business diff against its source or another model", "analyst, admin",
                                               params=DRAFT, query=("against",))},
    "/api/drafts/{draft_id}/simulation": {"post": _op("Simulate with sample data and answers", "analyst, admin",
                                                      params=DRAFT, body=_obj(data=ANY_OBJ, answers=ANY_OBJ))},
    "/api/drafts/{draft_id}/deploy": {"post": _op("Deploy a draft as a new version", "admin", params=DRAFT, ok=201)},
    "/api/instances/{instance_id}": {"get": _op("Instance status", CASE_READERS, params=INSTANCE)},
    "/api/instances/{instance_id}/history": {"get": _op("Instance timeline", CASE_READERS, params=INSTANCE)},
    "/api/instances/{instance_id}/suspend": {"post": _op("Suspend", "admin", params=INSTANCE)},
    "/api/instances/{instance_id}/resume": {"post": _op("Resume", "admin", params=INSTANCE)},
    "/api/instances/{instance_id}/terminate": {"post": _op("Terminate", "admin", params=INSTANCE,
                                                            body=_obj(reason=STR))},
    "/api/instances/{instance_id}/retry": {"post": _op("Retry after an incident", "admin", params=INSTANCE,
                                                        body=_obj(data=ANY_OBJ))},
    "/api/tasks": {"get": _op("My tasks and my groups' unclaimed tasks, overdue first", "staff, admin",
                              query=("process_key", "business_key", "due_before", "overdue", "created_since",
                                     "limit", "offset"))},
    "/api/tasks/{task_id}/why": {"get": _op("Why is this task mine: the assignment rule and reason", "staff, admin",
                                            params=TASK)},
    "/api/tasks/{task_id}/delegate": {"post": _op("Hand a task to someone else (audited)", "assignee or admin",
                                                  params=TASK, body=_obj(to=STR))},
    "/api/notifications": {"get": _op("My inbox: alerts, reminders, escalations", "any", query=("unread",))},
    "/api/notifications/{notification_id}/read": {"post": _op("Mark a notification read", "any",
                                                              params=("notification_id",))},
    "/api/reports": {"get": _op("The reports there are", "manager, analyst, admin")},
    "/api/reports/{key}": {"get": _report_operation()},
    "/api/history": {"get": _op("History of the instances with a business key that the caller may read",
                                CASE_READERS, query=("business_key",))},
    "/api/tasks/{task_id}": {"get": _op("A task", "staff, admin", params=TASK)},
    "/api/tasks/{task_id}/form": {"get": _op("A task's form: schema, labels, values", "staff, admin", params=TASK)},
    "/api/tasks/{task_id}/claim": {"post": _op("Claim a group task", "staff", params=TASK)},
    "/api/tasks/{task_id}/unclaim": {"post": _op("Give a task back to its group", "staff", params=TASK)},
    "/api/tasks/{task_id}/complete": {"post": _op("Complete with form data", "staff", params=TASK,
                                                  body=_obj(data=ANY_OBJ, revision=INT))},
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "crmflow API", "version": "0.1.0",
                 "description": "Copy and adapt CRM processes, deploy them, work their tasks. "
                                "Every call needs 'Authorization: Bearer <token>' except /api/health."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _obj(error=_obj(code=STR, message=STR,
                                                 details={"type": "array", "items": ANY_OBJ}))},
        },
    }
