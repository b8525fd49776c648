"""One test against a really served process: `crmflow setup` then `crmflow serve`, driven over HTTP."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.engine.bpmn_builder import timer_model

CLI = [sys.executable, "-m", "designer_api.cli"]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def served_crmflow(database_url: str, setup_timeout: int = 120, *serve_options: str) -> Iterator[int]:
    """`crmflow setup` then `crmflow serve` on a free port, until the block ends; yields the port."""
    database = ["--database", database_url]
    subprocess.run([*CLI, *database, "setup", "--days", "0"], check=True, cwd=ROOT, capture_output=True, timeout=setup_timeout)
    port = free_port()
    server = subprocess.Popen([*CLI, *database, "serve", "--port", str(port), *serve_options], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def test_a_served_crmflow_starts_and_lists_tasks(tmp_path):
    with served_crmflow(f"sqlite:///{tmp_path / 'served.sqlite'}") as port:
        status, catalog = call(port, "GET", "/api/processes", "demo-ann")
        assert status == 200 and {e["process_key"] for e in catalog} >= {"customer_approval", "order_release"}
        status, instance = call(port, "POST", "/api/processes/order_release/instances", "demo-alice",
                                {"data": {"customer_id": 1, "amount": 100000, "quote_id": 2}})
        assert status == 201 and instance["status"] == "running"
        status, tasks = call(port, "GET", "/api/tasks", "demo-carol")
        assert [t["element_id"] for t in tasks] == ["Task_CreditOverride"]
        assert call(port, "GET", "/api/tasks", "wrong")[0] == 401


def deploy_and_wait(port: int, seconds: float) -> str:
    """Deploy a one-second timer, start a case on it, and say where it is after `seconds`."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/processes", method="POST",
                                     data=timer_model("'PT1S'"), headers={"Authorization": "Bearer demo-root",
                                                                         "Content-Type": "application/xml"})
    urllib.request.urlopen(request, timeout=10)
    status, case = call(port, "POST", "/api/processes/wait_then_work/instances", "demo-root", {})
    assert status == 201 and case["status"] == "waiting"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if call(port, "GET", f"/api/instances/{case['id']}", "demo-root")[1]["status"] == "running":
            return "running"
        time.sleep(0.2)
    return "waiting"


def test_serve_fires_timers_by_default(tmp_path):
    with served_crmflow(f"sqlite:///{tmp_path / 'timers.sqlite'}") as port:
        assert deploy_and_wait(port, 15) == "running"  # the timer fired: the work after it is ready


def test_serve_without_a_worker_leaves_timers_to_crmflow_worker(tmp_path):
    with served_crmflow(f"sqlite:///{tmp_path / 'quiet.sqlite'}", 120, "--no-worker") as port:
        assert deploy_and_wait(port, 3) == "waiting"
