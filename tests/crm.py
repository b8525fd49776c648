"""Shared set-up for tests that need the CRM pack: shipped processes and demo data."""
from __future__ import annotations

from designer_api.app import create_app
from designer_api.wiring import shipped_models
from domain.seed import load_demo
from engine import Engine


def prepare_crm(engine: Engine) -> Engine:
    """Deploy the shipped processes and load the demo directory, tokens and customers."""
    for path in shipped_models():
        engine.deploy(path.read_bytes(), author="crmflow")
    engine.execute(lambda uow: load_demo(uow.session, uow.now))
    return engine


def crm_app(engine: Engine, **config):
    """The Flask app on `engine`, prepared with the CRM pack, for the test client."""
    prepare_crm(engine)
    return create_app({"ENGINE": engine, "TESTING": True, "SECRET_KEY": "test-secret", **config})
