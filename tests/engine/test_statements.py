"""The command path's batch of writes (store/statements.py), on SQLite and PostgreSQL: what it stores is what
SQLAlchemy itself would store, rows keep their order, no value is left out, and driver errors come out as
SQLAlchemy's kinds with nothing written."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine import Engine
from engine.store.statements import Batch, Statement
from engine.store.tables import HistoryEvent, OutboxMessage

EVENTS = Statement(insert(HistoryEvent.__table__).inline())
OUTBOX = Statement(insert(OutboxMessage.__table__).inline())
AT = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))  # a Shanghai morning


@pytest.fixture
def engine(database_url):
    engine = Engine(database_url)
    yield engine
    engine.close()


def event(n: int, **more):
    return {"instance_id": "case-1", "process_key": "p", "type": f"e{n}", "at": AT, "data": {"n": n, "名": "客户"},
            **more}


def send(engine: Engine, batch: Batch) -> list[int]:
    with engine.store.write() as session, session.begin():
        return batch.send(session.connection())


def stored(engine: Engine) -> list[HistoryEvent]:
    with engine.store.read() as session:
        return list(session.scalars(select(HistoryEvent).order_by(HistoryEvent.id)))


def test_rows_come_back_as_sqlalchemy_stores_them_in_the_order_they_were_added(engine):
    batch = Batch()
    batch.add(EVENTS, [event(1), event(2)])
    batch.add(EVENTS, [event(3, actor="ann", element_id="Task_A"), event(4)])  # other keys: a statement of their own
    batch.add(EVENTS, [event(5)])  # the same keys as the row before: sent with it
    assert len(batch) == 3
    assert send(engine, batch) == [2, 1, 2]
    rows = stored(engine)
    assert [r.type for r in rows] == ["e1", "e2", "e3", "e4", "e5"]
    assert rows[0].at == AT and rows[0].at.utcoffset() is not None  # the same instant, read back aware (UTC)
    assert rows[0].data == {"n": 1, "名": "客户"}
    assert (rows[2].actor, rows[2].element_id) == ("ann", "Task_A") and rows[3].actor is None


def test_a_row_a_database_refuses_writes_none_of_the_batch_and_raises_sqlalchemys_error(engine):
    message = {"idempotency_key": "k-1", "instance_id": "case-1", "topic": "t", "payload": {}, "created_at": AT,
               "attempts": 0}
    batch = Batch()
    batch.add(EVENTS, [event(1)])
    batch.add(OUTBOX, [message, dict(message)])  # the same idempotency key twice
    with pytest.raises(IntegrityError):
        send(engine, batch)
    assert stored(engine) == []


def test_nothing_queued_sends_nothing(engine):
    batch = Batch()
    assert batch.add(EVENTS, []) == -1
    assert send(engine, batch) == [] and stored(engine) == []
