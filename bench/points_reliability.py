"""Points redemption under concurrency, a lossy network and a center killed mid-write.

Runs the real center (``center.cli serve``: uvicorn on 127.0.0.1, plain HTTP on loopback)
over a fresh data directory and drives it through the kiosk's ``HttpPointsService``:

(a) ``--clients`` threads redeem concurrently for ``--members`` members (two or more
    clients per member) until each member's points run out;
(b) the same, through ``tests/support/flaky_proxy.py``, which loses ``--fail-rate`` of the
    requests and of the responses (dropped or reset); clients retry with the same key;
(c) ``--kills`` times: the center process is killed with SIGKILL at a random moment while
    the clients redeem, then restarted; clients retry with the same key until it is back.

``--database postgresql``: the ledger on a PostgreSQL cluster of the bench's own (initdb in a
temporary folder, fsync and synchronous commit on, as in production), ``--centers`` (2)
center processes on it behind a small loopback round-robin (``tests/support/round_robin.py``;
the lossy proxy of (b) sits in front of it), each kill taking out either process at random,
and ``--db-restarts`` (1) immediate restarts of PostgreSQL itself (``pg_ctl restart -m
immediate``: a crash, WAL replayed) while (c) runs.

Then, with the centers stopped, the ledger itself is checked: balances recomputed from
the entries (never negative; equal to the initial credit less what clients saw acknowledged),
every acknowledged voucher present with its member and points, no request key charged twice
and no charge that no client saw acknowledged, stock consistent, and the ledger's own
invariant check (``Ledger.verify``).

Restarts: ``--restart fork`` (default) keeps a launcher process that has imported the center
once and forks a fresh center process for every start (as gunicorn's preload does), so a
restart costs the app's start-up, not Python's imports; ``--restart exec`` starts
``python`` anew each time (about 1.5 s here, which would put 200 kills over five minutes).
Either way the killed process is a whole center with its own SQLite connections. Kills stop
early when ``--time-budget`` runs out; the report says how many were done.

    .venv/bin/python bench/points_reliability.py [--json] [--kills 200] [--clients 20]
        [--database sqlite|postgresql] [--centers N] [--db-restarts N]

Last line: {"redemptions": ..., "double_charges": 0, "negative_balances": 0,
"ledger_mismatches": 0, "lost_vouchers": 0, "kills": ..., "db_restarts": ...}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from center.auth import open_callers  # noqa: E402
from center.database import open_engine  # noqa: E402
from center.points.store import ledger_store  # noqa: E402
from kiosk.platform.backend_config import ServiceConfig  # noqa: E402
from kiosk.platform.http_client import HttpClient  # noqa: E402
from kiosk.platform.service_errors import ServiceError  # noqa: E402
from kiosk.points.errors import LimitReached, NotEnoughPoints, OutOfStock  # noqa: E402
from kiosk.points.http import HttpPointsService  # noqa: E402
from kiosk.points.ledger import Ledger  # noqa: E402
from kiosk.points.model import CartLine, EntryKind  # noqa: E402
from tests.support.flaky_proxy import FlakyProxy  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402
from tests.support.round_robin import RoundRobin  # noqa: E402
from tests.support.uvicorn_server import closed_port  # noqa: E402

TERMINAL = "bench-kiosk"
ITEMS = {"b1": 1, "b2": 2, "b3": 3}  # item id: points
CATALOGUE = "\n".join(
    f'[[item]]\nid = "{i}"\nname_zh = "测试品{p}"\nname_en = "Bench item {p}"\n'
    f"points = {p}\nstock = 1000000\n"
    for i, p in ITEMS.items()
)
POLICY = "[points]\nvoucher_valid_days = 30\ndefault_limits = {}\n"
SERVER_LIFETIME_S = 900  # a center started here never outlives this, whatever happens
log = logging.getLogger("bench")


# -- the center process ------------------------------------------------------------------


def _watchdog(bench_pid: int) -> None:
    """Ends this center when the bench is gone or the lifetime is over."""
    start = time.monotonic()
    while time.monotonic() - start < SERVER_LIFETIME_S:
        try:
            os.kill(bench_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    os._exit(0)


def serve(data_dir: str, port: str, bench_pid: int) -> int:
    """Runs one center (``center.cli serve``) with a watchdog; returns its exit code."""
    from center.cli import main

    threading.Thread(target=_watchdog, args=(bench_pid,), daemon=True).start()
    args = ["--data-dir", data_dir, "serve", "--port", port, "--log-level", "error"]
    return main(args)


def launcher(data_dir: str, port: str, bench_pid: int) -> None:
    """Imports the center once, then forks a center for every ``start`` read on stdin,
    prints its pid, and prints ``exited`` when it ends."""
    import center.app  # noqa: F401 - the whole import, once

    for line in sys.stdin:
        if line.strip() != "start":
            break
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = serve(data_dir, port, bench_pid)
            finally:
                os._exit(code)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("exited", flush=True)


class Center:
    """The center, started and killed on demand, always on the same port."""

    def __init__(self, data_dir: Path, port: int, mode: str) -> None:
        self.data_dir, self.port, self.mode = data_dir, port, mode
        self.url = f"http://127.0.0.1:{port}"
        self.pid: int | None = None
        self._launcher: subprocess.Popen[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self.start_times: list[float] = []

    def _cmd(self, role: str) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__).resolve()),
            role,
            str(self.data_dir),
            str(self.port),
            str(os.getpid()),
        ]

    def start(self) -> float:
        """Starts a center; returns the seconds until it answered its health check."""
        began = time.monotonic()
        if self.mode == "fork":
            if self._launcher is None:
                self._launcher = subprocess.Popen(
                    self._cmd("--launcher"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
            assert self._launcher.stdin and self._launcher.stdout
            self._launcher.stdin.write("start\n")
            self._launcher.stdin.flush()
            self.pid = int(self._launcher.stdout.readline())
        else:
            self._proc = subprocess.Popen(self._cmd("--serve"), text=True, cwd=ROOT)
            self.pid = self._proc.pid
        self._wait_healthy(began + 60)
        took = time.monotonic() - began
        self.start_times.append(took)
        return took

    def _wait_healthy(self, deadline: float) -> None:
        import requests

        with requests.Session() as s:
            s.trust_env = False
            while time.monotonic() < deadline:
                try:
                    if s.get(self.url + "/v1/health", timeout=0.5).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.01)
        raise RuntimeError("the center did not start")

    def _reaped(self, timeout: float) -> None:
        if self.mode == "fork":
            assert self._launcher and self._launcher.stdout
            line = self._launcher.stdout.readline().strip()
            if line != "exited":
                raise RuntimeError(f"launcher said {line!r}")
        else:
            assert self._proc is not None
            self._proc.wait(timeout)
        self.pid = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            self._reaped(10)

    def stop(self) -> None:
        """Stops the center gracefully, and the launcher."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGTERM)
            self._reaped(15)
        if self._launcher is not None:
            assert self._launcher.stdin
            self._launcher.stdin.close()
            self._launcher.wait(10)
            self._launcher = None


