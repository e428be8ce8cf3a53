"""Damaged state files never stop a start: moved aside, reported, and a safe fresh state."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.framework.audit_log import AuditLog
from kiosk.maintenance.pin import PinGuard
from kiosk.platform import state_files
from kiosk.platform.crash_guard import CrashGuard

GARBAGE = [b"\xff\xfe\x00not utf-8", b"{not json", b'"a string"', b"[1, 2", b""]


@pytest.mark.parametrize("content", GARBAGE)
def test_a_damaged_crash_record_is_moved_aside_and_the_start_goes_on(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "crash" / "runs.json"
    path.parent.mkdir()
    path.write_bytes(content)
    before = len(state_files.DAMAGED)
    guard = CrashGuard(path, wall_clock=lambda: 1000.0)
    assert guard.begin() is False  # an unknown history is not a crash loop
    assert any(p.name.startswith("runs.json.corrupt-") for p in path.parent.iterdir())
    assert len(state_files.DAMAGED) == before + 1
    guard.end_clean()
    assert CrashGuard(path, wall_clock=lambda: 1001.0).begin() is False


def test_crash_records_without_a_start_time_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    path.write_text('[{"clean": false}, {"started": "x"}, {"started": 990, "clean": false}]')
    guard = CrashGuard(path, limit=2, wall_clock=lambda: 1000.0)
    assert guard.begin() is False and guard.recent_crashes == 1


def test_a_full_disk_does_not_stop_the_crash_guard(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    guard = CrashGuard(blocked / "runs.json", wall_clock=lambda: 1000.0)  # cannot be written
    assert guard.begin() is False
    guard.end_clean()


@pytest.mark.parametrize("content", GARBAGE)
def test_a_damaged_pin_file_locks_and_never_reseeds_the_initial_pin(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "pin.json"
    audit = AuditLog(tmp_path / "audit.jsonl")
    guard = PinGuard(path, audit)
    guard.set_pin("135790")
    path.write_bytes(content)
    result = guard.check("135790")
    assert not result.ok and result.reason == "locked"
    guard.seed("246810")  # the demo PIN must not come back
    assert not guard.check("246810").ok and not guard.check("135790").ok
    again = PinGuard(path, audit)  # after a restart: still locked
    assert not again.check("135790").ok
    again.set_pin("112233", by="console")  # kiosk set-pin at the console recovers
    assert again.check("112233").ok
    assert any(p.name.startswith("pin.json.corrupt-") for p in tmp_path.iterdir())


@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + b"\xff" * 4000, b"not a database"])
def test_a_damaged_database_is_moved_aside_and_the_kiosk_starts_fresh(
    tmp_path: Path, content: bytes
) -> None:
    from kiosk.app import build_context
    from kiosk.framework.clock import FakeClock
    from kiosk.platform.voice import RecordingVoice
    from tests.unit.devices.printer.printer_support import make_receipt

    data = tmp_path / "data"
    (data / "printer").mkdir(parents=True)
    (data / "printer" / "jobs.sqlite3").write_bytes(content)
    (data / "usage.sqlite3").write_bytes(content)
    ctx = build_context(data, settings={}, clock=FakeClock(), voice=RecordingVoice())
    try:
        ctx.devices.start()
        job = ctx.devices.printer.submit(make_receipt())
        assert ctx.devices.printer.wait(job, 60) == "done"
        ctx.counters.add("sessions")
    finally:
        ctx.close()
    moved = sorted(p.name for p in data.rglob("*.corrupt-*"))
    assert [n.split(".corrupt-")[0] for n in moved] == ["jobs.sqlite3", "usage.sqlite3"]
