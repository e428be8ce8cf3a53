from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode

from devices.camera import SimulatedCamera
from devices.decoders import make_decoder
from devices.health import HealthLevel
from devices.scan_payload import PayloadError, PayloadKind, ScanEvent, ScanRejected, check_payload
from devices.scanner import (
    FOLD_CACHE,
    CameraScanSource,
    KeystrokeDecoder,
    Scanner,
    SerialScanSource,
    SimulatedScanSource,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Collector:
    def __init__(self, scanner: Scanner) -> None:
        self.events: queue.Queue[ScanEvent | ScanRejected] = queue.Queue()
        scanner.subscribe(self.events.put)
        scanner.subscribe_rejected(self.events.put)

    def next(self, timeout: float = 60.0) -> ScanEvent | ScanRejected:
        return self.events.get(timeout=timeout)

    def empty_after(self, seconds: float) -> bool:
        try:
            self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def test_same_code_is_folded_within_the_window() -> None:
    clock = FakeClock()
    sim = SimulatedScanSource()
    scanner = Scanner([sim], fold_window_s=2.0, clock=clock)
    got = Collector(scanner)
    scanner.start()
    sim.inject("VC1.K7Q2M9X4")
    clock.now += 1.0
    sim.inject("VC1.K7Q2M9X4")  # folded
    sim.inject("MT1.a.b")  # a different code is not
    clock.now += 1.9
    sim.inject("VC1.K7Q2M9X4")  # still within 2 s of the last sighting: folded
    clock.now += 2.5
    sim.inject("VC1.K7Q2M9X4")  # the code went away and came back
    scanner.stop()
    texts = []
    while not got.events.empty():
        event = got.events.get()
        assert isinstance(event, ScanEvent)
        texts.append((event.text, event.kind))
    assert texts == [
        ("VC1.K7Q2M9X4", PayloadKind.VOUCHER),
        ("MT1.a.b", PayloadKind.MEMBER_TOKEN),
        ("VC1.K7Q2M9X4", PayloadKind.VOUCHER),
    ]


def test_scan_event_repr_does_not_leak_the_payload() -> None:
    event = ScanEvent(
        "MT1.secret.sig", b"MT1.secret.sig", "QRCode", "camera", 1.0, PayloadKind.MEMBER_TOKEN
    )
    assert "secret" not in repr(event)


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    yield master, name
    os.close(master)
    os.close(slave)


def test_serial_scanner_through_a_pty_pair(pty_pair: tuple[int, str]) -> None:
    master, port = pty_pair
    # every payload below ends with CR or LF: a long idle end keeps a descheduled writer (a
    # loaded machine) from cutting a payload in two
    source = SerialScanSource(port, 9600, reconnect_s=0.05, idle_end_s=30, max_bytes=2048)
    scanner = Scanner([source], fold_window_s=0)
    got = Collector(scanner)
    ready = threading.Event()
    source.subscribe_health(lambda _n, h: ready.set() if h.level is HealthLevel.READY else None)
    scanner.start()
    try:
        assert ready.wait(60)
        os.write(master, b"MT1.eyJtIjoxfQ.c2ln\r\n")
        event = got.next()
        assert isinstance(event, ScanEvent)
        assert (event.text, event.source, event.kind) == (
            "MT1.eyJtIjoxfQ.c2ln",
            "serial",
            PayloadKind.MEMBER_TOKEN,
        )
        assert event.raw == b"MT1.eyJtIjoxfQ.c2ln"

        os.write(master, "积分兑换".encode("gb18030") + b"\n")
        event = got.next()
        assert isinstance(event, ScanEvent) and event.text == "积分兑换"

        # faults: binary garbage, 10 KB, nothing but control characters; none may crash it
        os.write(master, b"\xff\xfe\x80\x81\xfa\r")
        rejected = got.next()
        assert isinstance(rejected, ScanRejected) and rejected.reason == "scan.not_text"
        big = b"A" * 10_240 + b"\r"
        for i in range(0, len(big), 1024):
            os.write(master, big[i : i + 1024])
        rejected = got.next()
        assert isinstance(rejected, ScanRejected) and rejected.reason == "scan.too_long"
        assert 2048 < rejected.length <= 2049  # the line buffer never held the 10 KB
        os.write(master, b"\x01\x02\x03\x1b\x07\r")
        rejected = got.next()
        assert isinstance(rejected, ScanRejected) and rejected.reason == "scan.empty"

        # no terminator: the read ends after a short silence
        source.idle_end_s = 0.1
        os.write(master, b"https://example.cn/q")
        event = got.next()
        assert isinstance(event, ScanEvent) and event.kind is PayloadKind.URL
        assert source.health.level is HealthLevel.READY
    finally:
        scanner.stop()


def test_serial_port_that_does_not_exist_is_offline_with_reason() -> None:
    source = SerialScanSource("/dev/ttyDOESNOTEXIST", reconnect_s=0.05)
    scanner = Scanner([source])
    seen = threading.Event()
    source.subscribe_health(lambda _n, h: seen.set() if h.reason == "scanner.not_found" else None)
    scanner.start()
    try:
        assert seen.wait(60)
        assert scanner.health.level is HealthLevel.OFFLINE
        assert scanner.health.reason == "scanner.not_found"
    finally:
        scanner.stop()


def test_scanner_health_is_degraded_when_one_source_is_down() -> None:
    sim = SimulatedScanSource()
    serial = SerialScanSource("/dev/ttyDOESNOTEXIST", reconnect_s=0.05)
    scanner = Scanner([sim, serial])
    seen = threading.Event()
    # Degraded first says the serial source is still starting; wait for its real reason.
    scanner.subscribe_health(
        lambda _n, h: seen.set() if "serial: scanner.not_found" in h.detail else None
    )
    scanner.start()
    try:
        assert seen.wait(60)
        assert scanner.health.level is HealthLevel.DEGRADED
    finally:
        scanner.stop()


def test_camera_source_decodes_frames_and_folds_repeats(tmp_path: Path) -> None:
    image = tmp_path / "code.png"
    qrcode.make("VC1.K7Q2M9X4", box_size=8).save(image)
    camera = SimulatedCamera(str(image), fps=30)
    source = CameraScanSource(camera, make_decoder("zxing"), every_n=1)
    scanner = Scanner([source], fold_window_s=5.0)
    got = Collector(scanner)
    camera.start()
    scanner.start()
    try:
        event = got.next()
        assert isinstance(event, ScanEvent)
        assert (event.text, event.source, event.symbology) == ("VC1.K7Q2M9X4", "camera", "QRCode")
        assert got.empty_after(0.5)  # dozens of frames showed it; it was reported once
    finally:
        scanner.stop()
        camera.stop()


def test_keyboard_wedge_keystrokes_become_a_payload() -> None:
    keys = KeystrokeDecoder(max_chars=64)
    events = [("KEY_LEFTSHIFT", 1), ("KEY_M", 1), ("KEY_T", 1), ("KEY_LEFTSHIFT", 0)]
    events += [("KEY_1", 1), ("KEY_1", 0), ("KEY_DOT", 1), ("KEY_A", 1), ("KEY_A", 2)]
    events += [("KEY_LEFTSHIFT", 1), ("KEY_MINUS", 1), ("KEY_LEFTSHIFT", 0), ("KEY_9", 1)]
    out = [keys.feed(k, v) for k, v in events]
    assert out == [None] * len(events)
    assert keys.feed("KEY_ENTER", 1) == "MT1.a_9"
    # the next payload starts clean
    assert keys.feed("KEY_X", 1) is None and keys.feed("KEY_KPENTER", 1) == "x"


def test_keyboard_wedge_overflow_is_kept_bounded_and_reported_long() -> None:
    keys = KeystrokeDecoder(max_chars=8)
    for _ in range(100):
        keys.feed("KEY_A", 1)
    text = keys.feed("KEY_ENTER", 1)
    assert text == "a" * 9  # one past the limit: refused as too long, never held whole
    with pytest.raises(PayloadError) as err:
        check_payload(text.encode(), max_bytes=8)
    assert err.value.reason == "scan.too_long"


def test_serial_stream_without_a_terminator_stays_bounded(pty_pair: tuple[int, str]) -> None:
    """1 MB with no CR/LF and no pause: the read is cut at max_bytes + 1 bytes."""
    master, port = pty_pair
    source = SerialScanSource(port, 9600, reconnect_s=0.05, idle_end_s=30, max_bytes=64)
    raws: queue.Queue[bytes] = queue.Queue()
    source.sink = lambda _name, raw, _text, _sym: raws.put(raw)
    ready = threading.Event()
    source.subscribe_health(lambda _n, h: ready.set() if h.level is HealthLevel.READY else None)
    source.start()
    try:
        assert ready.wait(60)
        chunk = b"B" * 4096
        for _ in range(256):
            os.write(master, chunk)
        os.write(master, b"\r")
        raw = raws.get(timeout=60)
        assert raw == b"B" * 65
    finally:
        source.stop()


def test_fold_cache_stays_bounded_under_a_stream_of_distinct_codes() -> None:
    clock = FakeClock()
    sim = SimulatedScanSource()
    scanner = Scanner([sim], fold_window_s=2.0, clock=clock)
    got = Collector(scanner)
    scanner.start()
    for i in range(5000):  # all within the fold window
        sim.inject(f"VC1.CODE{i:05d}")
    assert len(scanner._last_seen) <= FOLD_CACHE
    sim.inject("VC1.CODE04999")  # the newest is still remembered: folded
    assert got.events.qsize() == 5000
    clock.now += 2.5
    sim.inject("VC1.AGAIN")
    assert list(scanner._last_seen) == ["VC1.AGAIN"]  # expired sightings are dropped
    scanner.stop()
