"""The CRM pack object handed to the engine: the one place its tables are wired together."""
from __future__ import annotations

from engine import Pack


class CrmPack(Pack):
    """CRM functions, services, forms and assignment rules, as one object for the engine."""

    name = "crm"


def crm_pack() -> CrmPack:
    """The CRM pack with everything it ships."""
    return CrmPack()
