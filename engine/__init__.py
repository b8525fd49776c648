"""crmflow's process runtime: BPMN via SpiffWorkflow, persisted with SQLAlchemy. Knows nothing of CRM."""
from .facade import Engine
from .errors import Conflict, EngineError, FieldError, Forbidden, Incident, InvalidData, InvalidModel, NotFound, Problem
from .pack import Assignment, HumanTask, Pack, ServiceCall

__all__ = ["Engine", "EngineError", "NotFound", "Conflict", "Forbidden", "InvalidModel", "InvalidData", "Incident",
           "Problem", "FieldError", "Pack", "HumanTask", "Assignment", "ServiceCall"]
