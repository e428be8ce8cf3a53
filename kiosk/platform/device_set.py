"""Builds the configured devices and diagnoses them.

The device modules are imported when the devices are first built, not with this module: the
kiosk's first attract frame needs no device.
"""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.health import HealthLevel, HealthPublisher
from kiosk import __version__
from kiosk.platform.config_loader import ConfigPaths, load_config
from kiosk.platform.config_schema import KioskConfig, PrinterConfig
from kiosk.platform.state_files import check_sqlite

if TYPE_CHECKING:
    from devices.camera import Camera
    from devices.idcard.reader import IdCardReader
    from devices.idcard.settings import IdCardSettings
    from devices.printer.device import Printer
    from devices.receipt.document import PaperProfile
    from devices.scanner import Scanner, ScanSource


def paper_profile(printer: PrinterConfig) -> PaperProfile:
    """The renderer's view of the configured paper and printer."""
    from devices.receipt.document import PaperProfile

    base = PaperProfile.for_width(printer.paper_width_mm, native_qr=printer.native_qr)
    return PaperProfile(
        base.width_mm, base.columns, base.dots, base.native_qr, printer.chinese_mode
    )


def build_printer_from(config: KioskConfig, data_dir: Path) -> Printer:
    """The configured printer with its durable job store under ``data_dir``."""
    from devices.printer.build import build_printer
    from devices.printer.settings import PrinterSettings

    p = config.devices.printer
    settings = PrinterSettings(
        backend=p.backend,
        host=p.host,
        port=p.port,
        devfile=p.serial_port if p.backend == "serial" else p.file_path,
        baudrate=p.serial_baudrate,
        id_vendor=p.usb_vendor,
        id_product=p.usb_product,
        output_dir=str(data_dir / "printer" / "simulated"),
        job_timeout_s=p.job_timeout_s,
        keep_done_jobs=p.keep_done_jobs,
        roll_length_mm=float(p.roll_length_mm),
        paper_low_remaining_mm=float(p.paper_low_at_mm),
    )
    jobs = check_sqlite(data_dir / "printer" / "jobs.sqlite3")  # damaged: aside, start fresh
    return build_printer(settings, jobs, paper_profile(p))


def idcard_settings(config: KioskConfig) -> IdCardSettings:
    """The ID-card reader's settings from ``[devices.idcard]``."""
    from devices.idcard.settings import IdCardSettings

    c = config.devices.idcard
    return IdCardSettings(
        backend=c.backend,
        port=c.port,
        baudrate=c.baud,
        scenario=c.scenario,
        read_timeout_s=c.read_timeout_s,
        answer_timeout_s=c.answer_timeout_s,
        reconnect_s=c.reconnect_s,
        poll_interval_s=c.poll_s,
    )


def build_idcard_reader_from(
    config: KioskConfig, today: Callable[[], date] = date.today
) -> IdCardReader:
    """The configured ID-card reader; ``today`` dates the simulated reader's demo cards."""
    from devices.idcard.build import build_idcard_reader

    return build_idcard_reader(idcard_settings(config), today=today)


_Devices = tuple["Camera", "Scanner", "Printer", "IdCardReader"]


class DeviceSet:
    """The terminal's devices, started and stopped together.

    They are built by ``build`` when first asked for (from any thread, once), so a kiosk
    shows its first frame before any device library is imported. Stopping a set whose
    devices were never built does nothing.
    """

    def __init__(self, build: Callable[[], _Devices]) -> None:
        self._build = build
        self._devices: _Devices | None = None
        self._lock = threading.Lock()

    def _built(self) -> _Devices:
        with self._lock:
            if self._devices is None:
                self._devices = self._build()
            return self._devices

    @property
    def camera(self) -> Camera:
        """The camera."""
        return self._built()[0]

    @property
    def scanner(self) -> Scanner:
        """The QR scanner (its sources may include the camera)."""
        return self._built()[1]

    @property
    def printer(self) -> Printer:
        """The receipt printer."""
        return self._built()[2]

    @property
    def idcard(self) -> IdCardReader:
        """The resident ID-card reader."""
        return self._built()[3]

    def all(self) -> dict[str, HealthPublisher]:
        """Each device by name."""
        camera, scanner, printer, idcard = self._built()
        return {"camera": camera, "scanner": scanner, "printer": printer, "idcard": idcard}

    def start(self) -> None:
        """Starts every device's thread."""
        camera, scanner, printer, idcard = self._built()
        camera.start()
        scanner.start()
        printer.start()
        idcard.start()

    def stop(self) -> None:
        """Stops every device; returns when their threads are gone."""
        with self._lock:
            devices = self._devices
        if devices is None:
            return
        camera, scanner, printer, idcard = devices
        scanner.stop()
        camera.stop()
        printer.stop()
        idcard.stop()


