from __future__ import annotations

import json
from pathlib import Path

from kiosk.platform.config_loader import ConfigPaths, ConfigStore, LoadedConfig, load_config


def paths(tmp_path: Path, site: str | None = None, suffix: str = ".toml") -> ConfigPaths:
    site_path = None
    if site is not None:
        site_path = tmp_path / f"site{suffix}"
        site_path.write_text(site, encoding="utf-8")
    return ConfigPaths(data_dir=tmp_path / "data", site=site_path)


def test_defaults_run_everything_simulated(tmp_path: Path) -> None:
    loaded = load_config(paths(tmp_path))
    devices = loaded.config.devices
    assert (devices.camera.backend, devices.printer.backend) == ("simulated", "simulated")
    assert devices.scanner.sources == ["simulated"]
    assert loaded.problems == ()
    assert loaded.origins["devices.printer.backend"] == "defaults"


def test_site_file_overrides_and_origin_is_recorded(tmp_path: Path) -> None:
    site = '[devices.printer]\nbackend = "network"\nhost = "10.1.2.3"\n'
    loaded = load_config(paths(tmp_path, site))
    assert loaded.config.devices.printer.backend == "network"
    assert loaded.config.devices.printer.host == "10.1.2.3"
    assert loaded.origins["devices.printer.host"] == "site"
    assert loaded.origins["devices.camera.backend"] == "defaults"


def test_bad_value_reports_file_key_reason_and_keeps_last_good(tmp_path: Path) -> None:
    good = load_config(paths(tmp_path, "[devices.printer]\nport = 9101\n"))
    assert good.config.devices.printer.port == 9101 and not good.problems

    bad = load_config(paths(tmp_path, "[devices.printer]\nport = 70000\n"))
    assert len(bad.problems) == 1
    problem = bad.problems[0]
    assert problem.source.endswith("site.toml")
    assert problem.key == "devices.printer.port"
    assert "65535" in problem.reason
    assert bad.from_last_good
    assert bad.config.devices.printer.port == 9101  # the last good value, not the default


def test_bad_layer_without_last_good_drops_only_that_layer(tmp_path: Path) -> None:
    loaded = load_config(paths(tmp_path, '[devices.camera]\nbackend = "webcam"\n'))
    assert [p.key for p in loaded.problems] == ["devices.camera.backend"]
    assert not loaded.from_last_good
    assert loaded.config.devices.camera.backend == "simulated"


def test_unparseable_and_unknown_keys_are_problems(tmp_path: Path) -> None:
    broken = load_config(paths(tmp_path, "[devices.printer\nport = 1\n"))
    assert broken.problems and broken.problems[0].key == ""
    assert "cannot parse" in broken.problems[0].reason

    typo = load_config(paths(tmp_path, "[devices.printer]\nprot = 9100\n"))
    assert [p.key for p in typo.problems] == ["devices.printer.prot"]


def test_schema_version_from_the_future_is_refused(tmp_path: Path) -> None:
    loaded = load_config(paths(tmp_path, '{"schema_version": 99}', suffix=".json"))
    assert [p.key for p in loaded.problems] == ["schema_version"]
    assert loaded.config.schema_version == 1


def test_technician_override_is_validated_as_a_whole(tmp_path: Path) -> None:
    store = ConfigStore(paths(tmp_path))
    seen: list[LoadedConfig] = []
    store.subscribe(seen.append)

    problems = store.set_technician_override("devices.printer.paper_width_mm", 57)
    assert [p.key for p in problems] == ["devices.printer.paper_width_mm"]
    assert not store.paths.technician.exists()
    assert seen == []

    assert store.set_technician_override("devices.printer.paper_width_mm", 80) == []
    assert (
        json.loads(store.paths.technician.read_text())["devices"]["printer"]["paper_width_mm"] == 80
    )
    assert store.config.devices.printer.paper_width_mm == 80
    assert store.current.origins["devices.printer.paper_width_mm"] == "technician"
    assert len(seen) == 1 and seen[0].config.devices.printer.paper_width_mm == 80


def test_fleet_layer_sits_between_site_and_technician(tmp_path: Path) -> None:
    p = paths(tmp_path, "[devices.printer]\nport = 9101\n")
    p.fleet.parent.mkdir(parents=True)
    p.fleet.write_text(json.dumps({"devices": {"printer": {"port": 9102}}}))
    assert load_config(p).config.devices.printer.port == 9102
    p.technician.write_text(json.dumps({"devices": {"printer": {"port": 9103}}}))
    loaded = load_config(p)
    assert loaded.config.devices.printer.port == 9103
    assert [name for name, _ in loaded.layers] == ["defaults", "site", "fleet", "technician"]


def test_a_configured_site_file_behind_a_dangling_or_looping_link_is_a_problem(
    tmp_path: Path,
) -> None:
    """Not silently the packaged demo: the last good terminal stays, and last-good is not
    overwritten with the demo."""
    good = load_config(paths(tmp_path, '[terminal]\nid = "gl-xinhua-01"\n'))
    assert good.config.terminal.id == "gl-xinhua-01"
    last_good = (tmp_path / "data" / "config" / "last-good.json").read_bytes()

    dangling = tmp_path / "dangling.toml"
    dangling.symlink_to(tmp_path / "gone.toml")
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    for link in (dangling, loop):
        loaded = load_config(ConfigPaths(data_dir=tmp_path / "data", site=link))
        assert [p.source for p in loaded.problems] == [str(link)]
        assert loaded.from_last_good and loaded.config.terminal.id == "gl-xinhua-01"
        assert (tmp_path / "data" / "config" / "last-good.json").read_bytes() == last_good
