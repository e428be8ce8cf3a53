"""The ``kiosk`` command line as technicians and acceptance checks use it (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.framework.receipts import FULL_WIDTH_PUNCTUATION
from tests.conftest import PROJECT_ROOT, corpus
from tests.support.tcp_printer import TcpPrinter

FS_AMPERSAND = b"\x1c\x26"


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_print_test_bytes_and_png_round_trip(tmp_path: Path) -> None:
    escpos, png = tmp_path / "test.bin", tmp_path / "test.png"
    result = kiosk("print-test", "--escpos", str(escpos), "--png", str(png))
    assert result.returncode == 0, result.stderr
    data = escpos.read_bytes()
    assert FS_AMPERSAND in data
    assert FULL_WIDTH_PUNCTUATION.encode("gb18030") in data
    text = escpos_to_text(data)
    lines = text.splitlines()
    assert "融治理中心" in lines and "自助终端 · 打印机测试页" in lines
    assert FULL_WIDTH_PUNCTUATION in text.splitlines()
    [payload] = qr_payloads(data)
    assert payload.startswith("KT-") and "终端 Terminal: kiosk-dev" in lines
    assert payload in text.splitlines()  # printed as text beneath the code too

    decoded = kiosk("decode", str(png))
    assert decoded.returncode == 0, decoded.stderr
    line = json.loads(decoded.stdout.strip())
    assert line["file"] == str(png) and line["texts"] == [payload]
    assert line["ms"] >= 0


def test_print_test_reaches_a_network_printer(tmp_path: Path) -> None:
    with TcpPrinter() as printer:
        site = tmp_path / "site.toml"
        site.write_text(
            f'[devices.printer]\nbackend = "network"\nhost = "127.0.0.1"\nport = {printer.port}\n',
            encoding="utf-8",
        )
        result = kiosk("--site", str(site), "print-test", "--timeout", "20")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "done" in result.stdout
        [job] = [p for p in printer.payloads() if p]
    assert job.startswith(b"\x1b@") and FS_AMPERSAND in job
    text = escpos_to_text(job)
    assert "打印机测试页" in text and FULL_WIDTH_PUNCTUATION in text
    [payload] = qr_payloads(job)
    assert payload in text.splitlines()


def test_print_test_with_no_printer_says_so_and_keeps_the_job(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[devices.printer]\nbackend = "network"\nhost = "127.0.0.1"\nport = 9\n', encoding="utf-8"
    )
    data_dir = tmp_path / "data"
    result = kiosk(
        "--site", str(site), "print-test", "--timeout", "2", env={"KIOSK_DATA_DIR": str(data_dir)}
    )
    assert result.returncode == 1
    assert "pending" in result.stdout and "printer.offline" in result.stdout
    assert "Traceback" not in result.stderr
    assert (data_dir / "printer" / "jobs.sqlite3").exists()  # kept for when it comes back


def test_decode_reads_corpus_images_with_the_chosen_decoder() -> None:
    folder = corpus("qr", "zxing-blackbox", "qrcode-1")
    image = folder / "1.png"
    expected = (folder / "1.txt").read_text(encoding="utf-8")
    for decoder in ("zxing", "pyzbar"):
        result = kiosk("decode", "--decoder", decoder, str(image))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["texts"] == [expected]


def test_decode_reports_an_unreadable_file(tmp_path: Path) -> None:
    bogus = tmp_path / "not-an-image.png"
    bogus.write_bytes(b"nope")
    result = kiosk("decode", str(bogus))
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"] == "cannot read image"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_diag_lists_every_device(tmp_path: Path, fmt: str) -> None:
    result = kiosk("diag", *(["--json"] if fmt == "json" else []))
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        report = json.loads(result.stdout)
        assert set(report["devices"]) == {"camera", "scanner", "printer", "idcard"}
        for dev in report["devices"].values():
            assert dev["backend"] == "simulated" and dev["level"] == "ready"
        assert report["devices"]["printer"]["status"] == "ready"
    else:
        assert "camera" in result.stdout and "printer" in result.stdout


def test_diag_reports_a_missing_camera_and_a_bad_site_file(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[devices.camera]\nbackend = "opencv"\ndevice = "/dev/video-missing"\n'
        "[devices.printer]\nport = 99999\n",
        encoding="utf-8",
    )
    result = kiosk("--site", str(site), "diag", "--json", "--wait", "1")
    report = json.loads(result.stdout)
    assert result.returncode == 0  # the bad file was rejected whole: camera stays simulated
    assert report["config_problems"] == [
        f"{site}: devices.printer.port: " + report["config_problems"][0].split(": ", 2)[2]
    ]
    assert "65535" in report["config_problems"][0]

    site.write_text('[devices.camera]\nbackend = "opencv"\ndevice = "/dev/video-missing"\n')
    result = kiosk("--site", str(site), "diag", "--json", "--wait", "1")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    camera = report["devices"]["camera"]
    assert (camera["backend"], camera["level"], camera["reason"]) == (
        "opencv",
        "offline",
        "camera.not_found",
    )


def test_diag_report_holds_what_a_technician_sends(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    (logs / "kiosk.log").write_text(
        json.dumps({"at": "t", "level": "ERROR", "logger": "x", "msg": "printer gone"})
        + "\n"
        + json.dumps({"at": "t", "level": "INFO", "logger": "x", "msg": "fine"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.json"
    result = kiosk(
        "diag", "--report", str(out), "--wait", "1", env={"KIOSK_DATA_DIR": str(data_dir)}
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["devices"]) == {"camera", "scanner", "printer", "idcard"}
    assert report["config_version"] == "defaults-1"
    assert [e["msg"] for e in report["recent_errors"]] == ["printer gone"]
    assert report["versions"]["python"].startswith("3.12")
    assert report["versions"]["zxing-cpp"] != "not installed"


def test_diag_names_the_state_files_a_start_found_damaged(
    tmp_path: Path, isolated_data_dir: Path
) -> None:
    from kiosk.platform.crash_guard import CrashGuard

    runs = isolated_data_dir / "crash" / "runs.json"
    runs.parent.mkdir(parents=True)
    runs.write_bytes(b"\xff\xfe garbage")
    CrashGuard(runs).begin()  # what a start does
    result = kiosk("diag", "--json", "--wait", "1")
    assert result.returncode == 0, result.stderr
    damaged = json.loads(result.stdout)["damaged_state_files"]
    assert len(damaged) == 1 and damaged[0].startswith("crash/runs.json.corrupt-")


def test_diag_exits_0_with_every_state_file_garbled(isolated_data_dir: Path) -> None:
    """The held-out check: every *.json and *.sqlite3 under the data dir garbled."""
    for rel in ("crash/runs.json", "maintenance/pin.json", "printer/jobs.sqlite3", "usage.sqlite3"):
        path = isolated_data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xfe\x00 garbled")
    result = kiosk("diag", "--json", "--wait", "1")
    assert result.returncode == 0, result.stderr
    damaged = json.loads(result.stdout)["damaged_state_files"]
    assert any(d.startswith("printer/jobs.sqlite3.corrupt-") for d in damaged)
