"""Passwords without a shell: an initial password, a password set by an administrator, a mailed one-time link."""
from __future__ import annotations

from sqlalchemy import select

from domain.directory import user_for_password
from engine.store.tables import OutboxMessage


def test_a_user_created_with_a_password_has_one_and_the_answer_never_shows_it(as_user, engine):
    root = as_user("root")
    created = root.post("/api/users", json={"username": "dora", "roles": ["staff"], "password": "harbour-lights-7"})
    assert created.status_code == 201 and "password" not in created.json
    with engine.store.read() as session:
        assert user_for_password(session, "dora", "harbour-lights-7").username == "dora"


def test_passwords_under_ten_characters_are_refused_and_nothing_is_created(as_user):
    root = as_user("root")
    short = root.post("/api/users", json={"username": "dora", "roles": ["staff"], "password": "short1"})
    assert short.status_code == 422 and short.json["error"]["details"][0]["field"] == "password"
    assert "dora" not in {u["username"] for u in root.get("/api/users").json}
    assert root.post("/api/users/alice/password", json={"password": "123456789"}).status_code == 422
    assert root.post("/api/users/alice/password", json={"password": "x" * 201}).status_code == 422
    assert root.post("/api/users/alice/password", json={}).status_code == 422


def test_an_administrator_sets_a_password_and_the_old_one_stops_working(as_user, engine):
    root = as_user("root")
    answer = root.post("/api/users/alice/password", json={"password": "a new and long secret"})
    assert answer.status_code == 200 and answer.json == {"username": "alice", "password_set": True}
    with engine.store.read() as session:
        assert user_for_password(session, "alice", "demo") is None
        assert user_for_password(session, "alice", "a new and long secret") is not None
    assert root.post("/api/users/nobody/password", json={"password": "long enough now"}).status_code == 404


def test_only_administrators_set_passwords_or_send_links(as_user):
    for user in ("alice", "ann", "george"):
        api = as_user(user)
        assert api.post("/api/users/bob/password", json={"password": "long enough now"}).status_code == 403
        assert api.post("/api/users/bob/password-link").status_code == 403


def test_a_set_password_link_is_mailed_through_the_outbox_once_and_only_to_an_address(as_user, engine):
    root = as_user("root")
    assert root.patch("/api/users/bob", json={"email": "bob@example.cn"}).status_code == 200

    sent = root.post("/api/users/bob/password-link")

    assert sent.status_code == 200, sent.json
    assert sent.json["username"] == "bob" and sent.json["sent_to"] == "bob@example.cn"
    with engine.store.read() as session:
        [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "notification",
                                                             OutboxMessage.instance_id.is_(None))).all()
    assert mail.payload["user"] == "bob" and "/set-password/" in mail.payload["body"]
    root.post("/api/users", json={"username": "dora", "roles": ["staff"]})
    no_mail = root.post("/api/users/dora/password-link")
    assert no_mail.status_code == 422 and no_mail.json["error"]["details"][0]["field"] == "email"
    assert root.post("/api/users/nobody/password-link").status_code == 404
