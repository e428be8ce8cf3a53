"""The reader built from settings and from the kiosk's configuration, and listed by diag."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from devices.idcard.build import build_idcard_reader
from devices.idcard.model import CardValidity
from devices.idcard.serial import SerialIdCardReader
from devices.idcard.settings import IdCardSettings
from devices.idcard.simulated import Scenario, SimulatedIdCardReader
from kiosk.platform.config_loader import ConfigPaths, load_config
from kiosk.platform.device_set import build_devices, diagnose, idcard_settings
from tests.conftest import PROJECT_ROOT


def site(tmp_path: Path, text: str) -> ConfigPaths:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return ConfigPaths(data_dir=tmp_path / "data", site=path)


def test_backends_from_settings() -> None:
    sim = build_idcard_reader({"backend": "simulated", "scenario": "expired"})
    assert isinstance(sim, SimulatedIdCardReader) and sim.scenario is Scenario.EXPIRED
    serial = build_idcard_reader(IdCardSettings(backend="serial", port="/dev/ttyUSB7"))
    assert isinstance(serial, SerialIdCardReader)
    assert (serial.port, serial.baudrate) == ("/dev/ttyUSB7", 115200)
    assert serial.describe() == "serial /dev/ttyUSB7 @115200"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"backend": "usb"}, "unknown ID-card backend 'usb'"),
        ({"backend": "simulated", "scenario": "stolen"}, "unknown ID-card scenario 'stolen'"),
        ({"backend": "serial", "port": ""}, "needs a port"),
        ({"baud": 9600}, "unknown ID-card reader setting(s): baud"),
    ],
)
def test_bad_settings_are_named(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_idcard_reader(settings)


def test_config_section_maps_to_settings(tmp_path: Path) -> None:
    loaded = load_config(
        site(
            tmp_path,
            '[devices.idcard]\nbackend = "serial"\nport = "/dev/ttyS3"\nbaud = 9600\n'
            "read_timeout_s = 8.0\npoll_s = 30\n",
        )
    )
    assert loaded.problems == ()
    settings = idcard_settings(loaded.config)
    assert (settings.backend, settings.port, settings.baudrate) == ("serial", "/dev/ttyS3", 9600)
    assert (settings.read_timeout_s, settings.poll_interval_s) == (8.0, 30.0)


def test_defaults_are_the_simulated_valid_card_at_115200(tmp_path: Path) -> None:
    config = load_config(ConfigPaths(data_dir=tmp_path / "data", site=None)).config
    c = config.devices.idcard
    assert (c.backend, c.scenario, c.baud) == ("simulated", "valid", 115200)


@pytest.mark.parametrize(
    "text",
    [
        '[devices.idcard]\nbackend = "usb"\n',
        "[devices.idcard]\nbaud = 12345\n",
        '[devices.idcard]\nscenario = "stolen"\n',
        "[devices.idcard]\nspeed = 1\n",
    ],
)
def test_a_bad_idcard_section_is_a_config_problem(tmp_path: Path, text: str) -> None:
    loaded = load_config(site(tmp_path, text))
    assert [p.key.split(".")[:2] for p in loaded.problems] == [["devices", "idcard"]]
    assert loaded.config.devices.idcard.backend == "simulated"


def test_the_device_set_builds_starts_and_stops_the_reader_on_the_kiosks_calendar(
    tmp_path: Path,
) -> None:
    config = load_config(site(tmp_path, '[devices.idcard]\nscenario = "expiring"\n')).config
    kiosk_day = date(2026, 11, 23)
    devices = build_devices(config, tmp_path / "data", today=lambda: kiosk_day)
    assert "idcard" in devices.all()
    devices.start()
    try:
        assert devices.idcard.health.reason == "idcard.ready"
        card = devices.idcard.read().card
        assert card is not None and card.validity(kiosk_day) is CardValidity.EXPIRING
    finally:
        devices.stop()
    assert devices.idcard.health.reason == "idcard.stopped"


def test_diagnose_lists_the_reader(tmp_path: Path) -> None:
    report = diagnose(site(tmp_path, '[devices.idcard]\nscenario = "no_card"\n'), wait_s=5)
    entry = report["devices"]["idcard"]
    assert (entry["backend"], entry["level"], entry["reason"]) == (
        "simulated",
        "ready",
        "idcard.ready",
    )
    missing = diagnose(
        site(tmp_path, '[devices.idcard]\nbackend = "serial"\nport = "/dev/ttyNOPE"\n'), wait_s=3
    )["devices"]["idcard"]
    assert (missing["backend"], missing["level"], missing["reason"]) == (
        "serial",
        "offline",
        "idcard.not_found",
    )


def test_importing_the_reader_loads_no_serial_library() -> None:
    code = (
        "import json, sys\n"
        "import devices.idcard.build, devices.idcard.serial, devices.idcard.simulated\n"
        "print(json.dumps('serial' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is False
