"""Shared set-up for tests that need the CRM pack: shipped processes and demo data."""
from __future__ import annotations

from designer_api.app import create_app
from designer_api.wiring import shipped, shipped_models
from domain.seed import load_demo
from engine import Engine

# The shipped processes that start on their own schedule: deployed only for the tests that ask for them, so a
# test that moves the clock past a Friday does not find weekly reports among its tasks.
SCHEDULED = ("sales_forecast.bpmn", "weekly_report.bpmn")


def prepare_crm(engine: Engine, scheduled: bool = False) -> Engine:
    """Deploy the shipped processes (`scheduled`: those that start on a schedule too) and load the demo
    directory, tokens and customers."""
    for path in shipped_models():
        if scheduled or path.name not in SCHEDULED:
            bpmn, decisions = shipped(path)
            engine.deploy(bpmn, author="crmflow", decisions=decisions)
    engine.execute(lambda uow: load_demo(uow.session, uow.now))
    return engine


def crm_app(engine: Engine, **config):
    """The Flask app on `engine`, prepared with the CRM pack, for the test client."""
    prepare_crm(engine)
    return create_app({"ENGINE": engine, "TESTING": True, "SECRET_KEY": "test-secret", **config})
