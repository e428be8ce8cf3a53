"""The kiosk's configuration as one pydantic model with a schema version.

Every source (packaged defaults, site file, fleet document, technician overrides) is a
partial dict of this shape; the merged result is validated as a whole.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.platform.application_config import ApplicationConfig
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.fleet_config import FleetConfig
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.requests_config import RequestsConfig

SCHEMA_VERSION = 1


class _Strict(BaseModel):
    # Unknown keys are errors: a typo in a site file must be reported, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TerminalConfig(_Strict):
    """Who this terminal is."""

    id: str = Field("kiosk-dev", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    group: str = Field("default", max_length=64)  # the heartbeat carries at most 64
    region: str = Field("demo", max_length=64)
    language: Literal["zh_CN", "en"] = "zh_CN"


class CameraConfig(_Strict):
    """Camera back end and capture format.

    ``simulated_source``: an image file, a folder of images, or a video file to loop; empty
    means synthetic frames.
    """

    backend: Literal["simulated", "opencv"] = "simulated"
    device: int | str = 0
    width: int = Field(1280, ge=160, le=3840)
    height: int = Field(720, ge=120, le=2160)
    fps: int = Field(30, ge=1, le=120)
    fourcc: str = Field("MJPG", min_length=4, max_length=4)
    simulated_source: str = ""
    reconnect_s: float = Field(2.0, gt=0, le=60)


class ScannerConfig(_Strict):
    """QR scanner sources (several may run at once) and payload rules."""

    sources: list[Literal["simulated", "camera", "hid", "serial"]] = ["simulated"]
    decoder: Literal["zxing", "zxing-fast", "pyzbar"] = "zxing"
    hid_device: str = (
        ""  # /dev/input/by-id/...-event-kbd; empty = first device named like a scanner
    )
    serial_port: str = "/dev/ttyACM0"
    serial_baudrate: int = Field(9600, ge=1200, le=921600)
    fold_window_s: float = Field(2.0, ge=0, le=60)
    max_payload_bytes: int = Field(2048, ge=16, le=8192)
    camera_decode_every_n: int = Field(2, ge=1, le=30)
    reconnect_s: float = Field(2.0, gt=0, le=60)


class PrinterConfig(_Strict):
    """Receipt printer connection and paper."""

    backend: Literal["simulated", "network", "serial", "usb", "file"] = "simulated"
    host: str = "127.0.0.1"
    port: int = Field(9100, ge=1, le=65535)
    serial_port: str = "/dev/ttyUSB0"
    serial_baudrate: int = Field(19200, ge=1200, le=921600)
    usb_vendor: int = Field(0x0416, ge=0, le=0xFFFF)
    usb_product: int = Field(0x5011, ge=0, le=0xFFFF)
    file_path: str = "/dev/usb/lp0"
    paper_width_mm: Literal[58, 80] = 58
    native_qr: bool = True
    chinese_mode: bool = True
    job_timeout_s: float = Field(15.0, gt=0, le=300)
    roll_length_mm: int = Field(30000, ge=1000, le=1_000_000)  # rolls are 10-100 m
    paper_low_at_mm: int = Field(2000, ge=0, le=100_000)
    keep_done_jobs: int = Field(20, ge=0, le=500)


class IdCardConfig(_Strict):
    """The resident ID-card reader (GA 450 on a serial port) or its twin.

    ``scenario`` is what the simulated reader gives: a demo card (valid, long_term, expiring,
    expired) or an outcome (unreadable, no_card, card_removed, offline).
    """

    backend: Literal["simulated", "serial"] = "simulated"
    port: str = "/dev/ttyUSB0"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    scenario: Literal[
        "valid",
        "long_term",
        "expiring",
        "expired",
        "unreadable",
        "no_card",
        "card_removed",
        "offline",
    ] = "valid"
    read_timeout_s: float = Field(5.0, gt=0, le=60)
    answer_timeout_s: float = Field(3.0, gt=0, le=30)
    reconnect_s: float = Field(2.0, gt=0, le=60)
    poll_s: float = Field(5.0, gt=0, le=300)


class DevicesConfig(_Strict):
    """All devices; each defaults to its simulated twin so the product runs anywhere."""

    camera: CameraConfig = CameraConfig()
    scanner: ScannerConfig = ScannerConfig()
    printer: PrinterConfig = PrinterConfig()
    idcard: IdCardConfig = IdCardConfig()


class LoggingConfig(_Strict):
    """Rotating, masked log files under the data directory."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(2_000_000, ge=10_000)
    backups: int = Field(5, ge=1, le=50)


