"""Preview frames painted per second while live guidance runs, offscreen at 1280x720.

The real widgets and threads of the ID photo screen: a simulated camera playing a portrait
at 30 fps, the mirrored ``CameraView`` painting from its one-frame slot, and the
``GuidanceWorker`` analysing the newest frame on its own thread.

    .venv/bin/python bench/photo_preview.py [--seconds 8] [--json]

Last line: {"preview_fps": ..., "guidance_fps": ..., "camera_fps": ..., "seconds": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FACE = ROOT.parent / "shared" / "corpora" / "faces" / "frontal" / "002_03.jpg"


def measure(seconds: float) -> dict[str, float]:
    """Runs the preview and guidance together for ``seconds`` after a warm-up."""
    from PySide6.QtWidgets import QApplication

    from devices.camera import SimulatedCamera
    from ui.framework.qt_runner import GuiDelivery
    from ui.framework.widgets.camera_view import CameraView
    from ui.photo.feature import GuidanceWorker

    app = QApplication.instance() or QApplication(["photo-preview"])
    camera = SimulatedCamera(str(FACE) if FACE.exists() else "", width=1280, height=720, fps=30)
    frames = 0

    def count(_frame: object) -> None:
        nonlocal frames
        frames += 1

    camera.subscribe(count)
    camera.start()
    view = CameraView()
    view.resize(1080, 1300)
    view.show()
    view.attach(camera)
    delivery = GuiDelivery()
    results = 0

    def on_result(_result: object, _image: object) -> None:
        nonlocal results
        results += 1

    worker = GuidanceWorker(camera, "resident-id", delivery.post, on_result)
    warm = time.monotonic() + 3.0  # model loading and first frames
    while time.monotonic() < warm:
        app.processEvents()
        time.sleep(0.001)
    painted0, results0, frames0 = view.painted, results, frames
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.monotonic() - start
    out = {
        "preview_fps": round((view.painted - painted0) / elapsed, 1),
        "guidance_fps": round((results - results0) / elapsed, 1),
        "camera_fps": round((frames - frames0) / elapsed, 1),
        "seconds": round(elapsed, 1),
    }
    worker.stop()
    view.detach()
    camera.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.seconds)
    print(
        f"preview painted {figures['preview_fps']} fps while guidance analysed "
        f"{figures['guidance_fps']} fps (camera {figures['camera_fps']} fps, 1280x720)"
    )
    print("  targets: preview >= 25 fps, guidance >= 15 fps")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
