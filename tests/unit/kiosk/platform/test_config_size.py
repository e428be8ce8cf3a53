"""Size limits on every configuration file: an oversize layer (or last-good) is a reported
problem, never read whole and never copied into last-good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.platform.config_loader import MAX_CONFIG_BYTES, ConfigPaths, load_config


def setup_good(tmp_path: Path) -> tuple[ConfigPaths, bytes]:
    site = tmp_path / "site.toml"
    site.write_text('[terminal]\nid = "gl-xinhua-01"\n', encoding="utf-8")
    paths = ConfigPaths(data_dir=tmp_path / "data", site=site)
    assert load_config(paths).problems == ()
    return paths, paths.last_good.read_bytes()


def test_an_oversize_site_file_is_a_problem_and_last_good_stays(tmp_path: Path) -> None:
    paths, last_good = setup_good(tmp_path)
    assert paths.site is not None
    padding = "# " + "x" * 100 + "\n"
    text = '[terminal]\nid = "gl-huge-01"\n' + padding * (MAX_CONFIG_BYTES // len(padding) + 1)
    paths.site.write_text(text, encoding="utf-8")

    loaded = load_config(paths)

    assert [(p.source, p.reason) for p in loaded.problems] == [
        (str(paths.site), f"file too large: more than {MAX_CONFIG_BYTES} bytes")
    ]
    assert loaded.from_last_good and loaded.config.terminal.id == "gl-xinhua-01"
    assert paths.last_good.read_bytes() == last_good


@pytest.mark.parametrize("layer", ["fleet", "technician"])
def test_oversize_fleet_and_technician_layers_are_problems(tmp_path: Path, layer: str) -> None:
    paths, _ = setup_good(tmp_path)
    path = paths.fleet if layer == "fleet" else paths.technician
    path.write_text(json.dumps({"terminal": {"group": "g" * (MAX_CONFIG_BYTES + 1)}}))

    loaded = load_config(paths)

    assert [p.source for p in loaded.problems] == [str(path)]
    assert "too large" in loaded.problems[0].reason
    assert loaded.config.terminal.id == "gl-xinhua-01"


def test_a_site_file_that_never_ends_is_not_read_whole(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.symlink_to("/dev/zero")
    loaded = load_config(ConfigPaths(data_dir=tmp_path / "data", site=site))
    assert [p.reason for p in loaded.problems] == [
        f"file too large: more than {MAX_CONFIG_BYTES} bytes"
    ]


def test_an_oversize_last_good_is_not_used(tmp_path: Path) -> None:
    paths, _ = setup_good(tmp_path)
    assert paths.site is not None
    paths.last_good.write_bytes(b" " * (MAX_CONFIG_BYTES + 1) + paths.last_good.read_bytes())
    paths.site.write_text("not toml [", encoding="utf-8")

    loaded = load_config(paths)

    assert loaded.problems and not loaded.from_last_good
