"""What the printer tests share: a receipt, settings for tests, waiting on health and jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.health import Health, HealthLevel
from devices.printer.device import Printer
from devices.printer.jobs import JobId, PrintJob
from devices.receipt.document import Align, Cut, Feed, PaperProfile, QRCode, Receipt, Rule, Text
from tests.support.tcp_printer import TcpPrinter

PROFILE = PaperProfile.for_width(58)
WAIT = 10.0  # generous upper bound for anything to happen; tests normally take milliseconds

# What the printer sends on a fresh connection before a job, and after it (delivery check).
ASK_READY = b"\x10\x04\x01\x10\x04\x04"

#: No automatic retry within a test: the test says when with ``retry_now()``.
MANUAL_RETRY = {"retry_initial_s": 600.0, "retry_max_s": 600.0}


def make_receipt(marker: str = "京A·12345") -> Receipt:
    return Receipt("停车缴费凭条").add(
        Text("社区融治理中心", size=2, bold=True, align=Align.CENTER),
        Text("缴费凭条 / Payment receipt"),
        Rule(),
        Text(f"Plate {marker}  Amount 200.00"),
        QRCode("https://gov.example.cn/r/0001"),
        Feed(1),
        Cut(),
    )


class HealthLog:
    """Collects a printer's health changes and waits for one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.seen: list[Health] = []

    def __call__(self, name: str, health: Health) -> None:
        with self._cond:
            self.seen.append(health)
            self._cond.notify_all()

    def wait_for(self, reason: str, level: HealthLevel | None = None) -> Health:
        def match() -> Health | None:
            for h in reversed(self.seen):
                if h.reason == reason and (level is None or h.level == level):
                    return h
            return None

        with self._cond:
            found = self._cond.wait_for(match, WAIT)
        assert found is not None, f"health never became {reason}; saw {self.seen}"
        return found


def eventually(check: Callable[[], bool]) -> None:
    """Polls a cheap condition that has no event to wait on (a job's attempt count)."""
    deadline = time.monotonic() + WAIT
    pause = threading.Event()
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        pause.wait(0.005)


def fast(**overrides: Any) -> dict[str, Any]:
    """Settings for tests: short timeouts, quick retries, no idle polling."""
    base: dict[str, Any] = {
        "status_timeout_s": 2.0,
        "job_timeout_s": 5.0,
        "retry_initial_s": 0.01,
        "retry_max_s": 0.05,
        "poll_interval_s": None,
    }
    base.update(overrides)
    return base


def network(server: TcpPrinter, **overrides: Any) -> dict[str, Any]:
    return fast(backend="network", host=server.host, port=server.port, **overrides)


def simulated(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return fast(backend="simulated", output_dir=str(tmp_path / "paper"), **overrides)


def job_of(printer: Printer, job_id: JobId) -> PrintJob:
    job = printer.job(job_id)
    assert job is not None
    return job
