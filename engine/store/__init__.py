"""Store: tables, sessions, versions and the read-side queries. Knows no SpiffWorkflow state."""
from .database import Store, database_url

__all__ = ["Store", "database_url"]
