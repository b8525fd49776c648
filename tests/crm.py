"""Shared set-up for tests that need the CRM pack: shipped processes and demo data."""
from __future__ import annotations

from designer_api.wiring import shipped_models
from domain.seed import load_demo
from engine import Engine


def prepare_crm(engine: Engine) -> Engine:
    """Deploy the shipped processes and load the demo directory, tokens and customers."""
    for path in shipped_models():
        engine.deploy(path.read_bytes(), author="crmflow")
    engine.execute(lambda uow: load_demo(uow.session, uow.now))
    return engine
