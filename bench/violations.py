"""Violation lookups through the kiosk's HTTP client against the real center.

Starts ``python -m center.cli serve`` (uvicorn on 127.0.0.1, the full demo data, TLS with a
CA made for this run unless ``--plain``), then measures:

- latency: ``--lookups`` sequential lookups of demo vehicles (with their right secrets)
  through ``HttpViolationService``, p50 and p95 in ms;
- throughput: ``--clients`` threads, each with its own client, looking up for
  ``--seconds`` (at most ``--max-requests`` in all): lookups per second the center answered.

Client and center share this machine's cores, so the throughput is a floor for what the
center sustains.

    .venv/bin/python bench/violations.py [--json] [--workers 1] [--clients 4] [--plain]

Last line: {"lookup_p50_ms": ..., "lookup_p95_ms": ..., "center_rps": ...}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from center.auth import TerminalRegistry  # noqa: E402
from kiosk.platform.backend_config import ServiceConfig  # noqa: E402
from kiosk.platform.http_client import HttpClient  # noqa: E402
from kiosk.platform.service_errors import ServiceError  # noqa: E402
from kiosk.violations.demo_data import generate_demo  # noqa: E402
from kiosk.violations.http import HttpViolationService  # noqa: E402
from kiosk.violations.regions import load_regions  # noqa: E402
from kiosk.violations.service import VehicleQuery  # noqa: E402
from tests.support.uvicorn_server import closed_port, make_tls_material  # noqa: E402


def queries(count: int, seed: int = 7) -> list[VehicleQuery]:
    """Lookups of random demo vehicles, each with its region's right secret."""
    data = generate_demo()
    regions = load_regions()
    rng = random.Random(seed)
    vehicles = [v for v in data.vehicles if not v.provider_pending]
    return [
        VehicleQuery(plate_type=v.plate_type, plate=v.plate, secret=data.secret_for(v, regions))
        for v in (rng.choice(vehicles) for _ in range(count))
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--plain", action="store_true", help="HTTP instead of HTTPS")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the start-up probe's refused connections

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-violations-") as tmp:
        data_dir = Path(tmp) / "center"
        token = TerminalRegistry(data_dir / "terminals.json").add("bench")
        port = closed_port()
        command = [
            sys.executable, "-m", "center.cli", "--data-dir", str(data_dir), "serve",
            "--port", str(port), "--workers", str(args.workers), "--log-level", "warning",
        ]  # fmt: skip
        ca_file = ""
        if not args.plain:
            tls = make_tls_material(Path(tmp) / "tls")
            command += ["--tls-cert", str(tls.server_cert), "--tls-key", str(tls.server_key)]
            ca_file = str(tls.ca_cert)
        scheme = "http" if args.plain else "https"
        config = ServiceConfig(
            backend="http",
            base_url=f"{scheme}://127.0.0.1:{port}",
            token=token,
            ca_file=ca_file,
            read_timeout_s=10,
            pool_size=2,
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            return run(args, config, say, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)


def run(
    args: argparse.Namespace,
    config: ServiceConfig,
    say: object,
    server: subprocess.Popen[bytes],
) -> int:
    assert callable(say)
    started = time.monotonic()
    probe = HttpViolationService(HttpClient(config, "bench"))
    while True:
        try:
            probe.ping()
            break
        except ServiceError:
            if server.poll() is not None or time.monotonic() - started > 90:
                raise SystemExit("the center did not start") from None
            time.sleep(0.2)
    say(
        f"center up in {time.monotonic() - started:.1f} s "
        f"({'TLS, pinned CA' if config.ca_file else 'plain HTTP'}, {args.workers} worker(s))"
    )

    # latency: one kiosk, sequential lookups on a kept-alive connection
    work = queries(args.lookups + 20)
    for q in work[:20]:  # warm up: connection, TLS session, caches
        probe.lookup_vehicle(q)
    timings = []
    records = 0
    for q in work[20:]:
        t0 = time.perf_counter()
        outcome = probe.lookup_vehicle(q)
        timings.append((time.perf_counter() - t0) * 1000)
        records += len(getattr(outcome, "records", ()))
    probe.close()
    p50, p95 = percentile(timings, 0.50), percentile(timings, 0.95)
    say(
        f"latency over {len(timings)} lookups ({records} records): "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {max(timings):.2f} ms"
    )

    # throughput: several clients at once, bounded in time and count
    stop_at = time.monotonic() + args.seconds
    budget = threading.Semaphore(args.max_requests)
    done = [0] * args.clients
    failed = [0] * args.clients
    load = queries(2000, seed=11)

    def client(i: int) -> None:
        service = HttpViolationService(HttpClient(config, "bench"))
        n = i
        try:
            while time.monotonic() < stop_at and budget.acquire(blocking=False):
                try:
                    service.lookup_vehicle(load[n % len(load)])
                    done[i] += 1
                except ServiceError:
                    failed[i] += 1
                n += args.clients
        finally:
            service.close()

    threads = [
        threading.Thread(target=client, args=(i,), name=f"bench-client-{i}")
        for i in range(args.clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.seconds + 60)
    elapsed = time.perf_counter() - t0
    rps = sum(done) / elapsed
    say(
        f"throughput with {args.clients} concurrent clients for {elapsed:.1f} s: "
        f"{sum(done)} lookups, {sum(failed)} failed, {rps:.0f} lookups/s"
    )
    say(
        "targets: p95 <= 50 ms "
        + ("met" if p95 <= 50 else "MISSED")
        + "; center >= 300 lookups/s "
        + ("met" if rps >= 300 else "MISSED")
    )
    print(
        json.dumps(
            {
                "lookup_p50_ms": round(p50, 2),
                "lookup_p95_ms": round(p95, 2),
                "center_rps": round(rps, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
