from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.framework.session import EndReason, Session, SessionManager, SessionPhase


def manager(tmp_path: Path, clock: FakeClock, timeout: float = 60.0) -> SessionManager:
    return SessionManager(
        clock, tmp_path / "sessions", idle_timeout_s=lambda s: timeout, warning_s=30
    )


def test_idle_warns_then_ends_and_a_touch_extends(tmp_path: Path) -> None:
    clock = FakeClock()
    m = manager(tmp_path, clock)
    warned: list[str] = []
    extended: list[str] = []
    ended: list[EndReason] = []
    m.session_will_warn.append(lambda s: warned.append(s.id))
    m.session_did_extend.append(lambda s: extended.append(s.id))
    m.session_did_end.append(lambda s, r: ended.append(r))
    m.start("touch")
    clock.advance(59.9)
    m.tick()
    assert m.phase is SessionPhase.ACTIVE and not warned
    clock.advance(0.2)
    m.tick()
    assert m.phase is SessionPhase.WARNING and len(warned) == 1
    clock.advance(10)
    m.tick()
    assert m.warning_remaining() == pytest.approx(20.0)
    m.activity()  # a touch during the warning
    assert m.phase is SessionPhase.ACTIVE and len(extended) == 1
    clock.advance(59)
    m.tick()
    assert m.phase is SessionPhase.ACTIVE
    clock.advance(1)
    m.tick()
    assert m.phase is SessionPhase.WARNING
    clock.advance(29.9)
    m.tick()
    assert m.active
    clock.advance(0.2)
    m.tick()
    assert not m.active and ended == [EndReason.IDLE]


def test_per_screen_timeouts(tmp_path: Path) -> None:
    clock = FakeClock()
    m = SessionManager(
        clock, tmp_path / "s", idle_timeout_s=lambda screen: 120.0 if screen == "video" else 30.0
    )
    m.start("touch")
    m.set_screen("video")
    clock.advance(100)
    m.tick()
    assert m.phase is SessionPhase.ACTIVE
    m.set_screen("home")
    clock.advance(30)
    m.tick()
    assert m.phase is SessionPhase.WARNING


def test_warning_shorter_than_20s_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="20"):
        SessionManager(FakeClock(), tmp_path, warning_s=10)


def test_end_wipes_scratch_files_objects_and_runs_wipers(tmp_path: Path) -> None:
    clock = FakeClock()
    m = manager(tmp_path, clock)
    session = m.start("scan")
    photo = session.scratch("photo.jpg")
    photo.write_bytes(b"\xff\xd8 face")
    session.personal["plate"] = "苏D43210"
    wiped: list[bool] = []
    session.on_wipe(lambda: wiped.append(True))
    seen: list[Session] = []
    m.session_did_end.append(lambda s, r: seen.append(s))
    m.end(EndReason.COMPLETED)
    assert not photo.exists() and not session.scratch_dir.exists()
    assert session.personal == {} and wiped == [True]
    assert seen == [session] and not m.active


def test_leftovers_from_a_crash_are_deleted_at_start(tmp_path: Path) -> None:
    leftover = tmp_path / "sessions" / "abc123" / "photo.jpg"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"face")
    manager(tmp_path, FakeClock())
    assert not leftover.exists()


def test_a_touch_with_no_session_does_nothing(tmp_path: Path) -> None:
    m = manager(tmp_path, FakeClock())
    m.activity()
    m.tick()
    assert m.phase is SessionPhase.NONE
