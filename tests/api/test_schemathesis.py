"""Schemathesis against a really served crmflow, from its own OpenAPI document: the examples, coverage,
fuzzing and stateful phases with every check, as an administrator and as staff, on SQLite and PostgreSQL.

Every check runs but `positive_data_acceptance`: BPMN uploads are schema-valid strings that are rarely
BPMN, and the generated ids name no case, so "valid" data is refused by design. The figures (operations,
cases, failures) are printed for the record.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_served import ROOT, served_crmflow

FIGURES: list[str] = []  # printed at the end of the run (tests/conftest.py)

SCHEMATHESIS = [str(Path(sys.executable).parent / "schemathesis"), "run", "--phases",
                "examples,coverage,fuzzing,stateful", "--checks", "all", "--exclude-checks",
                "positive_data_acceptance", "--max-examples", "20", "--seed", "1", "--continue-on-failure"]


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'fuzz.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres").create())
    with served_crmflow(url, setup_timeout=180) as port:
        yield f"http://127.0.0.1:{port}/api/openapi.json#{request.param}"


@pytest.mark.parametrize("token", ["demo-root", "demo-alice"])
def test_schemathesis_finds_no_server_error_and_no_response_off_its_schema(served, token):
    run = subprocess.run([*SCHEMATHESIS, served.split("#")[0], "-H", f"Authorization: Bearer {token}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    summary = run.stdout[run.stdout.find("SUMMARY"):]
    figures = re.search(r"Tested: (\d+).*?(\d+) generated, (\d+) passed", summary, re.S)
    failures = re.search(r"(\d+) (?:unique )?failures?", summary)
    FIGURES.append(f"{served.split('#')[1]} as {token}: {figures.group(1) if figures else '?'} operations, "
                   f"{figures.group(2) if figures else '?'} cases, {failures.group(1) if failures else 0} failures")
    assert run.returncode == 0, run.stdout[-6000:]
    assert figures and int(figures.group(1)) >= 40
