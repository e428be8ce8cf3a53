"""Turns device callbacks (on device threads) into queued Qt signals on the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from devices.health import Health, HealthPublisher
from devices.scan_payload import ScanEvent, ScanRejected

if TYPE_CHECKING:
    from devices.scanner import Scanner


class DeviceBridge(QObject):
    """Re-emits device events as Qt signals.

    Signals:
        health_changed(str, str, str): device name, level, reason.
        scanned(object): a ``ScanEvent``.
        scan_rejected(object): a ``ScanRejected``.
    """

    health_changed = Signal(str, str, str)
    scanned = Signal(object)
    scan_rejected = Signal(object)

    def watch_health(self, device: HealthPublisher) -> None:
        """Forwards ``device``'s health changes (and its current state once)."""
        device.subscribe_health(self._on_health)
        self._on_health(device.name, device.health)

    def watch_scanner(self, scanner: Scanner) -> None:
        """Forwards accepted and rejected scans."""
        scanner.subscribe(self._on_scan)
        scanner.subscribe_rejected(self._on_reject)

    def _on_health(self, name: str, health: Health) -> None:
        self.health_changed.emit(name, str(health.level), health.reason)

    def _on_scan(self, event: ScanEvent) -> None:
        self.scanned.emit(event)

    def _on_reject(self, rejected: ScanRejected) -> None:
        self.scan_rejected.emit(rejected)
