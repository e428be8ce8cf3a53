"""One file a technician can send: devices, configuration, recent errors, versions."""

from __future__ import annotations

import json
import platform
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk.platform.config_loader import ConfigPaths
from kiosk.platform.device_set import diagnose

PACKAGES = (
    "PySide6-Essentials",
    "opencv-python-headless",
    "zxing-cpp",
    "pyzbar",
    "python-escpos",
    "mediapipe",
    "numpy",
    "pydantic",
    "requests",
)


def recent_log_entries(
    log_file: Path, n: int = 50, levels: tuple[str, ...] = ("ERROR", "WARNING")
) -> list[dict[str, Any]]:
    """The last ``n`` entries at the given levels (the log is already masked)."""
    out: list[dict[str, Any]] = []
    files = [*sorted(log_file.parent.glob(log_file.name + ".*"), reverse=True), log_file]
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("level") in levels:
                out.append(entry)
    return out[-n:]


def versions() -> dict[str, str]:
    """Python and the packages that matter, by name."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def build_report(paths: ConfigPaths, wait_s: float = 3.0) -> dict[str, Any]:
    """Everything in one dictionary."""
    report = diagnose(paths, wait_s=wait_s)
    report["generated_at"] = datetime.now().isoformat(timespec="seconds")
    report["versions"] = versions()
    report["recent_errors"] = recent_log_entries(paths.data_dir / "logs" / "kiosk.log")
    crash_file = paths.data_dir / "crash" / "runs.json"
    try:
        report["recent_runs"] = json.loads(crash_file.read_text(encoding="utf-8"))[-10:]
    except (FileNotFoundError, json.JSONDecodeError):
        report["recent_runs"] = []
    return report


def write_report(paths: ConfigPaths, out: Path, wait_s: float = 3.0) -> dict[str, Any]:
    """Builds the report and writes it as JSON to ``out``."""
    report = build_report(paths, wait_s)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report
