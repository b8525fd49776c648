"""Who is calling (/api/me, tokens): unknown, expired and revoked tokens, authentication in one statement."""
from __future__ import annotations

from sqlalchemy import event

from domain.directory import issue_token, revoke_tokens


def test_no_token_is_401_and_a_wrong_token_too(as_user):
    assert as_user(None).get("/api/processes").status_code == 401
    response = as_user("nobody").get("/api/processes")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert as_user(None).get("/api/health").status_code == 200


def test_whoami_reports_roles_and_groups(as_user):
    assert as_user("carol").get("/api/me").get_json() == {
        "username": "carol", "roles": ["manager", "staff"], "groups": ["sales", "sales_manager"]}


def test_an_expired_or_revoked_token_is_refused(as_user, engine, clock):
    token = engine.execute(lambda uow: issue_token(uow.session, "alice", uow.now, "test", days=1))
    headers = {"Authorization": f"Bearer {token}"}
    client = as_user(None)
    assert client.get("/api/me", headers=headers).status_code == 200
    clock.advance(days=2)
    assert client.get("/api/me", headers=headers).status_code == 401
    fresh = engine.execute(lambda uow: issue_token(uow.session, "alice", uow.now, "test"))
    assert client.get("/api/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    assert engine.execute(lambda uow: revoke_tokens(uow.session, uow.now, token=fresh)) == 1
    assert client.get("/api/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


def test_an_api_request_is_authenticated_in_one_statement_and_a_revoked_token_fails_at_once(as_user, engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    for db in {engine.store.read_engine, engine.store.write_engine}:
        event.listen(db, "before_cursor_execute", count)
    try:
        me = as_user("carol").get("/api/me")
    finally:
        for db in {engine.store.read_engine, engine.store.write_engine}:
            event.remove(db, "before_cursor_execute", count)
    assert me.status_code == 200 and me.json["groups"] == ["sales", "sales_manager"]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    engine.execute(lambda uow: revoke_tokens(uow.session, uow.now, token="demo-carol"))
    assert as_user("carol").get("/api/me").status_code == 401
