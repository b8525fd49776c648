"""Page fixtures: the app with sessions, and a visitor that signs in and posts forms as a browser does."""
from __future__ import annotations

import re

import pytest

from domain.seed import DEMO_PASSWORD
from tests.crm import crm_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(engine):
    return crm_app(engine, SESSION_COOKIE_SECURE=False)  # the test client speaks plain HTTP


class Visitor:
    """One browser session: keeps the cookie and the CSRF token of the last page it read."""

    def __init__(self, client):
        self.client, self.token = client, None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.get_data(as_text=True))
        self.token = found.group(1) if found else self.token
        return response

    def post(self, path: str, csrf: bool = True, **form):
        if csrf:
            form.setdefault("csrf_token", self.token)
        return self.client.post(path, data=form)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Visitor:
        self.get("/login")
        response = self.post("/login", username=username, password=password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.get("/processes")  # a fresh page: the session's new CSRF token
        return self


@pytest.fixture
def visitor(app):
    return lambda: Visitor(app.test_client())


@pytest.fixture
def signed_in(visitor):
    return lambda username: visitor().sign_in(username)
