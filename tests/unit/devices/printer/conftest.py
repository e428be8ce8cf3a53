"""Fixtures for the printer tests: printers closed at the end, a TCP printer, a factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.printer.build import build_printer
from devices.printer.device import Printer
from tests.support.tcp_printer import TcpPrinter
from tests.unit.devices.printer.printer_support import PROFILE, HealthLog


@pytest.fixture
def printers() -> Iterator[list[Printer]]:
    """Printers made by a test; all closed at the end, with no worker left running."""
    made: list[Printer] = []
    yield made
    for p in made:
        p.close()
        assert not p.running


@pytest.fixture
def server() -> Iterator[TcpPrinter]:
    tcp = TcpPrinter()
    tcp.start()
    yield tcp
    tcp.stop()
    assert not tcp.running


@pytest.fixture
def make(tmp_path: Path, printers: list[Printer]) -> Callable[..., tuple[Printer, HealthLog]]:
    def factory(
        settings: dict[str, Any], *, store: str = "jobs.sqlite3", start: bool = True
    ) -> tuple[Printer, HealthLog]:
        printer = build_printer(settings, tmp_path / store, PROFILE)
        printers.append(printer)
        health = HealthLog()
        printer.subscribe_health(health)
        if start:
            printer.start()
        return printer, health

    return factory
