"""Fleet documents and settings, without a server: audiences, checks, merging."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from kiosk.fleet import FleetConfig
from kiosk.fleet.apply import changed_keys, devices_named, restart_keys
from kiosk.fleet.document import (
    Audience,
    DocumentRejected,
    FleetDocument,
    check_layer,
    merge_documents,
    packaged_defaults,
    parse_document,
    version_label,
)
from kiosk.platform.config_schema import KioskConfig


def test_audiences_parse_and_name_their_target_paths() -> None:
    assert Audience.parse("all").target_path == "config/all.json"
    assert Audience.parse("group:lobby").target_path == "config/group/lobby.json"
    assert Audience.parse("kiosk:k-1").target_path == "config/kiosk/k-1.json"
    for bad in ("", "any", "group:", "kiosk:../x", "group:a/b", "site:x"):
        with pytest.raises(ValueError):
            Audience.parse(bad)


def test_version_labels_list_audiences_in_merge_order() -> None:
    assert version_label({"kiosk:k1": 2, "all": 3, "group:g": 1}) == "all@3+group:g@1+kiosk:k1@2"
    assert version_label({}) == "none"


def test_a_layer_is_checked_as_a_whole_with_the_layers_around_it() -> None:
    defaults = packaged_defaults()
    config = check_layer({"ui": {"volume": 20}}, below=[defaults])
    assert isinstance(config, KioskConfig) and config.ui.volume == 20
    with pytest.raises(DocumentRejected) as e:
        check_layer({"ui": {"volume": 200}}, below=[defaults])
    assert e.value.problems[0].key == "ui.volume"
    with pytest.raises(DocumentRejected, match=r"unknown|Extra"):
        check_layer({"ui": {"volum": 20}}, below=[defaults])
    with pytest.raises(DocumentRejected, match="technician"):
        check_layer(
            {"ui": {"idle_timeout_s": {"default": 60}}},
            below=[defaults],
            above=[{"ui": {"idle_timeout_s": {"sessions": 1}}}],
        )


@pytest.mark.parametrize(
    "config", [{"terminal": {"id": "x"}}, {"terminal": {"group": "x"}}, {"config_version": "9"}]
)
def test_identity_and_versions_are_not_for_fleet_documents(config: dict[str, object]) -> None:
    with pytest.raises(DocumentRejected, match="may not set"):
        check_layer(config, below=[packaged_defaults()])


def _doc(audience: str, config: dict[str, object], version: int = 1) -> FleetDocument:
    return FleetDocument(
        audience=audience, version=version, published_at="2026-11-23T09:30:00Z", config=config
    )


def test_documents_merge_kiosk_over_group_over_all_whatever_their_order() -> None:
    merged = merge_documents(
        [
            _doc("kiosk:k1", {"ui": {"volume": 3}}),
            _doc("all", {"ui": {"volume": 1, "elder_scale": 1.5}}),
            _doc("group:g", {"ui": {"volume": 2}, "services": {"enabled": ["points"]}}),
        ]
    )
    assert merged == {
        "ui": {"volume": 3, "elder_scale": 1.5},
        "services": {"enabled": ["points"]},
    }


def test_parsing_checks_the_envelope_and_its_audience() -> None:
    doc = _doc("group:g", {"ui": {"volume": 2}})
    data = json.dumps(doc.model_dump(mode="json")).encode()
    assert parse_document(data, Audience.parse("group:g")) == doc
    with pytest.raises(DocumentRejected, match="is for group:g, not group:h"):
        parse_document(data, Audience.parse("group:h"))
    with pytest.raises(DocumentRejected, match="not a fleet document"):
        parse_document(b'{"ui": {}}', Audience.parse("group:g"))
    with pytest.raises(ValidationError):
        FleetDocument(
            audience="all",
            version=1,
            published_at="2026-11-23T09:30:00Z",
            config={},
            media=["../etc/passwd"],
        )


def test_restart_keys_and_devices_named_by_a_change() -> None:
    old = KioskConfig()
    new = KioskConfig.model_validate(
        {"ui": {"volume": 10}, "devices": {"printer": {"backend": "network", "port": 9}}}
    )
    keys = changed_keys(old, new)
    assert keys == ["devices.printer.backend", "devices.printer.port", "ui.volume"]
    assert restart_keys(keys) == ["devices.printer.backend", "devices.printer.port"]
    assert devices_named(keys) == ["printer"]


def test_fleet_config_defaults_and_rules() -> None:
    c = FleetConfig()
    assert not c.enabled and c.poll_interval_s == 300 and c.poll_jitter == 0.2
    assert c.heartbeat_endpoint() == "https://127.0.0.1:8443/v1/fleet/heartbeats"
    assert c.metadata_url == "https://127.0.0.1:8443/fleet/metadata/"
    http = FleetConfig(repository_url="http://cdn.example/fleet/")
    assert http.targets_url == "http://cdn.example/fleet/targets/"
    with pytest.raises(ValueError, match="heartbeat_url is needed"):
        http.heartbeat_endpoint()
    with pytest.raises(ValidationError, match="loopback"):
        FleetConfig(heartbeat_url="http://center.example/v1/fleet/heartbeats")
    with pytest.raises(ValidationError, match="device_ready_s"):
        FleetConfig(health_window_s=10, device_ready_s=20)
    with pytest.raises(ValidationError):
        FleetConfig(poll_intervall_s=3)  # type: ignore[call-arg]
    assert "token" not in repr(FleetConfig(token="secret-token-value"))
