from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.framework.clock import FakeClock
from kiosk.maintenance.badges import issue_badge
from kiosk.maintenance.corner_taps import CornerTapDetector
from kiosk.maintenance.mode import Maintenance
from kiosk.maintenance.pin import PinGuard
from kiosk.platform.config_schema import MaintenanceConfig
from kiosk.platform.crash_guard import CrashGuard


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def keypair() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, base64.b64encode(raw).decode()


def make(tmp_path: Path, wall: Wall, **overrides: object) -> Maintenance:
    config = MaintenanceConfig(initial_pin="246810", **overrides)  # type: ignore[arg-type]
    return Maintenance(config, tmp_path, FakeClock(), "kiosk-01", wall_clock=wall)


def test_pin_is_stored_as_a_salted_scrypt_hash_never_in_plain(tmp_path: Path) -> None:
    make(tmp_path, Wall())
    state = json.loads((tmp_path / "maintenance" / "pin.json").read_text())
    assert "246810" not in json.dumps(state)
    assert len(bytes.fromhex(state["salt"])) == 16 and state["n"] >= 2**14
    other = tmp_path / "other"
    make(other, Wall())
    again = json.loads((other / "maintenance" / "pin.json").read_text())
    assert again["salt"] != state["salt"] and again["hash"] != state["hash"]
    assert (tmp_path / "maintenance" / "pin.json").stat().st_mode & 0o077 == 0


def test_five_wrong_pins_lock_for_fifteen_minutes_even_across_a_restart(tmp_path: Path) -> None:
    wall = Wall()
    m = make(tmp_path, wall)
    m.begin_gesture()
    results = [m.try_pin("000000") for _ in range(5)]
    assert [r.reason for r in results] == ["wrong"] * 4 + ["locked"]
    assert [r.attempts_left for r in results[:4]] == [4, 3, 2, 1]
    restarted = make(tmp_path, wall)  # a new process reads the same state
    assert restarted.try_pin("246810").reason == "locked"
    wall.now += 899
    assert restarted.try_pin("246810").reason == "locked"
    wall.now += 2
    result = restarted.try_pin("246810")
    assert result.ok and restarted.active
    events = [e["event"] for e in restarted.audit.read_recent(20)]
    assert events.count("pin_failed") == 5 and events.count("pin_rejected") == 2
    assert events[-2:] == ["pin_ok", "entered"]
    assert "246810" not in (tmp_path / "maintenance" / "audit.jsonl").read_text()


def test_badges_must_be_signed_current_and_for_this_terminal(tmp_path: Path) -> None:
    key, public = keypair()
    wall = Wall()
    m = make(tmp_path, wall, badge_public_key=public)
    good = issue_badge(key, "T0042", "王师傅", valid_s=3600, now=wall.now)
    assert m.badge_scanned(good) == "ok"
    assert m.try_pin("246810").ok and m.who == "badge:T0*42"

    forged_key, _ = keypair()
    forged = issue_badge(forged_key, "T0042", "王师傅", now=wall.now)
    assert m.badge_scanned(forged) == "bad_signature"
    tampered = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    assert m.badge_scanned(tampered) == "bad_signature"
    elsewhere = issue_badge(key, "T0042", "王师傅", terminals=["kiosk-99"], now=wall.now)
    assert m.badge_scanned(elsewhere) == "not_for_terminal"
    wall.now += 3601  # the same badge photographed and replayed later
    assert m.badge_scanned(good) == "expired"
    assert m.badge_scanned("TB1.garbage") == "malformed"


def test_badge_without_a_configured_key_is_refused(tmp_path: Path) -> None:
    key, _ = keypair()
    m = make(tmp_path, Wall())
    assert m.badge_scanned(issue_badge(key, "T1", "x")) == "no_key"


def test_maintenance_leaves_by_itself_when_idle(tmp_path: Path) -> None:
    m = make(tmp_path, Wall(), idle_timeout_s=120)
    m.begin_gesture()
    assert m.try_pin("246810").ok
    clock = m.clock
    assert isinstance(clock, FakeClock)
    clock.advance(100)
    m.action("test_print")
    clock.advance(100)
    assert not m.tick() and m.active
    clock.advance(21)
    assert m.tick() and not m.active
    assert m.audit.read_recent(1)[0]["event"] == "left"


def test_corner_gesture() -> None:
    d = CornerTapDetector("top_right", size_px=160, taps=5, window_s=3.0)
    w, h = 1080, 1920
    assert not any(d.tap(1000, 50, w, h, t) for t in (0, 0.5, 1.0, 1.5))
    assert d.tap(1000, 50, w, h, 2.0)
    # too slow: five taps over more than three seconds
    assert not any(d.tap(1070, 10, w, h, t) for t in (10, 11, 12, 13, 14))
    # a tap elsewhere restarts the count
    for t in (20, 20.2, 20.4, 20.6):
        d.tap(1000, 50, w, h, t)
    assert not d.tap(500, 900, w, h, 20.7)
    assert not d.tap(1000, 50, w, h, 20.8)
    assert d.in_corner(1000, 50, w, h) and not d.in_corner(500, 900, w, h)


def test_three_crashes_in_five_minutes_start_safe_mode(tmp_path: Path) -> None:
    wall = Wall()
    path = tmp_path / "runs.json"
    for _ in range(3):
        guard = CrashGuard(path, wall_clock=wall)
        assert not guard.begin()
        wall.now += 60  # crashed: never called end_clean()
    guard = CrashGuard(path, wall_clock=wall)
    assert guard.begin() and guard.recent_crashes == 3
    guard.end_clean()
    wall.now += 400  # the crashes are now older than five minutes
    assert not CrashGuard(path, wall_clock=wall).begin()


def test_clean_exits_never_count(tmp_path: Path) -> None:
    wall = Wall()
    for _ in range(5):
        guard = CrashGuard(tmp_path / "runs.json", wall_clock=wall)
        assert not guard.begin()
        guard.end_clean()
        wall.now += 10


def test_pin_rules(tmp_path: Path) -> None:
    from kiosk.framework.audit_log import AuditLog

    guard = PinGuard(tmp_path / "pin.json", AuditLog(tmp_path / "a.jsonl"))
    assert guard.check("123456").reason == "no_pin"
    with pytest.raises(ValueError):
        guard.set_pin("1234")
    guard.set_pin("13572468")
    assert guard.check("13572468").ok
