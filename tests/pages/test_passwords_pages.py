"""Passwords from the Users page: an administrator sets one or mails a one-time link; the user sets their own."""
from __future__ import annotations

import re

from sqlalchemy import select

from domain.records import User
from engine.store.tables import OutboxMessage


def test_an_administrator_creates_a_user_with_a_password_and_the_user_signs_in(app, signed_in, visitor):
    root = signed_in("root")
    root.get("/admin/users")
    created = root.post("/admin/users", create="1", username="dora", display_name="Dora Ma", roles="staff",
                        password="harbour-lights-7")
    assert created.status_code == 302
    dora = visitor()
    dora.get("/login")
    assert dora.post("/login", username="dora", password="harbour-lights-7").status_code == 302


def test_a_short_password_is_said_beside_the_user_and_changes_nothing(app, signed_in, visitor):
    root = signed_in("root")
    root.get("/admin/users")
    refused = root.post("/admin/users/alice/password", password="short")
    assert refused.status_code == 422
    assert "a password needs at least 10 characters" in refused.get_data(as_text=True)
    alice = visitor()
    alice.get("/login")
    assert alice.post("/login", username="alice", password="demo").status_code == 302


def test_a_mailed_link_sets_the_password_once(app, engine, signed_in, visitor):
    root = signed_in("root")
    page = root.get("/admin/users").get_data(as_text=True)
    assert "Send a set-password link" in page and 'id="password-alice"' in page
    with engine.store.write() as session, session.begin():
        session.get(User, "alice").email = "alice@example.cn"
    assert root.post("/admin/users/alice/password-link").status_code == 302
    with engine.store.read() as session:
        [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.instance_id.is_(None))).all()
    link = re.search(r"http://[^/]+(/set-password/[A-Za-z0-9_-]+)", mail.payload["body"]).group(1)

    alice = visitor()
    assert "Set your password" in alice.get(link).get_data(as_text=True)
    assert alice.post(link, password="a-long-new-secret", repeat="another-one-entirely").status_code == 422
    done = alice.post(link, password="a-long-new-secret", repeat="a-long-new-secret")
    assert done.status_code == 200 and "Your password is set" in done.get_data(as_text=True)

    again = visitor()
    again.get(link)
    assert again.post(link, password="someone-elses-try", repeat="someone-elses-try").status_code == 404
    signin = visitor()
    signin.get("/login")
    assert signin.post("/login", username="alice", password="demo").status_code == 401
    assert signin.post("/login", username="alice", password="a-long-new-secret").status_code == 302
