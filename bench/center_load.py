"""A city's fleet against two center processes on one PostgreSQL database.

    .venv/bin/python bench/center_load.py --kiosks 10000 [--duration 180] [--json]

What runs:

- a PostgreSQL cluster of the bench's own (``tests/support/postgres.py``: initdb in a
  temporary folder as an unprivileged user; fsync and synchronous commit on);
- a center data directory on it (``database.toml``): a signed TUF repository (keys made and
  installed, repository initialised), ``--kiosks`` terminals registered in the database;
- ``--centers`` (2) ``center serve`` processes (uvicorn, one worker each, plain HTTP on
  127.0.0.1), started from the command line as an operator would;
- in this process, ``--kiosks`` simulated terminals on one asyncio loop. Each one, every
  ``--interval`` seconds (60) with +-10 % jitter, first at a random moment of the first
  interval: polls ``GET /fleet/metadata/timestamp.json`` with the ``If-None-Match`` of its
  last answer (a 304 when nothing was published), sends its heartbeat (``POST
  /v1/fleet/heartbeats``, a realistic ~1 KB body, its own token), and with probability
  ``--lookup-share`` (5 %) looks up a vehicle's violations (``POST
  /v1/violations/vehicle-lookups``).

What the simulated terminals skip, next to a real kiosk's agent: TUF verification (no
signature checked, no snapshot or targets fetched: nothing is published during the run, so
a real agent would get the same 304 and stop there too), TLS (plain HTTP on loopback: a
deployment ends TLS at nginx), a TCP connection each (they share a pool of keep-alive
connections per center: 10,000 sockets would be nginx's to hold, not the app servers'), and
no load balancer in between (terminal *i* talks to center *i* mod N, as a balancer would
spread them).

Measured over ``--duration`` seconds after ``--warmup`` (every terminal is already in its
cycle then): request rate, latency p50/p95/p99/max (from sending a request to reading its
whole answer, not counting a wait for a free pooled connection, which is reported apart),
errors (anything but 200/304, or a failed connection), the centers' CPU seconds from /proc
(utime + stime of both processes) per 1,000 requests, PostgreSQL's likewise (its backends,
children of the postmaster), this process's own, and from the centers' CPU the terminals
one center core carries: ``kiosks / (center CPU seconds per second)``.

Last line (with ``--json``)::

    {"kiosks": 10000, "duration_s": 180, "requests": ..., "request_rate": ...,
     "p50_ms": ..., "p95_ms": ..., "errors": 0, "center_cpu_s_per_1000": ...,
     "terminals_per_center_core": ..., ...}
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from center.auth import open_callers  # noqa: E402
from center.database import open_engine  # noqa: E402
from center.fleet.keys import init_keys, install_keys  # noqa: E402
from center.fleet.repository import FleetRepository  # noqa: E402
from kiosk.fleet.heartbeat import DeviceReport, Heartbeat  # noqa: E402
from kiosk.violations.local import LocalViolationService  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402
from tests.support.uvicorn_server import closed_port  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PLATE = {"plate_type": "02", "plate": "苏E8D2K7", "secret": "4G15B08327"}  # a demo vehicle


# -- the center ------------------------------------------------------------------------------


def prepare(data_dir: Path, url: str, kiosks: int) -> dict[str, str]:
    """The data directory: database.toml, a signed repository, the demo violations, and
    ``kiosks`` terminals in the database; answers their tokens."""
    (data_dir / "database.toml").write_text(
        f'[database]\nurl = "{url}"\npool_size = 10\n', encoding="utf-8"
    )
    keys = data_dir.parent / "keys"
    init_keys(keys)
    install_keys(keys, data_dir / "fleet")
    repo = FleetRepository(data_dir / "fleet")
    with repo.locked():
        repo.initialize()
    LocalViolationService.open_demo(data_dir / "violations.sqlite3").close()
    engine = open_engine(data_dir)
    try:
        callers = open_callers(engine, data_dir)
        tokens = callers.add_many([terminal_id(i) for i in range(kiosks)])
        callers.close()
    finally:
        engine.close()
    return tokens


def terminal_id(i: int) -> str:
    return f"kiosk-{i:05d}"


@dataclass
class Center:
    """One ``center serve`` process."""

    port: int
    proc: subprocess.Popen[bytes]

    def cpu_s(self) -> float:
        return process_cpu_s(self.proc.pid)


def start_center(data_dir: Path, log: Path) -> Center:
    port = closed_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CENTER_DATABASE_URL", None)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "center.cli",
                "--data-dir",
                str(data_dir),
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Center(port, proc)


def wait_healthy(center: Center, log: Path) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if center.proc.poll() is not None:
            raise RuntimeError(f"the center exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{center.port}/v1/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("the center did not come up")


def process_cpu_s(pid: int) -> float:
    """utime + stime of a process (its threads included), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_cpu_s(cluster: PostgresCluster) -> float:
    """CPU seconds of the postmaster's children now alive (backends, writers)."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == postmaster:
                total += (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, IndexError, ValueError):
            continue
    return total + process_cpu_s(postmaster)


# -- the terminals -----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection (just what the bench needs)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str]]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(head + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length:
            await self.reader.readexactly(length)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Results:
    """Every measured request: kind, latency, outcome."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    pool_waits: list[float] = field(default_factory=list)
    cycles: int = 0


