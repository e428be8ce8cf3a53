"""The deployment files: the systemd unit verifies, the session script and rules parse."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def render(tmp_path: Path) -> Path:
    subprocess.run(
        [str(PROJECT / "deploy" / "install.sh"), "--render-only", str(tmp_path)], check=True
    )
    return tmp_path / "kiosk.service"


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: install Debian's systemd package")
    return subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )


def test_unit_file_verifies(tmp_path: Path) -> None:
    unit = render(tmp_path)
    text = unit.read_text()
    assert "@KIOSK_" not in text
    for line in ("Type=notify", "WatchdogSec=30", "Restart=always", "RestartPreventExitStatus=64"):
        assert line in text.splitlines()
    result = verify(unit)
    assert result.returncode == 0, result.stderr


def test_a_broken_unit_fails_verification(tmp_path: Path) -> None:
    unit = render(tmp_path)
    unit.write_text(unit.read_text().replace("Type=notify", "Type=notifyy"))
    result = verify(unit)
    assert result.returncode != 0 or "Failed to parse" in result.stderr


def test_session_script_and_install_script_parse() -> None:
    for script in ("deploy/kiosk-session", "deploy/install.sh"):
        subprocess.run(["bash", "-n", str(PROJECT / script)], check=True)


def test_udev_rules_have_valid_shape() -> None:
    rules = (PROJECT / "deploy" / "udev" / "70-kiosk-devices.rules").read_text()
    lines = [ln for ln in rules.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) >= 4
    for line in lines:
        for part in (p.strip() for p in line.split(",")):
            assert "==" in part or "=" in part or "+=" in part, part
        assert 'GROUP="kiosk"' in line
