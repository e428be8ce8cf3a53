"""Verified configuration reaches the right kiosks, takes effect through
``ConfigStore.reload()``, and is rolled back when the app is not healthy with it."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from devices.health import HealthPublisher
from kiosk.fleet.agent import RestartRequest, media_dir
from kiosk.framework.clock import SystemClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.platform.config_loader import LoadedConfig
from kiosk.platform.crash_guard import CrashGuard
from kiosk.platform.device_set import build_printer_from
from tests.support.uvicorn_server import closed_port
from tests.unit.kiosk.fleet.fleet_support import (
    Fleet,
    Kiosk,
    idle,
    make_kiosk,
    restart_agent,
)


def _idle(kiosk: Kiosk) -> float:
    return kiosk.store.config.ui.idle_timeout_s["default"]


def _printer_backend(kiosk: Kiosk) -> str:
    return kiosk.store.config.devices.printer.backend


def test_a_group_change_reaches_a_running_agent_of_that_group_only(
    fleet: Fleet, tmp_path: Path
) -> None:
    lobby = make_kiosk(
        fleet,
        tmp_path,
        "k1",
        "lobby",
        # The running agent is a thread on the real clock, from its construction: a fake
        # clock's schedule (it starts at 1000 s) means nothing to the system's monotonic one.
        clock=SystemClock(),
        fleet_overrides={"poll_interval_s": 0.2, "poll_jitter": 0.5},
    )
    other = make_kiosk(fleet, tmp_path, "k2", "hall")
    seen: list[LoadedConfig] = []
    reloaded = threading.Event()

    def listener(loaded: LoadedConfig) -> None:
        seen.append(loaded)
        if loaded.config.ui.idle_timeout_s["default"] == 150:
            reloaded.set()

    lobby.store.subscribe(listener)
    other_seen: list[LoadedConfig] = []
    other.store.subscribe(other_seen.append)
    lobby.agent.start()
    try:
        fleet.publish("group:lobby", idle(150))
        assert reloaded.wait(60), "the lobby kiosk never reloaded the new idle timeout"
    finally:
        lobby.agent.stop()
    assert _idle(lobby) == 150
    assert lobby.store.current.origins["ui.idle_timeout_s.default"] == "fleet"
    assert lobby.restarts == []  # a UI setting needs no restart
    assert other.agent.poll_once().outcome == "unchanged"
    assert _idle(other) == 60
    assert other_seen == []
    # the center sees the lobby kiosk converged (its agent sent a heartbeat after applying)
    lobby.agent.send_heartbeat()
    row = {t.terminal_id: t for t in fleet.status().terminals}["k1"]
    assert row.converged and row.applied == {"group:lobby": 1}


def test_documents_merge_kiosk_over_group_over_all(fleet: Fleet, tmp_path: Path) -> None:
    fleet.publish("all", {"ui": {"volume": 40, "idle_warning_s": 25.0}})
    fleet.publish("group:lobby", {"ui": {"volume": 50}, "services": {"enabled": ["points"]}})
    fleet.publish("kiosk:k1", {"ui": {"volume": 60}})
    k1 = make_kiosk(fleet, tmp_path, "k1", "lobby")
    k3 = make_kiosk(fleet, tmp_path, "k3", "lobby")

    assert k1.agent.poll_once().outcome == "applied"
    assert k3.agent.poll_once().outcome == "applied"

    assert (k1.store.config.ui.volume, k3.store.config.ui.volume) == (60, 50)
    assert k1.store.config.ui.idle_warning_s == 25.0
    assert k1.store.config.services.enabled == ["points"]
    assert k1.store.config.config_version == "all@1+group:lobby@1+kiosk:k1@1"
    assert k3.store.config.config_version == "all@1+group:lobby@1"
    layer = json.loads(k1.store.paths.fleet.read_text(encoding="utf-8"))
    assert layer["ui"]["volume"] == 60


def test_a_retracted_document_is_dropped(fleet: Fleet, tmp_path: Path) -> None:
    from center.fleet.publish import retract
    from kiosk.fleet.document import Audience

    fleet.publish("group:lobby", idle(90))
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby")
    assert kiosk.agent.poll_once().outcome == "applied"
    assert retract(fleet.repo(), Audience.parse("group:lobby"))

    assert kiosk.agent.poll_once().outcome == "applied"
    assert _idle(kiosk) == 60
    assert not kiosk.store.paths.fleet.exists()


def test_media_named_by_documents_are_fetched_verified(fleet: Fleet, tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(b"\x89PNG fake poster")
    result = fleet.publish("all", {"ui": {"volume": 30}}, media=[poster])
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby")

    assert kiosk.agent.poll_once().outcome == "applied"

    (path,) = result.media
    fetched = media_dir(kiosk.data_dir) / path.rpartition("/")[2]
    assert fetched.read_bytes() == poster.read_bytes()


class _Devices:
    """The app's devices as the agent sees them; the test 'restarts' them."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        self.printer = build_printer_from(kiosk.store.config, kiosk.data_dir)
        self.printer.start()

    def all(self) -> dict[str, HealthPublisher]:
        return {"printer": self.printer}

    def restart(self) -> None:
        self.printer.close()
        self.printer = build_printer_from(self.kiosk.store.config, self.kiosk.data_dir)
        self.printer.start()


