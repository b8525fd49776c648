"""Where the application is assembled: the engine on its database, with the CRM pack."""
from __future__ import annotations

from pathlib import Path

from domain import crm_pack
from engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_BPMN = ROOT / "bpmn"


def build_engine(url: str | None = None) -> Engine:
    """An engine on `url` (or CRMFLOW_DATABASE_URL, or the SQLite default) with the CRM pack."""
    return Engine(url, pack=crm_pack())


def shipped_models() -> list[Path]:
    """The BPMN files crmflow ships, in a stable order."""
    return sorted(SHIPPED_BPMN.glob("*.bpmn"))
