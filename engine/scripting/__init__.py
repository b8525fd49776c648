"""The sandbox: the one place where text a person wrote (conditions, scripts, table cells) is compiled and run.

Below intake (which compiles every expression of an uploaded model here before it may deploy) and runtime (which
runs them here, within budgets): `sandbox.py` the restricted language, `script_engine.py` SpiffWorkflow's script
engine on it, `data.py` the bounds of case data.
"""
