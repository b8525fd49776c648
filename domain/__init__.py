"""The CRM pack: records, services, forms, assignment rules and control points for crmflow."""
from .pack import CrmPack, crm_pack

__all__ = ["CrmPack", "crm_pack"]
