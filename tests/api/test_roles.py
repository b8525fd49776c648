"""Every API route declares who may call it, once; a caller without the role is refused before the body is read."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from domain.directory import issue_token, save_user

from .conftest import Api

# A demo user holding none of a route's roles: the first of these that fits.
OUTSIDERS = {"erp": {"integration"}, "alice": {"staff"}, "ann": {"analyst", "staff"},
             "carol": {"staff", "manager"}}
PUBLIC = {"/api/health", "/api/openapi.json"}


def _routes(app):
    """(endpoint, path, method, roles) of every API route."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule.startswith("/api/docs"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, getattr(app.view_functions[rule.endpoint], "roles", "undeclared")


def _url(app, rule):
    def sample(converter):
        if hasattr(converter, "items"):  # any(a, b)
            return sorted(converter.items)[0]
        return 1 if type(converter).__name__ == "IntegerConverter" else "nosuchthing"

    values = {arg: sample(rule._converters[arg]) for arg in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_route_declares_its_roles_and_the_document_shows_them(app, as_user):
    routes = list(_routes(app))
    assert len(routes) > 60
    undeclared = [f"{method} {rule.rule}" for rule, method, roles in routes
                  if roles == "undeclared" or (roles is None) != (rule.rule in PUBLIC)]
    assert undeclared == []
    document = as_user(None).get("/api/openapi.json").get_json()
    for rule, method, roles in routes:
        path = re.sub(r"<(?:[^>]*:)?(\w+)>", r"{\1}", rule.rule)
        op = document["paths"][path][method.lower()]
        assert op["x-roles"] == list(roles or ()), path
        assert f"Roles: {', '.join(roles) if roles else 'none (public)'}" in op["description"], path


def test_a_caller_without_the_role_gets_403_before_any_body_or_query_is_read(app, as_user):
    checked = 0
    for rule, method, roles in _routes(app):
        if roles is None or set(roles) >= {"staff", "integration", "analyst", "manager"}:
            continue  # public, or anyone signed in
        outsider = next(user for user, held in OUTSIDERS.items() if not held & set(roles))
        url = _url(app, rule) + "?page=-1&limit=abc&since=yesterday"
        response = getattr(as_user(outsider), method.lower())(
            url, data="{not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 403, (method, rule.rule, outsider, response.get_json())
        assert "needs the role" in response.get_json()["error"]["message"]
        checked += 1
    assert checked > 50


def test_the_role_comes_before_the_schema(as_user):
    """The two the review found: a staff user's malformed webhook, a manager's empty list of operations."""
    staff, manager = as_user("alice"), as_user("carol")
    assert staff.post("/api/webhooks", json={"url": 7}).status_code == 403
    assert manager.post("/api/drafts/nosuchdraft/operations", json={"operations": []}).status_code == 403
    assert as_user("root").post("/api/webhooks", json={"url": 7}).status_code == 422  # with the role: the schema


def test_a_manager_only_user_reads_the_catalog_through_the_api_as_on_the_page(app, engine):
    engine.execute(lambda uow: save_user(uow.session, "mona", {"display_name": "Mona", "roles": ["manager"],
                                                               "groups": ["sales_manager"]}, True, uow.now, "root"))
    token = engine.execute(lambda uow: issue_token(uow.session, "mona", uow.now, "test", days=1))
    client = app.test_client()
    api = Api(client, None)
    api.headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/processes").status_code == 200
    assert api.get("/api/tasks").status_code == 403


@pytest.mark.parametrize("path", ["/api/processes", "/api/drafts/nosuch/operations"])
def test_no_token_is_401_even_with_a_malformed_body(as_user, path):
    response = as_user(None).post(path, data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_an_engine_error_the_status_table_does_not_name_is_a_server_fault():
    from designer_api.errors import status_of
    from engine import EngineError, InvalidData, NotFound

    class Unmapped(EngineError):
        code = "unmapped"

    assert status_of(Unmapped("x")) == 500
    assert (status_of(NotFound("x")), status_of(InvalidData([]))) == (404, 422)
