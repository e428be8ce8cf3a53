"""The center's fleet endpoints on a real uvicorn: static repository files, heartbeats,
status and alarms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from center.fleet.registry import open_heartbeats
from kiosk.fleet.heartbeat import Heartbeat
from tests.unit.kiosk.fleet.fleet_support import Fleet, idle, make_fleet, serving


@pytest.fixture(scope="module")
def violations_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kiosk.violations.local import LocalViolationService

    path = tmp_path_factory.mktemp("center-db") / "violations.sqlite3"
    LocalViolationService.open_demo(path).close()
    return path


@pytest.fixture
def fleet(tmp_path: Path, violations_db: Path, center_engine: Any) -> Iterator[Fleet]:
    """The fleet served with its heartbeats on each engine (SQLite, PostgreSQL)."""
    f = make_fleet(tmp_path / "fleet")
    with serving(f, violations_db, open_heartbeats(center_engine)):
        yield f


def _get(fleet: Fleet, path: str, **headers: str) -> requests.Response:
    return requests.get(fleet.url + path, headers=headers, timeout=5)


def test_repository_files_are_served_with_validators_and_cache_rules(fleet: Fleet) -> None:
    fleet.publish("group:lobby", idle(90))
    ts = _get(fleet, "/fleet/metadata/timestamp.json")
    assert ts.status_code == 200 and ts.headers["Cache-Control"] == "no-cache"
    on_disk = (fleet.fleet_dir / "repository" / "metadata" / "timestamp.json").read_bytes()
    assert ts.content == on_disk
    again = _get(fleet, "/fleet/metadata/timestamp.json", **{"If-None-Match": ts.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    root = _get(fleet, "/fleet/metadata/1.root.json")
    assert root.status_code == 200 and "immutable" in root.headers["Cache-Control"]
    next_root = _get(fleet, "/fleet/metadata/2.root.json")
    assert (
        next_root.status_code == 404 and next_root.headers["Cache-Control"] == "public, max-age=60"
    )
    repo = fleet.repo()
    target = repo.target("config/group/lobby.json")
    assert target is not None
    url = f"/fleet/targets/config/group/{target.hashes['sha256']}.lobby.json"
    doc = _get(fleet, url)
    assert doc.status_code == 200 and doc.content == repo.target_file(target).read_bytes()
    head = requests.head(fleet.url + url, timeout=5)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == target.length
    for bad in (
        "/fleet/targets/../keys/targets.pem",
        "/fleet/targets/config/%2e%2e/x",
        "/fleet/metadata/..%2Fkeys%2Froot.json",
        "/fleet/targets/.hidden",
    ):
        assert _get(fleet, bad).status_code == 404, bad
    # a new publish is seen at once (the cache follows the file)
    fleet.publish("group:lobby", idle(95))
    assert _get(fleet, "/fleet/metadata/timestamp.json").content != ts.content


def _heartbeat(terminal_id: str, **kw: Any) -> dict[str, Any]:
    hb = Heartbeat(
        terminal_id=terminal_id,
        group=kw.pop("group", "lobby"),
        app_version="0.1.0",
        clock=kw.pop("clock", datetime.now(UTC)),
        **kw,
    )
    return hb.model_dump(mode="json")


def _post(fleet: Fleet, terminal_id: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {
        "X-Terminal-Id": terminal_id,
        "Authorization": f"Bearer {token or fleet.tokens[terminal_id]}",
    }
    return requests.post(fleet.url + "/v1/fleet/heartbeats", json=body, headers=headers, timeout=5)


def test_heartbeats_are_authenticated_per_terminal(fleet: Fleet) -> None:
    fleet.add_terminal("k1")
    fleet.add_terminal("k2")
    ok = _post(fleet, "k1", _heartbeat("k1"))
    assert ok.status_code == 200 and abs(ok.json()["skew_s"]) < 5
    assert ok.headers["Cache-Control"] == "no-store"
    unauth = requests.post(fleet.url + "/v1/fleet/heartbeats", json=_heartbeat("k1"), timeout=5)
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == "auth.missing"
    wrong = _post(fleet, "k1", _heartbeat("k1"), token=fleet.tokens["k2"])
    assert wrong.status_code == 403
    spoof = _post(fleet, "k1", _heartbeat("k2"))
    assert spoof.status_code == 403 and spoof.json()["error"]["code"] == "auth.terminal_mismatch"
    bad = _post(fleet, "k1", {"terminal_id": "k1"})
    assert bad.status_code == 422


def test_a_heartbeat_is_typed_strictly_except_its_times(fleet: Fleet) -> None:
    """ "1" is not a count, "true" not a flag, "3" not a number; ISO times are times."""
    fleet.add_terminal("k1")
    for field, value in (
        ("counters", {"sessions": "1"}),
        ("restart_pending", "true"),
        ("uptime_s", "3"),
        ("applied", {"group:lobby": 1.5}),
    ):
        body = _heartbeat("k1") | {field: value}
        answer = _post(fleet, "k1", body)
        assert answer.status_code == 422, (field, value, answer.text)
    good = _heartbeat("k1", counters={"sessions": 1}, uptime_s=3)
    assert isinstance(good["clock"], str)  # ISO 8601 text, as JSON carries it
    assert _post(fleet, "k1", good).status_code == 200


def test_status_shows_convergence_silence_and_alarms(fleet: Fleet) -> None:
    fleet.publish("group:lobby", idle(90))
    for tid in ("k1", "k2", "k3", "k4"):
        fleet.add_terminal(tid)
    assert _post(fleet, "k1", _heartbeat("k1", applied={"group:lobby": 1})).status_code == 200
    _post(
        fleet,
        "k2",
        _heartbeat(
            "k2",
            applied={},
            fleet_state="rejected",
            rejection={
                "kind": "document",
                "reason": "bad ui.volume",
                "versions": {"group:lobby": 1},
                "at": datetime.now(UTC).isoformat(),
            },
        ),
    )
    _post(fleet, "k3", _heartbeat("k3", group="hall", clock=datetime.now(UTC) - timedelta(hours=2)))
    operator_token = fleet.service.operators.add("ops")  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {operator_token}", "X-Operator-Id": "ops"}

    status = requests.get(fleet.url + "/v1/fleet/status", headers=headers, timeout=5)

    assert status.status_code == 200
    rows = {t["terminal_id"]: t for t in status.json()["terminals"]}
    assert rows["k1"]["converged"] and rows["k1"]["converged_at"]
    assert not rows["k2"]["converged"] and rows["k2"]["desired"] == {"group:lobby": 1}
    assert rows["k3"]["converged"]  # nothing is published for hall: nothing to apply
    assert rows["k4"]["fleet_state"] == "never_seen" and rows["k4"]["silent"]
    alarms = {(a["code"], a["subject"]) for a in status.json()["alarms"]}
    assert ("terminal.config_rejected", "k2") in alarms
    assert ("terminal.clock_skew", "k3") in alarms
    assert ("terminal.silent", "k4") in alarms
    assert ("terminal.silent", "k1") not in alarms
    # ten minutes later, everyone is silent
    fleet.now.offset = timedelta(minutes=10)
    later = requests.get(fleet.url + "/v1/fleet/alarms", headers=headers, timeout=5).json()
    silent = {a["subject"] for a in later["alarms"] if a["code"] == "terminal.silent"}
    assert silent == {"k1", "k2", "k3", "k4"}
    # operators only: a terminal's token does not open the status
    as_terminal = {"Authorization": f"Bearer {fleet.tokens['k1']}", "X-Operator-Id": "k1"}
    assert (
        requests.get(fleet.url + "/v1/fleet/status", headers=as_terminal, timeout=5).status_code
        == 401
    )
    assert requests.get(fleet.url + "/v1/fleet/alarms", timeout=5).status_code == 401
