"""Every example in examples/ runs on a fresh database and tells its story."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {
    "customer_approval.py": "Gateway_CreditDecision -> Task_GeneralManagerApproval",
    "order_release.py": "control point 'credit_usage' fired (block)",
    "lead_to_opportunity.py": "is active, credit limit 300,000",  # the converted lead's customer, approved
    "complaint_handling.py": "Gateway_CompensationLimit -> Task_ApproveCompensation",
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_the_example_runs_and_tells_its_story(script, tmp_path):
    env = {**os.environ, "CRMFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'example.sqlite'}"}
    done = subprocess.run([sys.executable, str(EXAMPLES / script)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert EXPECTED[script] in done.stdout
    assert ": completed" in done.stdout
