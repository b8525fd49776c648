"""Models from other modelers: does crmflow deploy and run what raw SpiffWorkflow runs, the same way?

For every .bpmn file under the given folders: raw SpiffWorkflow (CamundaParser for Camunda
models, SpiffBpmnParser otherwise) runs it in memory, completing each ready human task with no
data, until it ends or stops; crmflow takes it in (intake), deploys it on a scratch SQLite
database and runs it the same way (an administrator completes every task, answering required
form fields with plain values). Prints, per file, both outcomes and crmflow's first refusal, then
the share of raw-runnable models crmflow deploys and runs along the same path.

    python bench/corpus.py FOLDER [FOLDER ...] [--verbose]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.camunda.parser import CamundaParser  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine import Engine, InvalidModel  # noqa: E402
from engine.errors import EngineError  # noqa: E402

MAX_ROUNDS = 100
_PLAIN = {"string": "x", "integer": 1, "number": 1, "boolean": True}


def raw_run(path: Path) -> tuple[str, set[str]]:
    """('completed' | 'stopped' | 'error: ...', ids of the elements completed) under raw SpiffWorkflow."""
    try:
        root = etree.parse(str(path)).getroot()
        parser = CamundaParser() if b"camunda.org/schema" in path.read_bytes() else SpiffBpmnParser()
        parser.add_bpmn_xml(etree.ElementTree(root), filename=path.name)
        key = next(p.get("id") for p in root.iter("{*}process") if p.get("isExecutable") != "false")
        workflow = BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key))
        for _ in range(MAX_ROUNDS):
            workflow.do_engine_steps()
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            for task in ready:
                task.run()
        status = "completed" if workflow.is_completed() else "stopped"
        return status, _completed(workflow.get_tasks(state=TaskState.COMPLETED))
    except Exception as exc:  # noqa: BLE001 - any failure is an outcome of the model
        return f"error: {type(exc).__name__}: {str(exc)[:80]}", set()


def crmflow_run(engine: Engine, path: Path, number: int) -> tuple[str, set[str], str]:
    """(outcome, ids completed, first refusal) in crmflow."""
    try:
        model = engine.check(path.read_bytes())
        engine.deploy(path.read_bytes(), author="corpus")
    except InvalidModel as exc:
        first = exc.problems[0]
        return "refused", set(), f"{first.code} {first.element_id or ''}: {first.message[:140]}"
    except EngineError as exc:
        return "refused", set(), str(exc)[:140]
    try:
        case = engine.start(model.process_key, _answers(engine, model.start_form), f"corpus-{number}", "corpus")
        for _ in range(MAX_ROUNDS):
            ready = engine.tasks(instance_id=case.id, state="ready")
            if not ready:
                break
            for task in ready:
                engine.complete(task.id, task.assignee or "corpus", _answers(engine, task.form_key), None)
        view = engine.instance(case.id)
        done = {e.element_id for e in engine.history(case.id) if e.type == "task_completed" and e.element_id}
        return view.status, done, str((view.incident or {}).get("message", ""))[:140]
    except EngineError as exc:
        return "failed", set(), str(exc)[:140]


def _answers(engine: Engine, form_key: str | None) -> dict[str, Any]:
    schema = engine.form_schema(form_key) or {}
    props = schema.get("properties", {})
    return {name: (props[name].get("enum") or [_PLAIN.get(props[name].get("type"), "x")])[0]
            for name in schema.get("required", [])}


def _completed(tasks: list[Any]) -> set[str]:
    return {t.task_spec.bpmn_id for t in tasks if getattr(t.task_spec, "bpmn_id", None)
            and type(t.task_spec).__name__.endswith(("UserTask", "ManualTask", "NoneTask"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--verbose", action="store_true", help="print every file, not only the differences")
    args = parser.parse_args()
    files = sorted(p for folder in args.folders for p in folder.rglob("*.bpmn"))
    runnable = same = refused = 0
    with tempfile.TemporaryDirectory() as scratch:
        for number, path in enumerate(files):
            engine = Engine(f"sqlite:///{scratch}/corpus-{number}.db")
            engine.init_db()
            raw, raw_done = raw_run(path)
            status, done, why = crmflow_run(engine, path, number)
            engine.close()
            if raw != "completed":
                if args.verbose:
                    print(f"  {path.name:48} raw {raw[:60]}")
                continue
            runnable += 1
            ok = status == "completed" and done == raw_done  # the same human steps were worked
            same += ok
            refused += status == "refused"
            if args.verbose or not ok:
                print(f"{'ok ' if ok else 'XX '}{path.name:48} crmflow {status:10} {why}")
    share = same / runnable if runnable else 0.0
    print(f"\n{len(files)} files; raw SpiffWorkflow runs {runnable} to the end; crmflow deploys and runs {same} of "
          f"them the same way ({share:.0%}); {refused} refused, each with the element and what to change")


if __name__ == "__main__":
    main()
