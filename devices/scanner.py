"""QR scanning: several sources, one stream of checked, folded ``ScanEvent``s.

Sources: camera frames through a ``Decoder``, a USB HID keyboard-wedge scanner (evdev, grabbed
so its keystrokes never reach the UI), a serial CDC-ACM scanner (pyserial), and a simulated
source. Every raw read goes through :func:`devices.scan_payload.check_payload`; the same
payload read again within ``fold_window_s`` is folded into the first read (a code held in
front of a camera is read many times a second).
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from devices.camera import Camera, Frame
from devices.decoders import Decoder
from devices.health import Health, HealthLevel, HealthPublisher
from devices.scan_payload import PayloadError, ScanEvent, ScanRejected, check_payload, classify

log = logging.getLogger(__name__)

RawSink = Callable[[str, bytes, str | None, str], None]
"""(source name, raw bytes, decoder text or None, symbology)"""


class ScanSource(HealthPublisher, ABC):
    """One place scans come from. The Scanner sets ``sink`` before ``start()``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sink: RawSink | None = None

    @abstractmethod
    def start(self) -> None:
        """Starts reading (its own thread where it needs one)."""

    @abstractmethod
    def stop(self) -> None:
        """Stops reading; returns when its thread is gone."""

    def _emit(self, raw: bytes, text: str | None = None, symbology: str = "unknown") -> None:
        if self.sink is not None:
            self.sink(self.name, raw, text, symbology)


class _ThreadedSource(ScanSource):
    """A source with a read thread that reconnects after ``reconnect_s``."""

    def __init__(self, name: str, reconnect_s: float) -> None:
        super().__init__(name)
        self.reconnect_s = reconnect_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=f"scan-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._set_health(HealthLevel.OFFLINE, "scanner.stopped")

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._session()
            except Exception as e:  # any I/O failure: offline, then reconnect
                if self._stopping.is_set():
                    break
                self._set_health(HealthLevel.OFFLINE, "scanner.disconnected", repr(e))
            self._stopping.wait(self.reconnect_s)

    @abstractmethod
    def _session(self) -> None:
        """Opens the device and reads until it fails or ``_stopping`` is set."""


class SimulatedScanSource(ScanSource):
    """The scanner's twin: ``inject()`` delivers a payload as if a code had been scanned."""

    def __init__(self, name: str = "simulated") -> None:
        super().__init__(name)

    def start(self) -> None:
        self._set_health(HealthLevel.READY)

    def stop(self) -> None:
        self._set_health(HealthLevel.OFFLINE, "scanner.stopped")

    def inject(self, payload: str | bytes, symbology: str = "QRCode") -> None:
        """Delivers ``payload`` (text is sent as UTF-8 bytes) on the caller's thread."""
        raw = payload.encode("utf-8") if isinstance(payload, str) else payload
        self._emit(raw, None, symbology)


