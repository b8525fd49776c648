"""Fuzz the HTTP API from its own OpenAPI document: never a 5xx, every error in the documented shape."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKENS = ("demo-root", "demo-ann", "demo-alice", "bogus")


def test_the_api_never_fails_with_a_server_error(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(st.data())
    def call_anything(data):
        operation = data.draw(st.sampled_from(operations), label="operation")
        case = data.draw(operation.as_strategy(), label="case")
        token = data.draw(st.sampled_from(TOKENS), label="token")
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        if response.status_code >= 400:
            error = response.json()["error"]
            assert set(error) == {"code", "message", "details"} and isinstance(error["details"], list)

    call_anything()
