"""The directory: who may sign in and with what, as administrators change it."""
from __future__ import annotations

from domain.directory import issue_token, save_user, user_for_token
from domain.records import User
from domain.sessions import open_session, session_user


def test_deactivation_revokes_every_session_and_token_for_good(crm, clock):
    def credentials(uow) -> tuple[str, str]:
        return issue_token(uow.session, "alice", uow.now), open_session(uow.session, uow.session.get(User, "alice"),
                                                                        uow.now)

    token, cookie = crm.execute(credentials)

    def works(uow) -> tuple[bool, bool]:
        return user_for_token(uow.session, token, uow.now) is not None, session_user(uow.session, cookie,
                                                                                     uow.now) is not None

    assert crm.execute(works) == (True, True)
    crm.execute(lambda uow: save_user(uow.session, "alice", {"active": False}, False, uow.now, "root"))
    crm.execute(lambda uow: save_user(uow.session, "alice", {"active": True}, False, uow.now, "root"))
    assert crm.execute(works) == (False, False)  # reactivated, but what was issued before stays dead
    fresh = crm.execute(lambda uow: issue_token(uow.session, "alice", uow.now))
    assert crm.execute(lambda uow: user_for_token(uow.session, fresh, uow.now)) is not None
