"""Credentials over HTTP: what a deactivated user held before never opens a page or the API again."""
from __future__ import annotations

from domain.directory import issue_token


def test_a_reactivated_user_s_old_cookie_and_token_are_refused(app, engine, signed_in):
    alice = signed_in("alice")
    token = engine.execute(lambda uow: issue_token(uow.session, "alice", uow.now))
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert alice.get("/tasks").status_code == 200 and api.get("/api/tasks", headers=bearer).status_code == 200
    root = {"Authorization": "Bearer demo-root"}
    assert api.patch("/api/users/alice", json={"active": False}, headers=root).status_code == 200
    assert api.patch("/api/users/alice", json={"active": True}, headers=root).status_code == 200
    assert api.get("/api/tasks", headers=bearer).status_code == 401
    assert api.get("/api/tasks", headers={"Authorization": "Bearer demo-alice"}).status_code == 401
    page = alice.get("/tasks")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert signed_in("alice").get("/tasks").status_code == 200  # signing in again works