# -- clients -----------------------------------------------------------------------------


@dataclass
class Ledgerbook:
    """What clients saw: acknowledged vouchers, refusals, errors (shared, locked)."""

    acked: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # key: member,code,pts
    refused: set[str] = field(default_factory=set)
    unresolved: set[str] = field(default_factory=set)
    transport_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_service(url: str, token: str) -> HttpPointsService:
    config = ServiceConfig(
        backend="http",
        base_url=url,
        terminal_id=TERMINAL,
        token=token,
        connect_timeout_s=1.0,
        read_timeout_s=3.0,
        total_timeout_s=5.0,
        retries=2,
        backoff_s=0.02,
    )
    return HttpPointsService(HttpClient(config, TERMINAL))


def redeem_once(
    service: HttpPointsService,
    book: Ledgerbook,
    member_id: str,
    item_id: str,
    deadline: float,
) -> str:
    """One redemption, retried with the same key until it has a definite answer."""
    key = uuid.uuid4().hex
    lines = [CartLine(item_id=item_id, quantity=1)]
    while True:
        try:
            voucher = service.redeem(member_id, lines, key)
        except NotEnoughPoints:
            with book.lock:
                book.refused.add(key)
            return "not_enough"
        except (OutOfStock, LimitReached):
            with book.lock:
                book.refused.add(key)
            return "refused"
        except ServiceError:
            with book.lock:
                book.transport_errors += 1
            if time.monotonic() > deadline:
                with book.lock:
                    book.unresolved.add(key)
                return "unresolved"
            time.sleep(0.02)
            continue
        with book.lock:
            book.acked[key] = (member_id, voucher.code, voucher.points)
        return "ok"


