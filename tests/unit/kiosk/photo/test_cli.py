"""``python -m kiosk.photo.cli`` as the lead's ``kiosk idphoto`` will run it: exit codes, report.

Frontal portrait: Face Research Lab London Set, CC-BY 4.0 - DeBruine, L. & Jones, B. (2017)
Face Research Lab London Set, doi:10.6084/m9.figshare.5047666.v5. Negative: CC0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from kiosk.photo.cli import add_idphoto_command, cmd_idphoto
from tests.conftest import PROJECT_ROOT
from tests.unit.kiosk.photo.conftest import faces_dir


def idphoto(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.photo.cli", *args],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_report_shape(report: dict[str, object]) -> None:
    for key in ("ok", "checks", "warnings", "reasons", "size", "bytes", "transform"):
        assert key in report
    checks = report["checks"]
    assert isinstance(checks, list) and checks
    for check in checks:
        assert {"name", "passed", "value", "limit"} <= set(check)
        assert isinstance(check["passed"], bool)
        assert isinstance(check["limit"], list) and len(check["limit"]) == 2


def test_compliant_photo_exits_0(tmp_path: Path) -> None:
    source = faces_dir("frontal") / "003_03.jpg"
    out, report_path = tmp_path / "photo.jpg", tmp_path / "report.json"
    result = idphoto(str(source), "--preset", "resident-id", "--out", str(out), "--report",
                     str(report_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    check_report_shape(report)
    assert report["ok"] is True and report["reasons"] == []
    assert report["size"] == [358, 441]
    assert report["bytes"] == out.stat().st_size
    transform = report["transform"]
    assert len(transform) == 2 and all(len(row) == 3 for row in transform)
    names = {c["name"] for c in report["checks"]}
    assert {"face_width", "hair_top", "eye_height", "jpeg_bytes", "roll"} <= names
    with Image.open(out) as photo:
        assert photo.size == (358, 441)
    assert str(source.parent) not in result.stderr + report_path.read_text(encoding="utf-8")
    assert report["input"] == "003_03.jpg"  # the base name only


def test_refused_photo_exits_3_and_writes_no_photo(tmp_path: Path) -> None:
    source = faces_dir("negatives", "no_face") / "skimage_coffee.png"
    out, report_path = tmp_path / "photo.jpg", tmp_path / "report.json"
    result = idphoto(str(source), "--out", str(out), "--report", str(report_path), "--plain")
    assert result.returncode == 3, result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    check_report_shape(report)
    assert report["ok"] is False and report["reasons"] == ["no_face"]
    assert report["bytes"] == 0 and report["background_replaced"] is False
    assert not out.exists()


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")
    report_path = tmp_path / "report.json"
    result = idphoto(str(broken), "--report", str(report_path))
    assert result.returncode == 2, result.stderr
    assert json.loads(report_path.read_text())["error"] == "unreadable_input"
    assert "broken.jpg" in result.stderr and str(tmp_path) not in result.stderr
    args = argparse.Namespace(
        input=tmp_path / "missing.jpg", preset=None, out=None, report=None, plain=False,
        background=None,
    )  # fmt: skip
    assert cmd_idphoto(args) == 2


def test_unknown_preset_exits_4(tmp_path: Path) -> None:
    args = argparse.Namespace(
        input=faces_dir("frontal") / "003_03.jpg",
        preset="passport-of-mars",
        out=None,
        report=tmp_path / "r.json",
        plain=False,
        background=None,
    )
    assert cmd_idphoto(args) == 4


def test_registers_on_the_kiosk_command_line() -> None:
    parser = argparse.ArgumentParser(prog="kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    add_idphoto_command(sub)
    args = parser.parse_args(["idphoto", "in.jpg", "--out", "o.jpg", "--report", "r.json"])
    assert args.func is cmd_idphoto
    assert (args.input, args.out, args.plain, args.preset) == (
        Path("in.jpg"),
        Path("o.jpg"),
        False,
        None,
    )
    assert parser.parse_args(["idphoto", "x.jpg", "--plain"]).plain is True
