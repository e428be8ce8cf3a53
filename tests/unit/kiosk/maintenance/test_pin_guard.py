"""The PIN guard of issue 13: one lock per file across processes, a lockout bounded by its
configured duration whatever the wall clock did, and a missing or garbled file means locked."""

from __future__ import annotations

import json
import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest

from kiosk.framework.audit_log import AuditLog
from kiosk.maintenance.pin import PinGuard

PIN = "135790"
NINE_YEARS = 9 * 365 * 86400.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def guard(folder: Path, wall: Clock, mono: Clock, boot: str = "boot-1", **kw: float) -> PinGuard:
    return PinGuard(
        folder / "pin.json",
        AuditLog(folder / "audit.jsonl"),
        wall_clock=wall,
        monotonic=mono,
        boot=lambda: boot,
        **kw,  # type: ignore[arg-type]
    )


def lock_out(g: PinGuard) -> None:
    reasons = [g.check("000000").reason for _ in range(g.max_attempts)]
    assert reasons[-1] == "locked"


def test_lock_set_while_the_wall_clock_ran_years_ahead_ends_on_time(tmp_path: Path) -> None:
    wall, mono = Clock(1_800_000_000.0 + NINE_YEARS), Clock(5_000.0)
    g = guard(tmp_path, wall, mono, lockout_s=900.0)
    g.set_pin(PIN)
    lock_out(g)

    wall.now = 1_800_000_000.0  # NTP puts the clock right

    assert 0 < g.locked_for() <= 900.0
    mono.now += 899
    assert g.check(PIN).reason == "locked"
    mono.now += 2
    assert g.check(PIN).ok


def test_lock_after_a_reboot_is_bounded_and_ends(tmp_path: Path) -> None:
    wall, mono = Clock(1_800_000_000.0 + NINE_YEARS), Clock(5_000.0)
    first = guard(tmp_path, wall, mono, lockout_s=900.0)
    first.set_pin(PIN)
    lock_out(first)
    wall.now, mono.now = 1_800_000_000.0, 10.0  # a reboot: another boot, the clock put right
    g = guard(tmp_path, wall, mono, boot="boot-2", lockout_s=900.0)

    assert g.check(PIN).reason == "locked"
    assert g.locked_for() <= 900.0
    wall.now += 901

    assert g.check(PIN).ok


def test_a_wall_clock_set_back_does_not_stretch_the_lock(tmp_path: Path) -> None:
    wall, mono = Clock(1_800_000_000.0), Clock(5_000.0)
    g = guard(tmp_path, wall, mono, lockout_s=900.0)
    g.set_pin(PIN)
    lock_out(g)
    wall.now -= 86_400  # a day back

    assert g.locked_for() <= 900.0
    mono.now += 901
    assert g.check(PIN).ok


def test_a_deleted_pin_file_locks_and_never_reseeds_the_initial_pin(tmp_path: Path) -> None:
    g = guard(tmp_path, Clock(1.8e9), Clock(0.0))
    g.set_pin(PIN)
    (tmp_path / "pin.json").unlink()

    assert g.check(PIN).reason == "locked"
    assert g.has_pin
    g.seed("246810")
    assert g.check("246810").reason == "locked"

    g.set_pin("112233", by="set-pin")  # the console recovers
    assert g.check("112233").ok


@pytest.mark.parametrize(
    "change",
    [
        {"failures": "many"},
        {"locked_until": None},
        {"locked_until": "soon"},
        {"salt": 42},
        {"hash": "not hex"},
        {"n": True},
    ],
)
def test_a_state_with_wrong_types_locks(tmp_path: Path, change: dict[str, object]) -> None:
    g = guard(tmp_path, Clock(1.8e9), Clock(0.0))
    g.set_pin(PIN)
    path = tmp_path / "pin.json"
    state = json.loads(path.read_text())
    state.update(change)
    path.write_text(json.dumps(state))

    assert g.check(PIN).reason == "locked"
    assert g.check(PIN).reason == "locked"  # and stays locked


def test_a_new_terminal_is_seeded_once(tmp_path: Path) -> None:
    g = guard(tmp_path, Clock(1.8e9), Clock(0.0))
    assert not g.has_pin
    g.seed("246810")
    assert g.check("246810").ok


def _attempts(folder: str, start: EventType, tries: int, out: Queue[list[str]]) -> None:
    g = PinGuard(Path(folder) / "pin.json", AuditLog(Path(folder) / "audit.jsonl"))
    start.wait()
    out.put([g.check("000000", via="race").reason for _ in range(tries)])


def test_processes_together_never_check_more_than_the_limit(tmp_path: Path) -> None:
    PinGuard(tmp_path / "pin.json", AuditLog(tmp_path / "audit.jsonl")).set_pin(PIN)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    out: Queue[list[str]] = ctx.Queue()
    procs = [ctx.Process(target=_attempts, args=(str(tmp_path), start, 5, out)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0

    reasons = [r for rs in results for r in rs]
    # 4 wrong, the 5th wrong one sets the lock, every later attempt is refused unchecked
    assert reasons.count("wrong") == 4, reasons
    assert reasons.count("locked") == 16
    events = [e["event"] for e in AuditLog(tmp_path / "audit.jsonl").read_recent(100)]
    assert events.count("pin_failed") == 5
