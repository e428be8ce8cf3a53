"""Whatever the repository serves that is not right is refused and reported, and the
configuration in force keeps running: tampering, rollback, expiry, a correctly signed but
invalid document, another terminal's document, and a center that is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from devices.health import HealthLevel
from kiosk.platform.config_loader import ConfigStore
from tests.unit.kiosk.fleet.fleet_support import (
    Fleet,
    Kiosk,
    MovableNow,
    envelope,
    idle,
    make_kiosk,
)


def _idle(kiosk: Kiosk) -> float:
    return kiosk.store.config.ui.idle_timeout_s["default"]


def _running_on_v1(fleet: Fleet, tmp_path: Path) -> Kiosk:
    fleet.publish("group:lobby", idle(90))
    kiosk = make_kiosk(fleet, tmp_path, "k1", "lobby")
    assert kiosk.agent.poll_once().outcome == "applied"
    assert _idle(kiosk) == 90
    return kiosk


def _reported_alarm(fleet: Fleet, kiosk: Kiosk, code: str) -> str:
    assert kiosk.agent.send_heartbeat() is not None
    alarms = [a for a in fleet.status().alarms if a.code == code and a.subject == kiosk.terminal_id]
    assert alarms, [a.code for a in fleet.status().alarms]
    message: str = alarms[0].message
    return message


def test_a_tampered_target_is_refused_and_reported(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    v2 = fleet.publish("group:lobby", idle(120))
    repo = fleet.repo()
    target = repo.target("config/group/lobby.json")
    assert target is not None and target.hashes["sha256"] == v2.sha256
    file = repo.target_file(target)
    file.write_bytes(file.read_bytes().replace(b"120", b"999"))  # same length, other bytes

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "does not match its signed hash" in result.detail
    assert _idle(kiosk) == 90
    assert kiosk.agent.fleet_state == "rejected"
    assert kiosk.agent.health.reason == "fleet.rejected"
    message = _reported_alarm(fleet, kiosk, "terminal.config_rejected")
    assert "verification" in message and "hash" in message
    # the operator retracts the damaged document: the kiosk drops the layer
    from center.fleet.publish import retract
    from kiosk.fleet.document import Audience

    assert retract(fleet.repo(), Audience.parse("group:lobby"))
    assert kiosk.agent.poll_once().outcome == "applied"
    assert _idle(kiosk) == 60 and kiosk.agent.fleet_state == "trial"


def test_a_replayed_older_timestamp_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    timestamp = fleet.fleet_dir / "repository" / "metadata" / "timestamp.json"
    old = timestamp.read_bytes()
    fleet.publish("group:lobby", idle(120))
    assert kiosk.agent.poll_once().outcome == "applied"
    assert _idle(kiosk) == 120
    timestamp.write_bytes(old)  # still validly signed, not expired: a replay

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "rollback" in result.detail
    assert _idle(kiosk) == 120
    assert kiosk.store.config.config_version == "group:lobby@2"
    assert "rollback" in _reported_alarm(fleet, kiosk, "terminal.config_rejected")


def test_expired_metadata_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    # Signed by a publisher whose clock is two days behind: the timestamp (24 h) expired.
    two_days_ago = MovableNow(timedelta(days=-2))
    fleet.publish("group:lobby", idle(120), now=two_days_ago)

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "expired" in result.detail
    assert _idle(kiosk) == 90
    assert "expired" in _reported_alarm(fleet, kiosk, "terminal.config_rejected")
    # and the center itself warns about the expired timestamp
    assert any(
        a.code == "metadata.expired" and a.subject == "timestamp" for a in fleet.status().alarms
    )


def test_a_signed_document_failing_the_schema_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    bad = envelope("group:lobby", 2, {"ui": {"idle_timeout_s": {"default": 5}}})
    fleet.force("group:lobby", bad)

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "ui.idle_timeout_s" in result.detail
    assert _idle(kiosk) == 90
    # the same versions are not tried again, and the refusal stays reported
    assert kiosk.agent.poll_once().outcome == "still_rejected"
    message = _reported_alarm(fleet, kiosk, "terminal.config_rejected")
    assert "document" in message and "group:lobby@2" in message


def test_a_document_for_another_terminal_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    fleet.force("kiosk:k1", envelope("kiosk:k2", 1, idle(300)))

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "is for kiosk:k2, not kiosk:k1" in result.detail
    assert _idle(kiosk) == 90
    assert "kiosk:k2" in _reported_alarm(fleet, kiosk, "terminal.config_rejected")


def test_a_document_with_keys_no_fleet_may_set_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    fleet.force("all", envelope("all", 1, {"terminal": {"id": "k9"}}))

    result = kiosk.agent.poll_once()

    assert result.outcome == "rejected"
    assert "terminal.id" in result.detail
    assert kiosk.store.config.terminal.id == "k1"


def test_center_down_keeps_the_last_verified_config(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = _running_on_v1(fleet, tmp_path)
    assert fleet.server is not None
    fleet.server.stop()

    result = kiosk.agent.poll_once()

    assert result.outcome == "unreachable"
    assert _idle(kiosk) == 90
    assert kiosk.agent.fleet_state == "unreachable"
    assert kiosk.agent.health.level is HealthLevel.DEGRADED
    assert kiosk.agent.health.reason == "fleet.unreachable"
    assert "running on the last verified config group:lobby@1" in kiosk.agent.health.detail
    assert kiosk.agent.heartbeat().applied == {"group:lobby": 1}
    assert kiosk.agent.heartbeat().fleet_state == "unreachable"
    assert kiosk.agent.send_heartbeat() is None  # heartbeats fail too, and say nothing else
    # after a restart of the kiosk, with the center still down, the same config loads
    assert ConfigStore(kiosk.store.paths).config.ui.idle_timeout_s["default"] == 90


def test_no_trusted_root_is_an_error_not_a_crash(fleet: Fleet, tmp_path: Path) -> None:
    kiosk = make_kiosk(
        fleet, tmp_path, "k1", "lobby", fleet_overrides={"trusted_root": str(tmp_path / "none")}
    )
    result = kiosk.agent.poll_once()
    assert result.outcome == "unreachable"
    assert "no trusted root" in result.detail
    assert kiosk.agent.fleet_state == "error"
    assert kiosk.agent.health.reason == "fleet.error"
    assert kiosk.store.config.config_version == "defaults-1"