class CameraScanSource(ScanSource):
    """Decodes QR codes in camera frames on its own thread.

    Only the newest frame waits to be decoded: if decoding falls behind, older frames are
    dropped rather than queued, so latency stays one frame. Every ``every_n``-th frame is
    decoded to leave CPU for the preview and the face pipeline.
    """

    def __init__(self, camera: Camera, decoder: Decoder, every_n: int = 2) -> None:
        super().__init__("camera")
        self.camera, self.decoder, self.every_n = camera, decoder, max(1, every_n)
        self._pending: Frame | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._stopping = False
        self._unsubscribe = [
            self.camera.subscribe(self._on_frame),
            self.camera.subscribe_health(self._on_camera_health),
        ]
        self._on_camera_health(self.camera.name, self.camera.health)
        self._thread = threading.Thread(target=self._loop, name="scan-camera", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._set_health(HealthLevel.OFFLINE, "scanner.stopped")

    def _on_camera_health(self, _name: str, health: Health) -> None:
        if health.level is HealthLevel.READY:
            self._set_health(HealthLevel.READY)
        else:
            self._set_health(HealthLevel.OFFLINE, "scanner.camera_offline", health.reason)

    def _on_frame(self, frame: Frame) -> None:
        if frame.seq % self.every_n:
            return
        with self._wake:
            self._pending = frame
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._stopping:
                    self._wake.wait()
                frame, self._pending = self._pending, None
                if self._stopping or frame is None:
                    return
            try:
                results = self.decoder.decode(frame.image)
            except Exception:
                log.exception("decoder %s failed on a frame", self.decoder.name)
                continue
            for result in results:
                self._emit(result.raw, result.text, result.symbology)


class SerialScanSource(_ThreadedSource):
    """A scanner on a serial line (USB CDC-ACM appears as /dev/ttyACM0).

    A read ends at CR or LF, or after ``idle_end_s`` of silence for scanners configured
    without a terminator.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        reconnect_s: float = 2.0,
        idle_end_s: float = 0.15,
        max_bytes: int = 2048,
    ) -> None:
        super().__init__("serial", reconnect_s)
        self.port, self.baudrate, self.idle_end_s = port, baudrate, idle_end_s
        self.max_bytes = max_bytes

    def _session(self) -> None:
        # The line buffer holds at most max_bytes + 1 bytes; the rest of an overlong read
        # is only counted.
        import serial  # pyserial; imported here so a kiosk without it still starts

        try:
            conn = serial.serial_for_url(self.port, self.baudrate, timeout=0.05)
        except (serial.SerialException, OSError) as e:
            self._set_health(HealthLevel.OFFLINE, "scanner.not_found", str(e))
            return
        self._set_health(HealthLevel.READY)
        buffer = bytearray()
        overflow = 0
        last = time.monotonic()
        try:
            while not self._stopping.is_set():
                chunk = conn.read(256)
                now = time.monotonic()
                if chunk:
                    last = now
                    for byte in chunk:
                        if byte in (0x0D, 0x0A):
                            if buffer or overflow:
                                self._finish(buffer, overflow)
                            buffer, overflow = bytearray(), 0
                        elif len(buffer) <= self.max_bytes:
                            buffer.append(byte)
                        else:
                            overflow += 1  # memory stays bounded whatever the stream
                elif (buffer or overflow) and now - last >= self.idle_end_s:
                    self._finish(buffer, overflow)
                    buffer, overflow = bytearray(), 0
        finally:
            conn.close()

    def _finish(self, buffer: bytearray, overflow: int) -> None:
        # An overflowing read is delivered cut at max_bytes + 1 bytes: enough to be refused
        # as too long, never the stream's own length in memory.
        if overflow:
            log.info("serial scan of %d bytes cut to %d", len(buffer) + overflow, len(buffer))
        self._emit(bytes(buffer))


# US keyboard layout: evdev key name -> (plain, shifted)
_KEYMAP: dict[str, tuple[str, str]] = {
    **{f"KEY_{c}": (c.lower(), c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{f"KEY_{d}": (d, s) for d, s in zip("1234567890", "!@#$%^&*()", strict=True)},
    "KEY_MINUS": ("-", "_"),
    "KEY_EQUAL": ("=", "+"),
    "KEY_LEFTBRACE": ("[", "{"),
    "KEY_RIGHTBRACE": ("]", "}"),
    "KEY_SEMICOLON": (";", ":"),
    "KEY_APOSTROPHE": ("'", '"'),
    "KEY_GRAVE": ("`", "~"),
    "KEY_BACKSLASH": ("\\", "|"),
    "KEY_COMMA": (",", "<"),
    "KEY_DOT": (".", ">"),
    "KEY_SLASH": ("/", "?"),
    "KEY_SPACE": (" ", " "),
    "KEY_TAB": ("\t", "\t"),
    **{f"KEY_KP{d}": (d, d) for d in "0123456789"},
    "KEY_KPMINUS": ("-", "-"),
    "KEY_KPPLUS": ("+", "+"),
    "KEY_KPDOT": (".", "."),
    "KEY_KPSLASH": ("/", "/"),
    "KEY_KPASTERISK": ("*", "*"),
}
_SHIFTS = {"KEY_LEFTSHIFT", "KEY_RIGHTSHIFT"}
_ENTERS = {"KEY_ENTER", "KEY_KPENTER"}


class KeystrokeDecoder:
    """Turns key events from a keyboard-wedge scanner into payload strings.

    Feed it (key name, value) pairs, value 1 = down, 0 = up, 2 = repeat; it returns the
    finished payload at Enter, at most ``max_chars + 1`` characters (longer is too long).
    Wedge scanners type ASCII only: Chinese payloads need a serial or camera scanner.
    """

    def __init__(self, max_chars: int = 2048) -> None:
        self.max_chars = max_chars
        self._chars: list[str] = []
        self._shift = False
        self._overflow = 0

    def feed(self, key: str, value: int) -> str | None:
        """Processes one key event; returns a payload when Enter completes one."""
        if key in _SHIFTS:
            self._shift = value != 0
            return None
        if value != 1:
            return None
        if key in _ENTERS:
            # Past max_chars the payload is returned cut at max_chars + 1: it is refused as
            # too long without ever holding the stream's own length.
            text = "".join(self._chars)
            self._chars, self._overflow = [], 0
            return text
        mapped = _KEYMAP.get(key)
        if mapped is not None:
            if len(self._chars) <= self.max_chars:
                self._chars.append(mapped[1] if self._shift else mapped[0])
            else:
                self._overflow += 1
        return None


class HidScanSource(_ThreadedSource):
    """A USB HID keyboard-wedge scanner read through evdev.

    The device is grabbed so its keystrokes go only to us, never to whatever widget has focus
    on screen. ``device`` is an event device path (best: a /dev/input/by-id/ link); empty means
    the first input device whose name contains "scanner" or "barcode".
    """

    def __init__(self, device: str = "", *, reconnect_s: float = 2.0, max_bytes: int = 2048):
        super().__init__("hid", reconnect_s)
        self.device, self.max_bytes = device, max_bytes

    def _find(self) -> Any:
        import evdev

        if self.device:
            return evdev.InputDevice(self.device)
        for path in evdev.list_devices():
            dev = evdev.InputDevice(path)
            if any(word in dev.name.lower() for word in ("scanner", "barcode", "qr")):
                return dev
            dev.close()
        raise FileNotFoundError("no input device named like a scanner")

    def _session(self) -> None:
        import evdev

        try:
            dev = self._find()
        except (OSError, FileNotFoundError) as e:
            self._set_health(HealthLevel.OFFLINE, "scanner.not_found", str(e))
            return
        try:
            dev.grab()
            self._set_health(HealthLevel.READY)
            keys = KeystrokeDecoder(self.max_bytes)
            while not self._stopping.is_set():
                ready, _, _ = select.select([dev.fd], [], [], 0.2)
                if not ready:
                    continue
                for event in dev.read():
                    if event.type != evdev.ecodes.EV_KEY:
                        continue
                    names = evdev.ecodes.KEY.get(event.code, "")
                    name = names if isinstance(names, str) else names[0]
                    text = keys.feed(name, event.value)
                    if text is not None:
                        self._emit(text.encode("utf-8"))
        finally:
            with contextlib.suppress(OSError):
                dev.ungrab()
            dev.close()


#: The most distinct payloads remembered for folding (a hostile stream of distinct codes
#: cannot grow it; a payload pushed out is at worst reported once more).
FOLD_CACHE = 256

ScanListener = Callable[[ScanEvent], None]
RejectListener = Callable[[ScanRejected], None]


class Scanner(HealthPublisher):
    """All scan sources behind one stream of checked, folded events.

    Health: ready when every source is ready, degraded when some are, offline when none is.
    Listeners are called on the source's thread.
    """

    def __init__(
        self,
        sources: list[ScanSource],
        *,
        fold_window_s: float = 2.0,
        max_payload_bytes: int = 2048,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("scanner")
        self.sources = sources
        self.fold_window_s = fold_window_s
        self.max_payload_bytes = max_payload_bytes
        self._clock = clock
        # Payload -> last sighting, oldest sighting first: expired entries are dropped from
        # the front, so each scan costs O(1) amortised, and at most FOLD_CACHE entries stay.
        self._last_seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._scan_listeners: list[ScanListener] = []
        self._reject_listeners: list[RejectListener] = []
        for source in sources:
            source.sink = self._deliver
            source.subscribe_health(lambda _n, _h: self._recompute_health())

    def source(self, name: str) -> ScanSource | None:
        """The source with this name, if configured."""
        return next((s for s in self.sources if s.name == name), None)

    def subscribe(self, listener: ScanListener) -> None:
        """Calls ``listener(event)`` for every accepted, unfolded scan."""
        self._scan_listeners.append(listener)

    def subscribe_rejected(self, listener: RejectListener) -> None:
        """Calls ``listener(rejected)`` for every refused read."""
        self._reject_listeners.append(listener)

    def start(self) -> None:
        """Starts every source."""
        for source in self.sources:
            source.start()
        self._recompute_health()

    def stop(self) -> None:
        """Stops every source; returns when their threads are gone."""
        for source in self.sources:
            source.stop()

    def _recompute_health(self) -> None:
        healths = [s.health for s in self.sources]
        ready = [h for h in healths if h.level is HealthLevel.READY]
        if not healths:
            self._set_health(HealthLevel.OFFLINE, "scanner.no_source")
        elif len(ready) == len(healths):
            self._set_health(HealthLevel.READY)
        else:
            down = [s for s in self.sources if s.health.level is not HealthLevel.READY]
            detail = ", ".join(f"{s.name}: {s.health.reason}" for s in down)
            level = HealthLevel.DEGRADED if ready else HealthLevel.OFFLINE
            self._set_health(level, down[0].health.reason, detail)

    def _deliver(self, source: str, raw: bytes, text: str | None, symbology: str) -> None:
        now = self._clock()
        try:
            checked = check_payload(raw, max_bytes=self.max_payload_bytes, text=text)
        except PayloadError as e:
            log.info("scan from %s rejected: %s (%d bytes)", source, e.reason, len(raw))
            rejected = ScanRejected(e.reason, source, len(raw), now)
            for reject_listener in list(self._reject_listeners):
                reject_listener(rejected)
            return
        with self._lock:
            seen = self._last_seen
            last = seen.pop(checked, None)
            seen[checked] = now  # now the newest
            horizon = now - self.fold_window_s
            while seen:
                oldest, at = next(iter(seen.items()))
                if at >= horizon and len(seen) <= FOLD_CACHE:
                    break
                del seen[oldest]
        if last is not None and now - last <= self.fold_window_s:
            return
        event = ScanEvent(checked, raw, symbology, source, now, classify(checked))
        for listener in list(self._scan_listeners):
            try:
                listener(event)
            except Exception:
                log.exception("scan listener failed")