def build_devices(
    config: KioskConfig,
    data_dir: Path,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    today: Callable[[], date] = date.today,
) -> DeviceSet:
    """Every device named in ``config``, built when first used (not started).

    ``monotonic`` is the clock of time-based device rules (the scanner's fold window) and
    ``today`` the calendar of the simulated ID cards' validity: the kiosk's clock, so tests
    with a fake clock move it instead of waiting.
    """
    return DeviceSet(lambda: _build_all(config, data_dir, monotonic, today))


def _build_all(
    config: KioskConfig,
    data_dir: Path,
    monotonic: Callable[[], float],
    today: Callable[[], date] = date.today,
) -> _Devices:
    from devices.camera import build_camera
    from devices.decoders import make_decoder
    from devices.scanner import (
        CameraScanSource,
        HidScanSource,
        Scanner,
        SerialScanSource,
        SimulatedScanSource,
    )

    cam = config.devices.camera
    camera = build_camera(
        cam.backend,
        device=cam.device,
        width=cam.width,
        height=cam.height,
        fps=cam.fps,
        fourcc=cam.fourcc,
        simulated_source=cam.simulated_source,
        reconnect_s=cam.reconnect_s,
    )
    sc = config.devices.scanner
    sources: list[ScanSource] = []
    for name in sc.sources:
        if name == "simulated":
            sources.append(SimulatedScanSource())
        elif name == "camera":
            sources.append(
                CameraScanSource(camera, make_decoder(sc.decoder), sc.camera_decode_every_n)
            )
        elif name == "hid":
            sources.append(
                HidScanSource(
                    sc.hid_device, reconnect_s=sc.reconnect_s, max_bytes=sc.max_payload_bytes
                )
            )
        elif name == "serial":
            sources.append(
                SerialScanSource(
                    sc.serial_port,
                    sc.serial_baudrate,
                    reconnect_s=sc.reconnect_s,
                    max_bytes=sc.max_payload_bytes,
                )
            )
    scanner = Scanner(
        sources,
        fold_window_s=sc.fold_window_s,
        max_payload_bytes=sc.max_payload_bytes,
        clock=monotonic,
    )
    printer = build_printer_from(config, data_dir)
    return camera, scanner, printer, build_idcard_reader_from(config, today)


def _backend(config: KioskConfig, name: str) -> str:
    if name == "camera":
        return config.devices.camera.backend
    if name == "scanner":
        return "+".join(config.devices.scanner.sources)
    if name == "idcard":
        return config.devices.idcard.backend
    return config.devices.printer.backend


def diagnose(paths: ConfigPaths, wait_s: float = 3.0) -> dict[str, Any]:
    """Starts every device, waits up to ``wait_s`` for each to leave 'starting', reports."""
    from kiosk.platform.disk_space import disk_problem

    loaded = load_config(paths)
    config = loaded.config
    devices = build_devices(config, paths.data_dir)
    settled = threading.Event()

    def check(*_: object) -> None:
        if all(d.health.reason != "device.not_started" for d in devices.all().values()):
            settled.set()

    for device in devices.all().values():
        device.subscribe_health(check)
    devices.start()
    try:
        deadline = time.monotonic() + wait_s
        # A device that is coming up reports offline first; give each a chance to be ready.
        while time.monotonic() < deadline:
            if all(d.health.level is HealthLevel.READY for d in devices.all().values()):
                break
            time.sleep(0.05)
        report_devices: dict[str, dict[str, str]] = {}
        for name, device in devices.all().items():
            h = device.health
            entry = {
                "backend": _backend(config, name),
                "level": str(h.level),
                "reason": h.reason,
                "detail": h.detail,
            }
            if name == "printer":
                entry["status"] = str(devices.printer.status())
            report_devices[name] = entry
    finally:
        devices.stop()
    return {
        "app_version": __version__,
        "config_version": config.config_version,
        "terminal": config.terminal.id,
        "config_problems": [str(p) for p in loaded.problems],
        "config_from_last_good": loaded.from_last_good,
        # damaged state files moved aside by earlier starts (kiosk.platform.state_files)
        "damaged_state_files": sorted(
            str(p.relative_to(paths.data_dir)) for p in paths.data_dir.rglob("*.corrupt-*")
        )
        if paths.data_dir.exists()
        else [],
        "python": platform.python_version(),
        "disk_problem": disk_problem(paths.data_dir),  # None, or why the disk takes no writes
        "devices": report_devices,
    }
