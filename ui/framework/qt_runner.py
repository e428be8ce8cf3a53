"""Background work for flows, with results handed back on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from kiosk.framework.jobs import Job, OnFailure, OnSuccess, ThreadRunner

T = TypeVar("T")


class GuiDelivery(QObject):
    """Runs callables on the GUI thread (a queued signal from any thread).

    Signals:
        posted(object): a callable to run on the GUI thread.
    """

    posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.posted.connect(lambda fn: fn())

    def post(self, fn: Callable[[], None]) -> None:
        """Queues ``fn`` for the GUI thread."""
        self.posted.emit(fn)


class QtRunner:
    """A ``kiosk.framework.jobs.Runner`` whose callbacks run on the GUI thread: the owner's
    queue is the GUI event loop."""

    def __init__(self, parent: QObject | None = None, name: str = "flow-worker") -> None:
        self.delivery = GuiDelivery(parent)
        self._runner = ThreadRunner(self.delivery.post, name=name)

    def submit(self, work: Job[T], on_success: OnSuccess[T], on_failure: OnFailure) -> None:
        """Runs ``work`` on the worker; one callback follows on the GUI thread."""
        self._runner.submit(work, on_success, on_failure)

    def stop(self) -> None:
        """Finishes queued work and ends the worker thread."""
        self._runner.stop()
