"""The closed status set: real-time status bytes, the health mapping, named faults."""

from __future__ import annotations

import pytest

from devices.health import HealthLevel
from devices.printer.status import PrinterErrorCode, PrinterFault, PrinterStatus, status_from_bytes
from tests.support.tcp_printer import PaperState, status_byte


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PaperState.READY, PrinterStatus.READY),
        (PaperState.PAPER_LOW, PrinterStatus.PAPER_LOW),
        (PaperState.PAPER_OUT, PrinterStatus.PAPER_OUT),
        (PaperState.COVER_OPEN, PrinterStatus.COVER_OPEN),
    ],
)
def test_status_bytes_map_to_status(state: PaperState, expected: PrinterStatus) -> None:
    answers = {n: status_byte(state, n) for n in (1, 2, 4)}
    assert status_from_bytes(answers[1], answers[2], answers[4]) is expected


def test_status_bytes_edge_cases() -> None:
    assert status_from_bytes(0x12 | 0x08, 0x12, 0x12) is PrinterStatus.OFFLINE
    assert status_from_bytes(0x12 | 0x08, 0x12 | 0x40, 0x12) is PrinterStatus.ERROR
    assert status_from_bytes(0x12, None, None) is PrinterStatus.READY


def test_status_health_mapping() -> None:
    assert PrinterStatus.READY.health_level is HealthLevel.READY
    assert PrinterStatus.PAPER_LOW.health_level is HealthLevel.DEGRADED
    assert PrinterStatus.PAPER_LOW.reason == "printer.paper_low"
    for status in ("paper_out", "cover_open", "offline", "error"):
        assert PrinterStatus(status).health_level is HealthLevel.OFFLINE
        assert PrinterStatus(status).reason == f"printer.{status}"
    assert [s.value for s in PrinterStatus] == [
        "ready",
        "paper_low",
        "paper_out",
        "cover_open",
        "offline",
        "error",
    ]


def test_fault_names_transport_exceptions() -> None:
    assert PrinterFault.from_exception(TimeoutError("x")).code is PrinterErrorCode.TIMEOUT
    assert PrinterFault.from_exception(ConnectionResetError()).code is PrinterErrorCode.OFFLINE
    assert PrinterFault.from_exception(ValueError("bad")).code is PrinterErrorCode.ERROR
    fault = PrinterFault.from_status(PrinterStatus.COVER_OPEN)
    assert fault.code is PrinterErrorCode.COVER_OPEN
    assert fault.code.status is PrinterStatus.COVER_OPEN
