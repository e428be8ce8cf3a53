"""One way to run work off the GUI thread, with explicit success and failure paths.

Flows take a ``Runner``; the UI gives them one that hands results back on the GUI thread
(as Anki's ``CollectionOp`` does), tests give them ``InlineRunner``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Runner(Protocol):
    """Runs ``work`` somewhere, then exactly one of the callbacks where results belong."""

    def submit(
        self,
        work: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        """Schedules ``work``; never blocks on it."""
        ...


class InlineRunner:
    """Runs work immediately on the caller's thread (tests, command line)."""

    def submit(
        self,
        work: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        try:
            result = work()
        except Exception as e:
            on_failure(e)
            return
        on_success(result)


class ThreadRunner:
    """A worker thread; callbacks go through ``deliver`` (e.g. onto the GUI thread).

    One worker keeps work in order (a lookup, then the receipt); long work such as the photo
    pipeline does not run concurrently with itself.
    """

    def __init__(self, deliver: Callable[[Callable[[], None]], None], name: str = "worker") -> None:
        self._deliver = deliver
        self._jobs: queue.Queue[
            tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]] | None
        ] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        work: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self._jobs.put((work, on_success, on_failure))

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            work, on_success, on_failure = job
            try:
                result = work()
            except Exception as e:
                log.warning("background work failed: %r", e)
                self._deliver(lambda e=e, f=on_failure: f(e))  # type: ignore[misc]
                continue
            self._deliver(lambda r=result, s=on_success: s(r))  # type: ignore[misc]

    def stop(self) -> None:
        """Finishes queued work, then ends the thread."""
        self._jobs.put(None)
        self._thread.join(timeout=30)
