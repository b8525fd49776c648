"""The draft page's "Replay recorded cases": the period, the summary, the changed cases linked where readable."""
from __future__ import annotations

import re

from tests.domain.conftest import Desk

INFO = dict(customer_name="Ningbo Port Logistics 宁波港物流", region="east", industry="services",
            requested_credit_limit=1500000, payment_terms="net60", contact_name="Chen Hui")
KEY_ACCOUNTS = {"op": "insert_task", "after": "Task_CreditLimitReview", "name": "Key account approval",
                "when": "requested_credit_limit >= 1000000", "candidate_group": "sales_manager"}


def reviewed_case(engine) -> str:
    case = engine.start("customer_approval", {}, "CA-REPLAY", "alice")
    desk = Desk(engine, case.id)
    desk.complete("Task_CustomerInfoEntry", "alice", **INFO)
    desk.complete("Task_PaymentTermsReview", "frank", payment_terms_approved=True, payment_terms="net60")
    desk.complete("Task_CreditLimitReview", "cathy", credit_limit_approved=True, approved_credit_limit=1500000)
    return case.id


def adapted(engine) -> str:
    draft = engine.authoring.copy("customer_approval", author="ann")
    engine.authoring.edit(draft.id, [KEY_ACCOUNTS], "ann")
    return draft.id


def test_an_analyst_replays_the_period_and_sees_the_changed_case_without_its_data(app, engine, signed_in):
    case, draft = reviewed_case(engine), adapted(engine)
    ann = signed_in("ann")
    assert "Replay recorded cases" in ann.get(f"/drafts/{draft}").get_data(as_text=True)

    page = ann.post(f"/drafts/{draft}/replay", since="", until="").get_data(as_text=True)

    assert "1 case replayed: 0 the same, 1 changed, 0 not replayable." in page
    assert "1 of 1 cases that passed Credit limit review would have waited for Key account approval." in page
    row = re.search(r'<tr class="changed">(.*?)</tr>', page, re.S).group(1)
    assert "CA-REPLAY" in row and "Key account approval" in row
    assert f"/processes/instances/{case}" not in page  # an analyst reads no case's data


def test_an_administrator_follows_a_changed_case_to_its_recorded_history(app, engine, signed_in):
    case, draft = reviewed_case(engine), adapted(engine)
    root = signed_in("root")
    root.get(f"/drafts/{draft}")

    page = root.post(f"/drafts/{draft}/replay", since="2020-01-01").get_data(as_text=True)

    assert f'href="/processes/instances/{case}"' in page


def test_a_period_typed_wrong_is_said_in_the_section(app, engine, signed_in):
    draft = adapted(engine)
    ann = signed_in("ann")
    ann.get(f"/drafts/{draft}")

    response = ann.post(f"/drafts/{draft}/replay", since="1 Dec", until="")

    assert response.status_code == 422
    assert "since: must be a day, e.g. 2026-12-01" in response.get_data(as_text=True)