SERVICE_IDS = ("id_photo", "violations", "antifraud", "points")


class UiConfig(_Strict):
    """Screens, timeouts and accessibility defaults.

    ``idle_timeout_s`` maps a screen name to seconds; ``default`` applies to the rest. The
    warning before an idle end lasts ``idle_warning_s`` (at least 20 s, WCAG 2.2.1).
    """

    idle_timeout_s: dict[str, float] = {"default": 60.0, "home": 45.0}
    idle_warning_s: float = Field(30.0, ge=20.0, le=120.0)
    elder_scale: float = Field(1.35, ge=1.3, le=2.0)
    voice_engine: Literal["espeak", "silent"] = "espeak"
    voice_in_standard_mode: bool = False
    volume: int = Field(70, ge=0, le=100)
    staff_hint: dict[str, str] = {
        "zh_CN": "请到服务台找工作人员，或拨打服务电话 12345",
        "en": "Please ask staff at the service desk, or call 12345",
    }

    def timeout_for(self, screen: str) -> float:
        """The idle timeout of ``screen``: its own entry, else ``default``."""
        return self.idle_timeout_s.get(screen, self.idle_timeout_s["default"])

    @field_validator("idle_timeout_s")
    @classmethod
    def _sane_timeouts(cls, v: dict[str, float]) -> dict[str, float]:
        if "default" not in v:
            raise ValueError("needs a 'default' entry")
        for screen, seconds in v.items():
            if not 10 <= seconds <= 1800:
                raise ValueError(f"{screen}: {seconds} s is outside 10-1800 s")
        return v


class ServicesConfig(_Strict):
    """Feature switches: which services this terminal offers."""

    enabled: list[
        Literal["application", "id_photo", "violations", "antifraud", "points", "requests"]
    ] = [
        "application",
        "id_photo",
        "violations",
        "antifraud",
        "points",
        "requests",
    ]


class MaintenanceConfig(_Strict):
    """How technicians get in, and how long they stay.

    ``initial_pin`` seeds the PIN on a terminal that has none yet (then ``kiosk set-pin``
    replaces it); the stored PIN is a scrypt hash with a per-terminal salt, never the PIN.
    ``badge_public_key`` is the center's Ed25519 public key (base64, raw 32 bytes) that signs
    technician badges.
    """

    corner: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_right"
    corner_size_px: int = Field(160, ge=60, le=400)
    taps: int = Field(5, ge=3, le=10)
    taps_window_s: float = Field(3.0, ge=1.0, le=10.0)
    idle_timeout_s: float = Field(180.0, ge=30.0, le=3600.0)
    max_pin_attempts: int = Field(5, ge=3, le=10)
    lockout_s: float = Field(900.0, ge=60.0, le=86400.0)
    initial_pin: str = Field("", pattern=r"^(\d{6,12})?$")
    badge_public_key: str = ""
    fleet_url: str = ""
    backend_url: str = ""


class PhotoConfig(_Strict):
    """The ID photo service: default preset, background, plain-backdrop mode.

    ``replace_background``: None follows the preset; False is the plain-backdrop mode that
    only crops (for authorities that refuse software-replaced backgrounds).
    """

    preset: str = "resident-id"
    background: str | None = None
    replace_background: bool | None = None
    auto_capture: bool = True
    nobody_help_s: float = Field(30.0, ge=10.0, le=300.0)
    outbox_lifetime_h: float = Field(24.0, ge=1.0, le=168.0)


class KioskConfig(_Strict):
    """The whole configuration. ``schema_version`` must match what this build understands."""

    schema_version: int = SCHEMA_VERSION
    config_version: str = Field("defaults", max_length=300)  # as the heartbeat carries it
    terminal: TerminalConfig = TerminalConfig()
    devices: DevicesConfig = DevicesConfig()
    ui: UiConfig = UiConfig()
    services: ServicesConfig = ServicesConfig()
    maintenance: MaintenanceConfig = MaintenanceConfig()
    backend: ServiceConfig = ServiceConfig()
    photo: PhotoConfig = PhotoConfig()
    fleet: FleetConfig = FleetConfig()
    points: PointsConfig = PointsConfig()
    application: ApplicationConfig = ApplicationConfig()
    requests: RequestsConfig = RequestsConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {v} is not supported by this build (expects {SCHEMA_VERSION})"
            )
        return v
