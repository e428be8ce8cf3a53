"""Importing the device layer loads no heavy library: each is imported when first used."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

DEVICE_MODULES = [
    "devices.camera",
    "devices.decoders",
    "devices.scanner",
    "devices.printer.build",
    "devices.printer.device",
    "devices.printer.file",
    "devices.printer.network",
    "devices.printer.serial",
    "devices.printer.simulated",
    "devices.printer.usb",
    "devices.receipt.escpos",
    "devices.receipt.escpos_text",
    "devices.receipt.layout",
    "devices.receipt.png",
]
#: python-escpos (with the pyserial and pyusb it loads), the camera's and the scanner's
#: libraries, and what draws receipt rasters.
HEAVY = ["escpos", "serial", "usb", "cv2", "numpy", "zxingcpp", "pyzbar", "evdev"]
HEAVY += ["PIL", "qrcode", "barcode"]


def test_importing_the_devices_loads_no_heavy_library() -> None:
    # A fresh interpreter: this one has long imported everything.
    code = (
        "import importlib, json, sys\n"
        f"for name in {DEVICE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
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
    assert json.loads(done.stdout) == []