def until_empty(url: str, token: str, book: Ledgerbook, member_id: str, seed: int) -> None:
    """Redeems random items until even the cheapest is refused for lack of points."""
    rng = random.Random(seed)
    service = client_service(url, token)
    deadline = time.monotonic() + 120
    try:
        item = rng.choice(list(ITEMS))
        while True:
            outcome = redeem_once(service, book, member_id, item, deadline)
            if outcome == "unresolved":
                return
            if outcome == "not_enough":
                if item == "b1":
                    return
                item = "b1"
            else:
                item = rng.choice(list(ITEMS))
    finally:
        service.close()


def while_running(
    url: str, token: str, book: Ledgerbook, member_id: str, seed: int, stop: threading.Event
) -> None:
    """Redeems until told to stop (then finishes the redemption in hand)."""
    rng = random.Random(seed)
    service = client_service(url, token)
    try:
        while not stop.is_set():
            redeem_once(service, book, member_id, rng.choice(list(ITEMS)), time.monotonic() + 120)
    finally:
        service.close()


def run_clients(targets: list[threading.Thread]) -> None:
    for t in targets:
        t.start()
    for t in targets:
        t.join(timeout=300)


# -- checks --------------------------------------------------------------------------------


@dataclass
class Checks:
    """The verdict from the ledger file."""

    redemptions: int = 0
    double_charges: int = 0
    negative_balances: int = 0
    ledger_mismatches: int = 0
    lost_vouchers: int = 0
    unacknowledged_unresolved: int = 0
    problems: list[str] = field(default_factory=list)


def check_ledger(data_dir: Path, book: Ledgerbook, credits: dict[str, int]) -> Checks:
    """Recomputes everything from the ledger's entries and compares it with the clients."""
    out = Checks(redemptions=len(book.acked))
    engine = open_engine(data_dir)
    ledger = Ledger(ledger_store(engine))
    try:
        entries = {m: ledger.entries(m) for m in credits}
        everything = ledger.entries()
        vouchers = {v.code: v for v in ledger.vouchers()}
        stock = {i.id: i.stock for i in ledger.catalogue().items}
        with ledger.db.read() as c:
            request_of = dict(c.execute("SELECT code, request_key FROM vouchers").fetchall())
        own = ledger.verify()
    finally:
        ledger.close()
        engine.close()
    available: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    holds_by_key: dict[str, list[Any]] = defaultdict(list)
    for member_id, mine in entries.items():
        available[member_id] = sum(e.available for e in mine)
        held[member_id] = sum(e.held for e in mine)
    for e in everything:
        if e.kind is EntryKind.HOLD:
            holds_by_key[e.voucher_code or ""].append(e)
    out.negative_balances = sum(1 for m in available if available[m] < 0 or held[m] < 0)
    out.negative_balances += sum(1 for s in stock.values() if s < 0)
    by_request: dict[str, list[str]] = defaultdict(list)
    for v in vouchers.values():
        by_request[request_of[v.code]].append(v.code)
    # every charge belongs to exactly one request, and to one a client saw acknowledged
    for key, codes in by_request.items():
        if len(codes) > 1:
            out.double_charges += len(codes) - 1
            out.problems.append(f"request {key[:8]} charged {len(codes)} times")
        if key not in book.acked and key not in book.unresolved:
            out.double_charges += 1
            out.problems.append(f"request {key[:8]} charged but never acknowledged")
        elif key in book.unresolved:
            out.unacknowledged_unresolved += 1
    for code, hold in holds_by_key.items():
        if len(hold) != 1:
            out.double_charges += len(hold) - 1
            out.problems.append(f"voucher {code}: {len(hold)} holds")
    for key, (member_id, code, points) in book.acked.items():
        found = vouchers.get(code)
        if found is None or found.member_id != member_id or found.points != points:
            out.lost_vouchers += 1
            out.problems.append(f"acknowledged voucher {code} missing or different")
        elif by_request.get(key) != [code]:
            out.lost_vouchers += 1
            out.problems.append(f"acknowledged voucher {code} belongs to another request")
    acked_points: dict[str, int] = defaultdict(int)
    for member_id, _code, points in book.acked.values():
        acked_points[member_id] += points
    unresolved_points: dict[str, int] = defaultdict(int)
    for key in book.unresolved:
        for code in by_request.get(key, []):
            unresolved_points[vouchers[code].member_id] += vouchers[code].points
    for member_id, credit in credits.items():
        spent = acked_points[member_id] + unresolved_points[member_id]
        if available[member_id] != credit - spent or held[member_id] != spent:
            out.ledger_mismatches += 1
            out.problems.append(
                f"{member_id}: ledger {available[member_id]}/{held[member_id]}, "
                f"clients saw {credit - spent}/{spent}"
            )
    out.ledger_mismatches += len(own)
    out.problems += own
    return out


