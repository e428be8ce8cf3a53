"""Seconds from process start to the first painted attract frame, against a minimal window.

Starts the real kiosk (simulated devices) and a minimal PySide6 program (one label, shown
and painted once) several times each, interleaved, under the same conditions: offscreen
unless a DISPLAY is set. Each child prints ``time.monotonic()`` at its first paint; as
CLOCK_MONOTONIC is shared by every process on the machine, the difference from the moment
before spawning is the start-up time.

    .venv/bin/python bench/startup.py [--runs 7] [--json]

Last line (with --json): {"median_s": ..., "minimal_median_s": ..., "ratio": ..., ...}
where ``ratio`` is the kiosk's median over the minimal window's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KIOSK_TARGET_S = 1.5
RATIO_TARGET = 4.0

# The reference: the least a PySide6 program does to put a painted label on screen.
MINIMAL_WINDOW = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

class Label(QLabel):
    painted = False

    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print(f"first-paint {time.monotonic():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)

app = QApplication(sys.argv[:1])
label = Label("minimal")
label.resize(1080, 1920)
label.show()
QTimer.singleShot(10000, app.quit)
app.exec()
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "KIOSK_DATA_DIR": str(data_dir)}
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _time_to_first_paint(argv: list[str], env: dict[str, str], what: str) -> float:
    with tempfile.TemporaryFile("w+") as errors:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        painted = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("first-paint ") and painted is None:
                painted = float(line.split()[1])
        proc.wait(timeout=60)
        if painted is None:
            errors.seek(0)
            tail = "".join(errors.readlines()[-15:])
            raise RuntimeError(
                f"the {what} never painted (exit code {proc.returncode}); its stderr ends:\n{tail}"
            )
    return painted - start


def kiosk_run(data_dir: Path) -> float:
    """One start of the kiosk on simulated devices, to its first attract frame."""
    argv = [
        sys.executable,
        "-m",
        "ui.cli",
        "run",
        "--size",
        "1080x1920",
        "--report-first-paint",
        "--quit-after",
        "1.5",
    ]
    return _time_to_first_paint(argv, _env(data_dir), "kiosk")


def minimal_run(data_dir: Path) -> float:
    """One start of a minimal PySide6 window, to its first paint."""
    argv = [sys.executable, "-c", MINIMAL_WINDOW]
    return _time_to_first_paint(argv, _env(data_dir), "minimal window")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kiosk: list[float] = []
    minimal: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        # the first run of each fills the OS file cache; not counted
        kiosk_run(Path(tmp) / "warm")
        minimal_run(Path(tmp) / "warm-minimal")
        for i in range(args.runs):  # interleaved, so a busy moment hits both alike
            kiosk.append(kiosk_run(Path(tmp) / f"run{i}"))
            minimal.append(minimal_run(Path(tmp) / f"minimal{i}"))
    median = statistics.median(kiosk)
    minimal_median = statistics.median(minimal)
    ratio = median / minimal_median
    where = "display " + os.environ["DISPLAY"] if os.environ.get("DISPLAY") else "offscreen"
    print(f"start-up to first painted frame, {len(kiosk)} interleaved runs each ({where}):")
    print(f"  kiosk attract screen: median {median:.3f} s  (target <= {KIOSK_TARGET_S} s)")
    print(f"    runs: {', '.join(f'{t:.3f}' for t in kiosk)}")
    print(f"  minimal PySide6 label: median {minimal_median:.3f} s")
    print(f"    runs: {', '.join(f'{t:.3f}' for t in minimal)}")
    print(f"  ratio kiosk/minimal: {ratio:.2f}  (target <= {RATIO_TARGET})")
    if args.json:
        print(
            json.dumps(
                {
                    "median_s": round(median, 3),
                    "minimal_median_s": round(minimal_median, 3),
                    "ratio": round(ratio, 2),
                    "runs": len(kiosk),
                    "all_s": [round(t, 3) for t in kiosk],
                    "minimal_all_s": [round(t, 3) for t in minimal],
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
