"""Fleet simulation: N real fleet agents against one real center on 127.0.0.1.

    python bench/fleet_sim.py --kiosks 1000 [--poll-s 10] [--procs 1] [--threads 8] --json

What runs:

- the center (``center.app.build_app``, uvicorn, one worker) in its own process, serving the
  TUF repository and taking heartbeats; its CPU time is read from /proc;
- ``--procs`` agent processes, each driving its share of the kiosks: every kiosk is a real
  :class:`kiosk.fleet.FleetAgent` with its own ``ConfigStore``, data folder, TUF cache and
  HTTP connections; a few threads run whichever agent's ``step()`` is due (the agent's own
  scheduling: jittered polls, heartbeats, health window); no Qt;
- this process, which makes the keys and the repository, publishes, and watches the
  center's heartbeat registry.

Phases: every kiosk first converges on ``all`` v1 (cold caches: full metadata download);
then one publish (``all`` v2, a hot ``ui.idle_timeout_s`` change) and the clock starts. A
kiosk has converged when the center has a heartbeat reporting v2 applied (the agent sends
one right after applying). Data folders are on /dev/shm when it exists (each real kiosk has
its own disk; here thousands share one, and fsync would measure the disk, not the fleet).

Prints human lines, then as the LAST line (with ``--json``)::

    {"kiosks": N, "poll_s": ..., "converged_p95_s": ..., "converged_all_s": ...,
     "center_cpu_s": ..., "errors": ...}

``center_cpu_s`` is the center's CPU time from the publish until every kiosk converged (or
the deadline); ``errors`` counts failed polls and heartbeats, refusals, rollbacks and agent
exceptions over the whole run (warm-up included). ``converged_all_s`` is null when some
kiosk did not converge within ``--deadline-intervals`` poll intervals.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- the center


def serve_center(center_dir: Path, keep_alive_s: float, max_s: float) -> None:
    """Child process: the real center app on a free port of 127.0.0.1 (prints the port)."""
    import logging

    import uvicorn

    from center.app import build_app

    logging.basicConfig(level=logging.WARNING)
    app = build_app(center_dir)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # Nagle
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)  # connections queue until uvicorn accepts: no race with the clients
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=int(keep_alive_s),
        backlog=4096,
    )
    server = uvicorn.Server(config)
    threading.Timer(max_s, lambda: setattr(server, "should_exit", True)).start()
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])
    os._exit(0)  # the lifetime timer thread must not keep us


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# --------------------------------------------------------------------------- the agents


def run_agents(spec_path: Path) -> None:
    """Child process: drives its kiosks' agents until told to stop on stdin."""
    import logging

    from kiosk.fleet.agent import FleetAgent
    from kiosk.platform.config_loader import ConfigPaths, ConfigStore
    from kiosk.platform.fleet_config import FleetConfig

    logging.basicConfig(level=logging.CRITICAL)  # failures are counted, not printed
    spec = json.loads(spec_path.read_text())
    data_root = Path(spec["data_root"])
    fleet = FleetConfig(
        enabled=True,
        repository_url=spec["url"] + "/fleet",
        trusted_root=spec["root_json"],
        poll_interval_s=spec["poll_s"],
        poll_jitter=spec["jitter"],
        heartbeat_interval_s=spec["poll_s"],
        health_window_s=spec["poll_s"] / 2,
        device_ready_s=0,
        connect_timeout_s=5,
        read_timeout_s=10,
    )
    agents: list[FleetAgent] = []
    for tid, group, token in spec["kiosks"]:
        folder = data_root / tid
        folder.mkdir(parents=True, exist_ok=True)
        site = folder / "site.json"
        site.write_text(json.dumps({"terminal": {"id": tid, "group": group}}))
        store = ConfigStore(ConfigPaths(data_dir=folder / "data", site=site))
        agents.append(FleetAgent(fleet.model_copy(update={"token": token}), store))
    stop = threading.Event()
    cv = threading.Condition()
    heap = [(time.monotonic(), i) for i in range(len(agents))]
    heapq.heapify(heap)
    stats = {"steps": 0, "exceptions": 0, "lag_max_s": 0.0, "lag_sum_s": 0.0}

    def worker() -> None:
        while True:
            with cv:
                while not stop.is_set():
                    now = time.monotonic()
                    if heap and heap[0][0] <= now:
                        break
                    cv.wait(min(0.5, heap[0][0] - now) if heap else 0.5)
                if stop.is_set():
                    return
                due, i = heapq.heappop(heap)
                lag = time.monotonic() - due
                stats["steps"] += 1
                stats["lag_sum_s"] += lag
                stats["lag_max_s"] = max(stats["lag_max_s"], lag)
            try:
                delay = agents[i].step()
            except Exception:
                stats["exceptions"] += 1
                delay = spec["poll_s"]
            with cv:
                heapq.heappush(heap, (time.monotonic() + delay, i))
                cv.notify()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec["threads"])]
    print("READY", flush=True)
    for t in threads:
        t.start()
    deadline = time.monotonic() + spec["max_s"]
    reader = threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True)
    reader.start()
    while not stop.is_set() and time.monotonic() < deadline:
        stop.wait(0.5)
    stop.set()
    with cv:
        cv.notify_all()
    for t in threads:
        t.join(30)
    counters: dict[str, int] = {}
    for a in agents:
        for k, v in a.counters.items():
            counters[k] = counters.get(k, 0) + v
        a.close()
    result = {
        "counters": counters,
        "exceptions": stats["exceptions"],
        "steps": stats["steps"],
        "lag_max_s": stats["lag_max_s"],
        "lag_mean_s": stats["lag_sum_s"] / max(1, stats["steps"]),
        "cpu_s": time.process_time(),
    }
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------- orchestration


