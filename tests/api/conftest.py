"""API fixtures: the Flask app on the test engine (CRM pack, demo data) and clients per user."""
from __future__ import annotations

import pytest

from tests.crm import crm_app


@pytest.fixture
def app(engine):
    return crm_app(engine)


class Api:
    """A test client that sends one demo user's token."""

    def __init__(self, client, user: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer demo-{user}"} if user else {}

    def __getattr__(self, method: str):
        def call(path: str, json=None, data=None, headers=None, **kwargs):
            response = getattr(self.client, method)(path, json=json, data=data,
                                                    headers={**self.headers, **(headers or {})}, **kwargs)
            return response

        return call


@pytest.fixture
def as_user(app):
    client = app.test_client()
    return lambda user: Api(client, user)
