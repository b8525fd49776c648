"""HTTP load: K clients drive lead_to_opportunity end to end against gunicorn on PostgreSQL.

Each instance is five calls: start, list my tasks, complete "Qualify lead", list again,
complete "Plan first meeting". Prints instances/second, p50/p95/p99 per call, errors
(anything but 2xx, and 409s counted apart), for each server size asked (1 and 2 gunicorn
workers by default, and their ratio), and the same flow engine-direct for comparison.

    python bench/api_load.py [--clients 8] [--instances 200] [--workers 1,2] [--postgres URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine_throughput import postgres_database  # noqa: E402
from designer_api.wiring import build_engine  # noqa: E402
from tests.crm import prepare_crm  # noqa: E402

QUALIFY = {"budget_confirmed": True, "decision_maker_known": True, "timeline": "this_quarter",
           "estimated_amount": 150000}
MEETING = {"meeting_date": "2026-12-01", "agenda": "demo"}


def lead(tag: str) -> dict:
    return {"company": f"Load Test Co {tag}", "source": "referral", "contact_name": "Load", "email": None,
            "phone": None, "region": "east", "industry": "manufacturing"}


class Client(threading.Thread):
    """One user agent with a keep-alive connection, running instances one after another."""

    def __init__(self, port: int, count: int, stats: dict, errors: list):
        super().__init__(daemon=True)
        self.port, self.count, self.stats, self.errors = port, count, stats, errors

    def call(self, name: str, method: str, path: str, body: dict | None = None):
        began = time.perf_counter()
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers={"Authorization": "Bearer demo-alice", "Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = json.loads(response.read() or b"null")
        self.stats[name].append(time.perf_counter() - began)
        if response.status >= 300:
            self.errors.append((name, response.status, payload))
        return payload

    def run(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for _ in range(self.count):
            key = uuid.uuid4().hex[:12]
            self.call("start", "POST", "/api/processes/lead_to_opportunity/instances",
                      {"data": lead(key), "business_key": key})
            for step, data in (("qualify", QUALIFY), ("meeting", MEETING)):
                tasks = self.call("list", "GET", f"/api/tasks?business_key={key}")
                self.call(step, "POST", f"/api/tasks/{tasks[0]['id']}/complete", {"data": data})


def serve(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", "designer_api.app:create_app()"],
                              cwd=ROOT, env={**os.environ, "CRMFLOW_DATABASE_URL": url})
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/health")
            return server, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def engine_direct(url: str, count: int) -> float:
    engine = build_engine(url)
    began = time.perf_counter()
    for _ in range(count):
        key = uuid.uuid4().hex[:12]
        instance = engine.start("lead_to_opportunity", lead(key), key, "alice")
        for data in (QUALIFY, MEETING):
            task = engine.tasks(assignee="alice", groups=["sales"], business_key=key)[0]
            engine.complete(task.id, "alice", data, ["sales"])
        assert engine.instance(instance.id).status == "completed"
    engine.close()
    return count / (time.perf_counter() - began)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def http_load(url: str, workers: int, clients: int, instances: int) -> tuple[float, dict, list]:
    """Instances/second over HTTP with `workers` gunicorn processes; the call times and errors."""
    server, port = serve(url, workers)
    try:
        warm_up = [Client(port, 3, defaultdict(list), []) for _ in range(workers * 2)]
        for client in warm_up:  # every gunicorn worker parses the specs once, outside the figures
            client.start()
        for client in warm_up:
            client.join()
        stats: dict = defaultdict(list)
        errors: list = []
        runners = [Client(port, instances // clients, stats, errors) for _ in range(clients)]
        began = time.perf_counter()
        for client in runners:
            client.start()
        for client in runners:
            client.join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(10)
    return (instances // clients) * clients / elapsed, stats, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--instances", type=int, default=200, help="in total, over all clients, per server size")
    parser.add_argument("--workers", default="1,2", help="gunicorn worker processes, one run per size (default 1,2)")
    parser.add_argument("--postgres", default=os.environ.get("CRMFLOW_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("needs --postgres URL (or CRMFLOW_TEST_POSTGRES_URL)")
    sizes = [int(n) for n in args.workers.split(",")]
    url, drop = postgres_database(args.postgres)
    try:
        engine = build_engine(url)
        engine.init_db()
        prepare_crm(engine)
        engine.close()
        direct = engine_direct(url, max(20, args.instances // 4))
        runs = {workers: http_load(url, workers, args.clients, args.instances) for workers in sizes}
    finally:
        drop()
    print(f"engine-direct: {direct:8.1f} instances/s (one process, PostgreSQL)")
    for workers, (rate, stats, errors) in runs.items():
        print(f"\nHTTP, {args.clients} clients, {workers} gunicorn worker(s): {rate:8.1f} instances/s "
              f"({rate * 5:.0f} calls/s)   HTTP/direct = {rate / direct:.2f}")
        for name in ("start", "list", "qualify", "meeting"):
            values = stats[name]
            print(f"  {name:<8} n={len(values):<5} p50 {percentile(values, 50):6.1f} ms  "
                  f"p95 {percentile(values, 95):6.1f} ms  p99 {percentile(values, 99):6.1f} ms")
        conflicts = sum(1 for _, status, _ in errors if status == 409)
        print(f"  errors: {len(errors) - conflicts} (plus {conflicts} expected 409 conflicts)")
        for name, status, payload in errors[:5]:
            print(f"    {name} {status} {payload}")
    if len(runs) > 1:
        (few, (slow, _, _)), (many, (fast, _, _)) = list(runs.items())[0], list(runs.items())[-1]
        print(f"\n{many} workers / {few}: {fast / slow:.2f}x")


if __name__ == "__main__":
    main()