# -- the bench -----------------------------------------------------------------------------


def prepare(data_dir: Path, members: dict[str, int]) -> str:
    """Data directory with the bench catalogue and policy, the members, a terminal (in the
    database ``database.toml`` names, if any)."""
    (data_dir / "points_catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    (data_dir / "points.toml").write_text(POLICY, encoding="utf-8")
    from center.points.store import open_center_ledger

    engine = open_engine(data_dir)
    ledger = open_center_ledger(data_dir, engine=engine)
    try:
        for member_id, points in members.items():
            ledger.add_member(member_id, "压测")
            ledger.credit(
                member_id,
                points,
                f"bench-{member_id}",
                reason="volunteer",
                terminal="bench",
                staff="bench",
            )
        callers = open_callers(engine, data_dir)
        token = callers.add(TERMINAL)
        callers.close()
    finally:
        ledger.close()
        engine.close()
    return token


def phase_clients(
    url: str, token: str, book: Ledgerbook, members: list[str], clients: int, seed: int
) -> None:
    threads = [
        threading.Thread(
            target=until_empty,
            args=(url, token, book, members[i % len(members)], seed + i),
            name=f"client-{i}",
        )
        for i in range(clients)
    ]
    run_clients(threads)


def start_database(data_dir: Path, kind: str) -> PostgresCluster | None:
    """For ``postgresql``: a durable cluster of the bench's own, named in database.toml."""
    if kind != "postgresql":
        return None
    cluster = PostgresCluster(durable=True)
    try:
        cluster.start()
        url = cluster.create_database("bench")
    except BaseException:
        cluster.stop()
        raise
    (data_dir / "database.toml").write_text(
        f'[database]\nurl = "{url}"\npool_size = 8\ntimeout_s = 15\n', encoding="utf-8"
    )
    return cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--points", type=int, default=60, help="each member's points (a, b)")
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--restart", choices=["fork", "exec"], default="fork")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--centers", type=int, help="center processes (postgresql: 2)")
    parser.add_argument("--db-restarts", type=int, default=1, help="postgresql crashes in (c)")
    parser.add_argument("--time-budget", type=float, help="seconds for it all (270; pg 420)")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    postgres = args.database == "postgresql"
    n_centers = args.centers or (2 if postgres else 1)
    if n_centers > 1 and not postgres:
        parser.error("several centers share a PostgreSQL database: --database postgresql")
    budget = args.time_budget or (420.0 if postgres else 270.0)
    db_restarts_wanted = args.db_restarts if postgres else 0
    logging.basicConfig(level=logging.ERROR)
    began = time.monotonic()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="points-bench-") as tmp:
        data_dir = Path(tmp)
        cluster = start_database(data_dir, args.database)
        a_members = {f"A{i:03d}": args.points for i in range(args.members)}
        b_members = {f"B{i:03d}": args.points for i in range(args.members)}
        c_members = {f"C{i:03d}": 10_000_000 for i in range(args.members)}
        credits = {**a_members, **b_members, **c_members}
        book = Ledgerbook()
        kills = 0
        kills_of: list[int] = [0] * n_centers
        db_restarts = 0
        db_restart_s: list[float] = []
        centers: list[Center] = []
        balancer: RoundRobin | None = None
        try:
            token = prepare(data_dir, credits)
            centers = [Center(data_dir, closed_port(), args.restart) for _ in range(n_centers)]
            first_start = max(center.start() for center in centers)
            if n_centers > 1:
                balancer = RoundRobin([c.port for c in centers]).start()
            front_url = balancer.url if balancer else centers[0].url
            front_port = balancer.port if balancer else centers[0].port
            print(
                f"{n_centers} center(s) on {args.database} up in {first_start:.2f} s"
                f" ({args.restart} restarts)"
            )

            t = time.monotonic()
            phase_clients(front_url, token, book, list(a_members), args.clients, args.seed)
            a_acks = len(book.acked)
            print(
                f"(a) {args.clients} clients, {args.members} members x {args.points} points: "
                f"{a_acks} redemptions in {time.monotonic() - t:.1f} s"
            )

            t = time.monotonic()
            errors_before = book.transport_errors
            with FlakyProxy(front_port, fail_rate=args.fail_rate, seed=args.seed) as proxy:
                phase_clients(proxy.url, token, book, list(b_members), args.clients, args.seed)
            s = proxy.stats
            print(
                f"(b) through a proxy losing {args.fail_rate:.0%}: "
                f"{len(book.acked) - a_acks} redemptions in {time.monotonic() - t:.1f} s; "
                f"{s.requests} requests, lost {s.requests_dropped + s.requests_reset} requests "
                f"and {s.responses_dropped + s.responses_reset} responses; "
                f"{book.transport_errors - errors_before} client retries"
            )

            t = time.monotonic()
            before_c = len(book.acked)
            stop = threading.Event()
            c_ids = list(c_members)
            threads = [
                threading.Thread(
                    target=while_running,
                    args=(front_url, token, book, c_ids[i % len(c_ids)], args.seed + i, stop),
                    name=f"client-c-{i}",
                )
                for i in range(args.clients)
            ]
            for th in threads:
                th.start()
            budget_end = began + budget - 25  # keep time for the checks
            # the database crashes spread over the kills: after 1/(n+1), 2/(n+1), ...
            crash_at = [
                args.kills * (i + 1) // (db_restarts_wanted + 1) for i in range(db_restarts_wanted)
            ]
            while kills < args.kills and time.monotonic() < budget_end:
                acks = len(book.acked)
                # a random moment while redemptions are going through
                time.sleep(rng.uniform(0.02, 0.3))
                wait_until = time.monotonic() + 5
                while len(book.acked) == acks and time.monotonic() < wait_until:
                    time.sleep(0.005)
                if cluster is not None and crash_at and kills >= crash_at[0]:
                    crash_at.pop(0)
                    began_restart = time.monotonic()
                    cluster.restart("immediate")
                    db_restart_s.append(time.monotonic() - began_restart)
                    db_restarts += 1
                    continue
                victim = rng.randrange(n_centers)
                centers[victim].kill()
                kills += 1
                kills_of[victim] += 1
                centers[victim].start()
            time.sleep(0.3)
            stop.set()
            for th in threads:
                th.join(timeout=180)
            restarts = [x for c in centers for x in c.start_times[1:]]
            print(
                f"(c) {kills} SIGKILLs of {args.kills} asked in {time.monotonic() - t:.1f} s"
                f" (per center {kills_of}), {db_restarts} PostgreSQL crash-restarts"
                f" ({', '.join(f'{x:.1f} s' for x in db_restart_s) or 'none'}): "
                f"{len(book.acked) - before_c} redemptions; restart to healthy median "
                f"{statistics.median(restarts) if restarts else 0:.2f} s, "
                f"max {max(restarts) if restarts else 0:.2f} s"
            )
            if balancer is not None:
                print(f"round-robin: connections per center {list(balancer.handed.values())}")
        finally:
            if balancer is not None:
                balancer.stop()
            for center in centers:
                center.stop()

        try:
            checks = check_ledger(data_dir, book, credits)
        finally:
            if cluster is not None:
                cluster.stop()
        for problem in checks.problems[:20]:
            print("PROBLEM:", problem)
        elapsed = time.monotonic() - began
        print(
            f"ledger check: {checks.redemptions} acknowledged redemptions, "
            f"{len(book.refused)} refusals, {len(book.unresolved)} unresolved, "
            f"{book.transport_errors} transport errors retried; "
            f"double charges {checks.double_charges}, negative balances "
            f"{checks.negative_balances}, mismatches {checks.ledger_mismatches}, "
            f"lost vouchers {checks.lost_vouchers}; {elapsed:.0f} s in all"
        )
        restarts = [x for c in centers for x in c.start_times[1:]]
        result = {
            "database": args.database,
            "centers": n_centers,
            "redemptions": checks.redemptions,
            "double_charges": checks.double_charges,
            "negative_balances": checks.negative_balances,
            "ledger_mismatches": checks.ledger_mismatches,
            "lost_vouchers": checks.lost_vouchers,
            "kills": kills,
            "kills_requested": args.kills,
            "kills_per_center": kills_of,
            "db_restarts": db_restarts,
            "unresolved": len(book.unresolved),
            "restart_median_s": round(statistics.median(restarts), 3) if restarts else None,
            "seconds": round(elapsed, 1),
        }
        if args.json:
            print(json.dumps(result))
        ok = not (
            checks.double_charges
            or checks.negative_balances
            or checks.ledger_mismatches
            or checks.lost_vouchers
        )
        return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] in ("--launcher", "--serve"):
        _, role, data, port, bench = sys.argv
        if role == "--launcher":
            launcher(data, port, int(bench))
            sys.exit(0)
        sys.exit(serve(data, port, int(bench)))
    sys.exit(main())
