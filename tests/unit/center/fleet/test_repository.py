"""The center's fleet repository: keys, publishing (check before sign), expiry and renewal."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]

from center.fleet.keys import init_keys, install_keys
from center.fleet.publish import publish
from center.fleet.repository import FleetRepository, RepositoryNotReady
from center.fleet.status import metadata_alarms
from kiosk.fleet.document import Audience, DocumentRejected
from tests.unit.kiosk.fleet.fleet_support import MovableNow, idle, make_fleet


def test_keys_init_keeps_root_keys_apart_and_private(tmp_path: Path) -> None:
    made = init_keys(tmp_path / "keys")
    root = Metadata[Root].from_bytes(made.root_json.read_bytes()).signed
    assert root.consistent_snapshot and root.version == 1
    root_keyids = set(root.roles["root"].keyids)
    online_keyids = {k for r in ("targets", "snapshot", "timestamp") for k in root.roles[r].keyids}
    assert root_keyids.isdisjoint(online_keyids) and len(online_keyids) == 3
    assert all(p.parent.name == "offline-root" for p in made.root_keys)
    for p in [*made.root_keys, *made.online_keys.values()]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert "MOVE THEM OFF THIS MACHINE" in (made.out / "README.txt").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="not empty"):
        init_keys(made.out)
    installed = install_keys(made.out, tmp_path / "fleet")
    assert {p.name for p in installed} == {
        "root.json",
        "targets.pem",
        "snapshot.pem",
        "timestamp.pem",
    }
    assert not list((tmp_path / "fleet").rglob("root-*.pem"))
    other = init_keys(tmp_path / "other")
    with pytest.raises(ValueError, match="another root"):
        install_keys(other.out, tmp_path / "fleet")


def test_publishing_without_keys_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RepositoryNotReady, match="keys init"):
        publish(FleetRepository(tmp_path / "fleet"), Audience.parse("all"), {})


def test_publish_refuses_a_document_failing_the_schema_before_signing(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    before = fleet.repo().timestamp().version
    with pytest.raises(DocumentRejected) as e:
        fleet.publish("group:lobby", {"ui": {"idle_timeout_s": {"default": 5}}})
    assert e.value.problems[0].key == "ui.idle_timeout_s"
    with pytest.raises(DocumentRejected, match="may not set"):
        fleet.publish("kiosk:k1", {"terminal": {"id": "k2"}})
    repo = fleet.repo()
    assert repo.timestamp().version == before
    assert repo.target("config/group/lobby.json") is None


def test_publish_checks_the_merge_with_the_documents_it_is_layered_with(tmp_path: Path) -> None:
    center = {"backend": "http", "base_url": "https://center.example", "token": "t" * 40}
    no_token = {"backend": {"token": ""}}  # valid alone: the default back end is local
    fleet = make_fleet(tmp_path / "a")
    fleet.publish("group:lobby", no_token)
    with pytest.raises(DocumentRejected, match="all \\+ group:lobby"):
        fleet.publish("all", {"backend": center})  # http needs a token the group removes
    result = fleet.publish("all", {"ui": {"volume": 10}})
    assert result.checked_with == ("defaults + all", "defaults + all + group:lobby")
    other = make_fleet(tmp_path / "b")
    other.publish("all", {"backend": center})
    with pytest.raises(DocumentRejected, match="all \\+ kiosk:k1"):
        other.publish("kiosk:k1", no_token)


def test_versions_count_up_per_audience_and_documents_say_so(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    assert fleet.publish("group:lobby", idle(90)).version == 1
    assert fleet.publish("group:lobby", idle(95), note="warmer").version == 2
    assert fleet.publish("kiosk:k1", idle(40)).version == 1
    repo = fleet.repo()
    target = repo.target("config/group/lobby.json")
    assert target is not None and target.custom == {"audience": "group:lobby", "version": 2}
    doc = json.loads(repo.target_file(target).read_bytes())
    assert (doc["version"], doc["note"], doc["audience"]) == (2, "warmer", "group:lobby")
    assert repo.role_for("config/kiosk/k1.json").startswith("bin-")
    assert repo.role_for("config/group/lobby.json") == "targets"
    # consistent snapshot: the hash-prefixed file, and versioned metadata
    assert repo.target_file(target).name.startswith(target.hashes["sha256"])
    names = {p.name for p in repo.metadata_dir.iterdir()}
    assert {"1.root.json", "timestamp.json", f"{repo.snapshot().version}.snapshot.json"} <= names


def test_timestamp_refresh_renews_what_nears_expiry(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    fleet.publish("all", idle(90))
    later = MovableNow(timedelta(days=75))  # targets (90 d) within its 30-day renewal margin
    repo = fleet.repo(now=later)
    ts_before, targets_before = repo.timestamp().version, repo.targets().version
    with repo.locked():
        renewed = repo.refresh()
    assert "timestamp" in renewed and "targets" in renewed and "snapshot" in renewed
    assert repo.timestamp().version == ts_before + 1
    assert repo.targets().version == targets_before + 1
    assert repo.targets().expires > later() + timedelta(days=89)
    soon = fleet.repo()
    with soon.locked():
        assert soon.refresh() == ["timestamp"]


def test_expiry_alarms_follow_the_policy(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    repo = fleet.repo()
    now = datetime.now(UTC)
    assert metadata_alarms(repo.expiries(), repo.policy, now) == []
    in_13h = metadata_alarms(repo.expiries(), repo.policy, now + timedelta(hours=13))
    assert [(a.code, a.subject) for a in in_13h] == [("metadata.expiring", "timestamp")]
    late = metadata_alarms(repo.expiries(), repo.policy, now + timedelta(days=320))
    codes = {(a.code, a.subject) for a in late}
    assert ("metadata.expiring", "root") in codes
    assert ("metadata.expired", "timestamp") in codes
    assert any("offline root keys" in a.message for a in late if a.subject == "root")


def test_the_example_documents_are_publishable(tmp_path: Path) -> None:
    from center.fleet.publish import load_document_file
    from kiosk.platform.project import CONFIG_DIR

    fleet = make_fleet(tmp_path)
    examples = CONFIG_DIR / "fleet"
    for name, audience in [
        ("all.toml", "all"),
        ("group-lobby.toml", "group:lobby"),
        ("kiosk-example.toml", "kiosk:kiosk-dev"),
    ]:
        result = fleet.publish(audience, load_document_file(examples / name))
        assert result.version == 1