def test_a_printer_that_never_comes_up_is_rolled_back_and_reported(
    fleet: Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fleet.publish("group:lobby", idle(90))
    requests: list[RestartRequest] = []
    holder: dict[str, _Devices] = {}
    kiosk = make_kiosk(
        fleet,
        tmp_path,
        "k1",
        "lobby",
        devices=lambda: holder["d"].all(),
        on_restart_needed=requests.append,
    )
    holder["d"] = devices = _Devices(kiosk)
    try:
        assert kiosk.agent.poll_once().outcome == "applied"
        kiosk.clock.advance(200)  # the health window passes: v1 is proven
        assert kiosk.agent.check_trial() is None
        assert kiosk.agent.state.trial is None
        printer = {"backend": "network", "host": "127.0.0.1", "port": closed_port()}
        fleet.publish("kiosk:k1", {"devices": {"printer": printer}})

        assert kiosk.agent.poll_once().outcome == "applied"
        assert _printer_backend(kiosk) == "network"
        (request,) = requests
        assert "devices.printer.backend" in request.keys
        assert kiosk.agent.heartbeat().restart_pending
        # the app restarts its devices between sessions, then tells the agent
        devices.restart()
        kiosk.agent.notify_restarted()
        assert kiosk.agent.check_trial() is None  # the window has only begun
        kiosk.clock.advance(31)

        reason = kiosk.agent.check_trial()

        assert reason is not None and "printer did not come up within 30 s" in reason
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("rolled back group:lobby@1+kiosk:k1@1" in m and reason in m for m in logged)
        assert _printer_backend(kiosk) == "simulated"
        assert _idle(kiosk) == 90  # back to the last-known-good layer, not to nothing
        assert kiosk.store.config.config_version == "group:lobby@1"
        assert len(requests) == 2 and requests[1].reason.startswith("rollback:")
        assert kiosk.agent.fleet_state == "rolled_back"
        hb = kiosk.agent.heartbeat()
        assert hb.rejection is not None and hb.rejection.kind == "health"
        assert hb.rejection.versions == {"group:lobby": 1, "kiosk:k1": 1}
        assert hb.applied == {"group:lobby": 1}
        # the rolled-back versions are not applied again on the next poll
        devices.restart()
        kiosk.agent.notify_restarted()
        assert kiosk.agent.poll_once().outcome == "still_rejected"
        kiosk.agent.send_heartbeat()
        alarms = [a for a in fleet.status().alarms if a.code == "terminal.config_rolled_back"]
        assert alarms and "printer did not come up" in alarms[0].message
        row = {t.terminal_id: t for t in fleet.status().terminals}["k1"]
        assert not row.converged and row.desired == {"group:lobby": 1, "kiosk:k1": 1}
        # a fixed document is applied
        fleet.publish("kiosk:k1", {"devices": {"printer": {"paper_width_mm": 80}}})
        assert kiosk.agent.poll_once().outcome == "applied"
        assert str(kiosk.agent.fleet_state) == "trial"
    finally:
        holder["d"].printer.close()


def test_a_crash_after_a_change_rolls_it_back_on_the_next_start(
    fleet: Fleet, tmp_path: Path
) -> None:
    fleet.publish("group:lobby", idle(90))
    guard_path = tmp_path / "crash-guard.json"
    wall = [1000.0]
    CrashGuard(guard_path, wall_clock=lambda: wall[0]).begin()
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby", crash_guard_path=guard_path)
    assert kiosk.agent.poll_once().outcome == "applied"
    assert kiosk.agent.check_trial() is None  # no crash yet
    # the process dies (never ends clean); the watchdog starts it again
    wall[0] = 1100.0
    CrashGuard(guard_path, wall_clock=lambda: wall[0]).begin()
    agent = restart_agent(fleet, kiosk, crash_guard_path=guard_path)

    reason = agent.check_trial()

    assert reason is not None and "crashed 1 time" in reason
    assert _idle(kiosk) == 60
    assert not kiosk.store.paths.fleet.exists()
    assert agent.fleet_state == "rolled_back"


def test_a_clean_restart_is_not_a_crash(fleet: Fleet, tmp_path: Path) -> None:
    fleet.publish("kiosk:k1", {"devices": {"printer": {"paper_width_mm": 80}}})
    guard_path = tmp_path / "crash-guard.json"
    guard = CrashGuard(guard_path, wall_clock=lambda: 1000.0)
    guard.begin()
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby", crash_guard_path=guard_path)
    assert kiosk.agent.poll_once().outcome == "applied"
    assert kiosk.agent.state.trial is not None and kiosk.agent.state.trial.awaiting_restart
    guard.end_clean()  # the restart it asked for
    CrashGuard(guard_path, wall_clock=lambda: 1100.0).begin()
    agent = restart_agent(fleet, kiosk, crash_guard_path=guard_path)

    assert agent.check_trial() is None
    assert agent.state.trial is not None and not agent.state.trial.awaiting_restart
    kiosk.clock.advance(121)
    assert agent.check_trial() is None
    assert agent.state.trial is None and agent.fleet_state == "starting"  # no poll yet
    assert kiosk.store.config.devices.printer.paper_width_mm == 80


def test_repeated_failsafes_after_a_change_roll_it_back(fleet: Fleet, tmp_path: Path) -> None:
    fleet.publish("group:lobby", idle(90))
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby")
    monitor = FailsafeMonitor(kiosk.clock)
    kiosk.agent.failsafe = monitor
    assert kiosk.agent.poll_once().outcome == "applied"
    for _ in range(2):
        monitor.record("violations", RuntimeError("boom"))
    assert kiosk.agent.check_trial() is None
    monitor.record("violations", RuntimeError("boom"))

    reason = kiosk.agent.check_trial()

    assert reason is not None and "failsafe 3 times" in reason
    assert _idle(kiosk) == 60
    hb = kiosk.agent.heartbeat()
    assert hb.devices["terminal"].reason == "terminal.failsafe_repeated"
    assert hb.last_error.startswith("fleet rollback:")


def test_heartbeat_reports_devices_paper_counters_and_clock(fleet: Fleet, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    holder: dict[str, _Devices] = {}
    kiosk = make_kiosk(
        fleet,
        tmp_path,
        "k1",
        "lobby",
        devices=lambda: holder["d"].all(),
        counters=lambda: {"sessions.points": 7},
        utc_now=lambda: datetime.now(UTC) + timedelta(hours=1),  # a clock far off
    )
    holder["d"] = _Devices(kiosk)
    try:
        kiosk.agent.poll_once()
        answer = kiosk.agent.send_heartbeat()
        assert answer is not None and answer.skew_s > 3500
        hb = kiosk.agent.heartbeat()
        assert hb.counters["sessions.points"] == 7 and hb.counters["fleet.polls"] == 1
        assert "printer" in hb.devices
        assert hb.paper in ("ok", "unknown", "offline")
        alarms = {a.code for a in fleet.status().alarms if a.subject == "k1"}
        assert "terminal.clock_skew" in alarms
    finally:
        holder["d"].printer.close()


def test_a_renewed_root_is_followed_by_running_kiosks(fleet: Fleet, tmp_path: Path) -> None:
    from center.cli import main

    fleet.publish("group:lobby", idle(90))
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby")
    assert kiosk.agent.poll_once().outcome == "applied"
    data = ["--data-dir", str(fleet.fleet_dir.parent)]
    not_root = fleet.keys.online_keys["targets"]
    assert main([*data, "keys", "renew-root", "--root-key", str(not_root)]) == 2
    (root_key,) = fleet.keys.root_keys
    assert main([*data, "keys", "renew-root", "--root-key", str(root_key)]) == 0
    fleet.publish("group:lobby", idle(95))

    assert kiosk.agent.poll_once().outcome == "applied"

    assert _idle(kiosk) == 95
    cached = kiosk.data_dir / "fleet" / "tuf" / "metadata" / "root_history" / "2.root.json"
    assert cached.exists()
