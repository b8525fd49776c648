"""Runtime: the unit of work every command runs through, the commands, timers, outbox and worker."""
from .unit_of_work import InstanceRun, UnitOfWork, utcnow

__all__ = ["UnitOfWork", "InstanceRun", "utcnow"]
