"""Runtime: the unit of work every command runs through, the commands, timers, outbox and worker."""
from .instance_run import InstanceRun
from .unit_of_work import UnitOfWork, utcnow

__all__ = ["UnitOfWork", "InstanceRun", "utcnow"]