class Fleet:
    """The simulated terminals and their connections to the centers."""

    def __init__(
        self,
        centers: list[Center],
        tokens: dict[str, str],
        *,
        interval_s: float,
        lookup_share: float,
        connections: int,
        seed: int,
    ) -> None:
        self.centers = centers
        self.tokens = tokens
        self.ids = sorted(tokens)
        self.interval_s = interval_s
        self.lookup_share = lookup_share
        self.rng = random.Random(seed)
        self.etags: dict[str, str] = {}
        self.pools: list[asyncio.Queue[Connection]] = []
        self.connections = connections
        self.results = Results()
        self.measure_from = self.measure_until = 0.0
        self.heartbeat_body = self._heartbeat_template()

    @staticmethod
    def _heartbeat_template() -> str:
        """A heartbeat as a kiosk sends it, with two fields left to fill in."""
        hb = Heartbeat(
            terminal_id="kiosk-00000",
            group="district-1",
            app_version="0.1.0",
            config_version="all@3+group:district-1@2",
            desired={"all": 3, "group:district-1": 2},
            applied={"all": 3, "group:district-1": 2},
            fleet_state="ok",
            last_verified_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
            devices={
                "printer": DeviceReport(level="ready"),
                "camera": DeviceReport(level="ready"),
                "scanner": DeviceReport(level="ready"),
                "receipt": DeviceReport(level="degraded", reason="paper_low", detail="低纸"),
            },
            paper="low",
            counters={"sessions": 41, "lookups": 17, "redemptions": 3, "photos": 5},
            clock=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
            uptime_s=86400.0,
        )
        text = hb.model_dump_json()
        return text.replace('"kiosk-00000"', '"{tid}"').replace(
            '"2026-11-23T09:30:00Z"', '"{clock}"'
        )

    async def open(self) -> None:
        for center in self.centers:
            pool: asyncio.Queue[Connection] = asyncio.Queue()
            for _ in range(self.connections):
                pool.put_nowait(Connection(center.port))
            self.pools.append(pool)

    def close(self) -> None:
        for pool in self.pools:
            while not pool.empty():
                pool.get_nowait().close()

    def _measured(self, started: float) -> bool:
        return self.measure_from <= started < self.measure_until

    async def _timed(
        self, kind: str, conn: Connection, head: bytes, body: bytes = b""
    ) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            status, headers = await asyncio.wait_for(conn.request(head, body), timeout=10)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as e:
            conn.close()
            if self._measured(started):
                self.results.errors[kind] += 1
                if len(self.results.error_samples) < 10:
                    self.results.error_samples.append(f"{kind}: {type(e).__name__} {e}")
            return {}
        if self._measured(started):
            if status in (200, 304):
                self.results.latencies[kind].append(loop.time() - started)
            else:
                self.results.errors[kind] += 1
                if len(self.results.error_samples) < 10:
                    self.results.error_samples.append(f"{kind}: HTTP {status}")
        return headers

    async def cycle(self, i: int) -> None:
        """One terminal's poll, heartbeat and maybe lookup."""
        tid = self.ids[i]
        pool = self.pools[i % len(self.pools)]
        loop = asyncio.get_running_loop()
        asked = loop.time()
        conn = await pool.get()
        if self._measured(asked):
            self.results.pool_waits.append(loop.time() - asked)
        try:
            etag = self.etags.get(tid)
            head = (
                "GET /fleet/metadata/timestamp.json HTTP/1.1\r\nHost: center\r\n"
                + (f"If-None-Match: {etag}\r\n" if etag else "")
                + "\r\n"
            ).encode()
            headers = await self._timed("timestamp", conn, head)
            if "etag" in headers:
                self.etags[tid] = headers["etag"]
            auth = (
                f"Host: center\r\nAuthorization: Bearer {self.tokens[tid]}\r\n"
                f"X-Terminal-Id: {tid}\r\nContent-Type: application/json\r\n"
            )
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            body = self.heartbeat_body.replace("{tid}", tid).replace("{clock}", now).encode()
            head = (
                f"POST /v1/fleet/heartbeats HTTP/1.1\r\n{auth}Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            await self._timed("heartbeat", conn, head, body)
            if self.rng.random() < self.lookup_share:
                body = json.dumps(PLATE, ensure_ascii=False).encode()
                head = (
                    "POST /v1/violations/vehicle-lookups HTTP/1.1\r\n"
                    f"{auth}Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                await self._timed("lookup", conn, head, body)
            if self._measured(asked):
                self.results.cycles += 1
        finally:
            pool.put_nowait(conn)

    async def run(self, warmup_s: float, duration_s: float, on_measure: asyncio.Event) -> None:
        """Every terminal on its own jittered schedule until the measured window ends."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.measure_from = start + warmup_s
        self.measure_until = self.measure_from + duration_s
        due = [(start + self.rng.uniform(0, self.interval_s), i) for i in range(len(self.ids))]
        heapq.heapify(due)
        tasks: set[asyncio.Task[None]] = set()
        measuring = False
        while True:
            now = loop.time()
            if not measuring and now >= self.measure_from:
                measuring = True
                on_measure.set()
            if now >= self.measure_until:
                break
            while due and due[0][0] <= now:
                _, i = heapq.heappop(due)
                task = asyncio.create_task(self.cycle(i))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                jitter = self.rng.uniform(0.9, 1.1)
                heapq.heappush(due, (now + self.interval_s * jitter, i))
            await asyncio.sleep(max(0.0, min(due[0][0] - loop.time(), 0.05)))
        if tasks:
            await asyncio.wait(tasks, timeout=15)


# -- the bench -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def drive(
    fleet: Fleet, centers: list[Center], cluster: PostgresCluster, warmup: float, duration: float
) -> dict[str, float]:
    """Runs the fleet; answers the CPU seconds used in the measured window."""
    await fleet.open()
    measuring = asyncio.Event()
    runner = asyncio.create_task(fleet.run(warmup, duration, measuring))
    await measuring.wait()
    t0 = time.monotonic()
    c0 = [c.cpu_s() for c in centers]
    p0 = postgres_cpu_s(cluster)
    s0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.sleep(duration)
    c1 = [c.cpu_s() for c in centers]
    p1 = postgres_cpu_s(cluster)
    s1 = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic() - t0
    await runner
    fleet.close()
    return {
        "wall_s": wall,
        "center_cpu_s": sum(c1) - sum(c0),
        "center_cpu_each_s": [b - a for a, b in zip(c0, c1, strict=True)],  # type: ignore[dict-item]
        "postgres_cpu_s": p1 - p0,
        "bench_cpu_s": (s1.ru_utime + s1.ru_stime) - (s0.ru_utime + s0.ru_stime),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=10000)
    parser.add_argument("--centers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=180.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=60.0, help="poll + heartbeat period")
    parser.add_argument("--lookup-share", type=float, default=0.05)
    parser.add_argument("--connections", type=int, default=64, help="per center")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="center-load-") as tmp,
        PostgresCluster(durable=True) as cluster,
    ):
        data_dir = Path(tmp) / "center"
        data_dir.mkdir()
        t = time.monotonic()
        tokens = prepare(data_dir, cluster.create_database("center"), args.kiosks)
        print(
            f"{args.kiosks} terminals registered, repository signed in {time.monotonic() - t:.1f} s"
        )
        centers: list[Center] = []
        try:
            for n in range(args.centers):
                log = Path(tmp) / f"center-{n}.log"
                centers.append(start_center(data_dir, log))
                wait_healthy(centers[-1], log)
            print(f"{args.centers} center processes on PostgreSQL {cluster.url('center')}")
            fleet = Fleet(
                centers,
                tokens,
                interval_s=args.interval,
                lookup_share=args.lookup_share,
                connections=args.connections,
                seed=args.seed,
            )
            cpu = asyncio.run(drive(fleet, centers, cluster, args.warmup, args.duration))
        finally:
            for center in centers:
                center.proc.send_signal(signal.SIGTERM)
            for center in centers:
                try:
                    center.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    center.proc.kill()
        logs = "".join((Path(tmp) / f"center-{n}.log").read_text() for n in range(len(centers)))

    r = fleet.results
    every = [x for values in r.latencies.values() for x in values]
    errors = sum(r.errors.values())
    requests_done = len(every) + errors
    wall = cpu["wall_s"]
    center_cores = cpu["center_cpu_s"] / wall
    per_kind = {
        kind: {
            "requests": len(values),
            "p50_ms": round(percentile(values, 0.50) * 1000, 2),
            "p95_ms": round(percentile(values, 0.95) * 1000, 2),
            "errors": r.errors.get(kind, 0),
        }
        for kind, values in sorted(r.latencies.items())
    }
    result = {
        "kiosks": args.kiosks,
        "centers": args.centers,
        "duration_s": round(wall, 1),
        "interval_s": args.interval,
        "cycles": r.cycles,
        "requests": requests_done,
        "request_rate": round(requests_done / wall, 1),
        "p50_ms": round(percentile(every, 0.50) * 1000, 2),
        "p95_ms": round(percentile(every, 0.95) * 1000, 2),
        "p99_ms": round(percentile(every, 0.99) * 1000, 2),
        "max_ms": round(max(every) * 1000, 1) if every else 0.0,
        "errors": errors,
        "pool_wait_p95_ms": round(percentile(r.pool_waits, 0.95) * 1000, 2),
        "by_kind": per_kind,
        "center_cpu_s": round(cpu["center_cpu_s"], 1),
        "center_cpu_s_per_1000": round(cpu["center_cpu_s"] / requests_done * 1000, 3),
        "postgres_cpu_s_per_1000": round(cpu["postgres_cpu_s"] / requests_done * 1000, 3),
        "bench_cpu_s_per_1000": round(cpu["bench_cpu_s"] / requests_done * 1000, 3),
        "center_cores_used": round(center_cores, 3),
        "terminals_per_center_core": round(args.kiosks / center_cores) if center_cores else None,
    }
    print(
        f"{requests_done} requests in {wall:.0f} s ({result['request_rate']}/s) from "
        f"{args.kiosks} terminals: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms, {errors} errors"
    )
    for kind, k in per_kind.items():
        print(f"  {kind:<10} {k['requests']:>7} p50 {k['p50_ms']} ms p95 {k['p95_ms']} ms")
    for sample in r.error_samples:
        print("ERROR:", sample)
    print(
        f"centers: {cpu['center_cpu_s']:.1f} CPU s ({center_cores:.2f} cores), "
        f"{result['center_cpu_s_per_1000']} CPU s per 1000 requests -> "
        f"{result['terminals_per_center_core']} terminals per center core; "
        f"PostgreSQL {result['postgres_cpu_s_per_1000']} and this bench "
        f"{result['bench_cpu_s_per_1000']} CPU s per 1000 requests"
    )
    if "Traceback" in logs:
        print("a center logged a traceback:", logs[logs.index("Traceback") :][:1500])
    if args.json:
        print(json.dumps(result))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