def _applied(db: Path) -> dict[str, tuple[str, float]]:
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute("SELECT terminal_id, applied_label, applied_since FROM terminals")
        return {tid: (label, float(since)) for tid, label, since in rows}
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


def _wait_converged(
    db: Path, ids: list[str], label: str, deadline: float, say: Any
) -> dict[str, tuple[str, float]]:
    last = -1
    while True:
        rows = _applied(db)
        done = sum(1 for t in ids if rows.get(t, ("", 0.0))[0] == label)
        if done != last:
            say(f"  {done}/{len(ids)} on {label}")
            last = done
        if done == len(ids) or time.monotonic() > deadline:
            return rows
        time.sleep(0.25)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def orchestrate(args: argparse.Namespace) -> int:
    """Sets up, runs and measures; returns the exit code."""
    from center.fleet.keys import init_keys, install_keys
    from center.fleet.publish import publish
    from center.fleet.repository import FleetRepository
    from kiosk.fleet.document import Audience

    def say(line: str) -> None:
        print(line, flush=True)

    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    work = Path(tempfile.mkdtemp(prefix="fleet-sim-", dir=base))
    procs: list[subprocess.Popen[str]] = []
    started = time.monotonic()
    try:
        center_dir = work / "center"
        fleet_dir = center_dir / "fleet"
        keys = init_keys(work / "keys")
        install_keys(work / "keys", fleet_dir)
        repo = FleetRepository(fleet_dir)
        publish(repo, Audience("all"), {"ui": {"volume": 50}}, note="sim v1")
        ids = [f"sim-{i:05d}" for i in range(args.kiosks)]
        tokens = {t: secrets.token_urlsafe(32) for t in ids}
        groups = {t: f"g{i % args.groups}" for i, t in enumerate(ids)}
        terminals = {
            t: {"token_sha256": hashlib.sha256(tokens[t].encode()).hexdigest(), "enabled": True}
            for t in ids
        }
        (center_dir / "terminals.json").write_text(json.dumps({"terminals": terminals}))
        max_s = args.max_s
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        center = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve-center",
                str(center_dir),
                "--keep-alive-s",
                str(2 * args.poll_s + 5),
                "--max-s",
                str(max_s),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        procs.append(center)
        assert center.stdout is not None
        port = int(center.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}"
        say(f"center pid {center.pid} on {url}; data in {work}")
        workers: list[subprocess.Popen[str]] = []
        share = (len(ids) + args.procs - 1) // args.procs
        for p in range(args.procs):
            mine = ids[p * share : (p + 1) * share]
            spec = {
                "url": url,
                "root_json": str(keys.root_json),
                "data_root": str(work / "kiosks"),
                "kiosks": [[t, groups[t], tokens[t]] for t in mine],
                "poll_s": args.poll_s,
                "jitter": args.jitter,
                "threads": args.threads,
                "max_s": max_s,
            }
            spec_path = work / f"agents-{p}.json"
            spec_path.write_text(json.dumps(spec))
            w = subprocess.Popen(
                [sys.executable, __file__, "--agents", str(spec_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            procs.append(w)
            workers.append(w)
        for w in workers:
            assert w.stdout is not None
            w.stdout.readline()  # READY
        say(
            f"{args.kiosks} agents in {args.procs} process(es) x {args.threads} threads, "
            f"poll {args.poll_s} s ±{args.jitter:.0%}; set up in "
            f"{time.monotonic() - started:.1f} s"
        )
        db = fleet_dir / "heartbeats.sqlite3"
        t = time.monotonic()
        _wait_converged(db, ids, "all@1", t + args.deadline_intervals * args.poll_s + 60, say)
        say(f"warm-up (cold caches, full metadata): {time.monotonic() - t:.1f} s")
        # the measured change
        cpu0 = cpu_seconds(center.pid)
        publish(
            repo,
            Audience("all"),
            {"ui": {"volume": 50, "idle_timeout_s": {"default": 75.0}}},
            note="sim v2",
        )
        t0 = time.time()
        deadline = time.monotonic() + args.deadline_intervals * args.poll_s
        rows = _wait_converged(db, ids, "all@2", deadline, say)
        cpu1 = cpu_seconds(center.pid)
        times = [max(0.0, rows[t][1] - t0) for t in ids if rows.get(t, ("", 0))[0] == "all@2"]
        converged_all = max(times) if len(times) == len(ids) else None
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("stop\n")
            w.stdin.flush()
        results = []
        for w in workers:
            assert w.stdout is not None
            for line in w.stdout:
                if line.startswith("RESULT "):
                    results.append(json.loads(line[7:]))
            w.wait(60)
        counters: dict[str, int] = {}
        for r in results:
            for k, v in r["counters"].items():
                counters[k] = counters.get(k, 0) + v
        errors = (
            counters.get("poll_failures", 0)
            + counters.get("rejected", 0)
            + counters.get("rollbacks", 0)
            + counters.get("heartbeat_failures", 0)
            + sum(r["exceptions"] for r in results)
        ) + (len(workers) - len(results))
        agents_cpu = sum(r["cpu_s"] for r in results)
        lag_max = max((r["lag_max_s"] for r in results), default=0.0)
        say(
            f"converged {len(times)}/{len(ids)} after the publish; "
            f"p50 {percentile(times, 50) if times else float('nan'):.2f} s, "
            f"p95 {percentile(times, 95) if times else float('nan'):.2f} s, "
            f"all {converged_all if converged_all is not None else 'NOT ALL'} s "
            f"(target: 2 poll intervals = {2 * args.poll_s:.0f} s)"
        )
        say(
            f"center CPU during convergence: {cpu1 - cpu0:.2f} s; agents' CPU over the run: "
            f"{agents_cpu:.1f} s; scheduler lag max {lag_max:.2f} s"
        )
        say(f"agent counters: {json.dumps(counters, sort_keys=True)}")
        summary = {
            "kiosks": args.kiosks,
            "poll_s": args.poll_s,
            "converged_p95_s": round(percentile(times, 95), 3) if times else None,
            "converged_all_s": round(converged_all, 3) if converged_all is not None else None,
            "center_cpu_s": round(cpu1 - cpu0, 3),
            "errors": errors,
        }
        say(f"run time {time.monotonic() - started:.1f} s")
        if args.json:
            print(json.dumps(summary), flush=True)
        return 0 if converged_all is not None and errors == 0 else 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiosks", type=int, default=100)
    parser.add_argument("--poll-s", type=float, default=10.0)
    parser.add_argument("--jitter", type=float, default=0.2)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--procs", type=int, default=2, help="agent processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per agent process")
    parser.add_argument("--deadline-intervals", type=float, default=3.0)
    parser.add_argument("--max-s", type=float, default=900.0, help="every process exits by then")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve-center", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep-alive-s", type=float, default=25.0, help=argparse.SUPPRESS)
    parser.add_argument("--agents", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_center:
        serve_center(args.serve_center, args.keep_alive_s, args.max_s)
        return 0
    if args.agents:
        run_agents(args.agents)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
