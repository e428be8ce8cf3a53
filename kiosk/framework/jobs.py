"""The one way to run work off the owner's thread, with a success and a failure path.

In the manner of Anki's ``CollectionOp``: a job is a callable; a ``Runner`` runs it somewhere
and then calls exactly one of ``on_success(value)`` / ``on_failure(error)``, **always on the
owner's thread**. That is the runner's contract, and it holds by construction, never by
guessing thread identities:

- ``InlineRunner`` runs the job at once on the caller's thread (tests, the command line);
- ``ThreadRunner(deliver)`` runs jobs on one worker thread and hands each callback to
  ``deliver``, a queue the owner drains: the UI passes a queued Qt signal (the GUI event loop
  is the owner's queue); code without an event loop passes ``Mailbox.post`` and calls
  ``Mailbox.drain()`` from its own loop (a flow drains its mailbox on every ``tick``).

A flow runs its jobs with :meth:`kiosk.framework.flow.Flow.run`, which drops the answers of
jobs the resident walked away from.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

type Job[V] = Callable[[], V]
type OnSuccess[V] = Callable[[V], None]
type OnFailure = Callable[[BaseException], None]


class Runner(Protocol):
    """Runs ``work`` somewhere, then exactly one callback, on the owner's thread."""

    def submit(self, work: Job[T], on_success: OnSuccess[T], on_failure: OnFailure) -> None:
        """Schedules ``work``; never blocks on it."""
        ...


class InlineRunner:
    """Runs work immediately on the caller's thread (tests, command line, the tour)."""

    def submit(self, work: Job[T], on_success: OnSuccess[T], on_failure: OnFailure) -> None:
        try:
            result = work()
        except Exception as e:
            on_failure(e)
            return
        on_success(result)


class Mailbox:
    """Callables posted from any thread, run by the owner when it calls ``drain``."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def post(self, fn: Callable[[], None]) -> None:
        """Queues ``fn`` for the owner (safe from any thread)."""
        self._queue.put(fn)

    def drain(self) -> int:
        """Runs everything posted so far, on the calling (owner's) thread; returns how many."""
        n = 0
        while True:
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return n
            fn()
            n += 1


class ThreadRunner:
    """One worker thread; each callback goes through ``deliver`` to the owner's queue.

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

    def submit(self, work: Job[T], on_success: OnSuccess[T], on_failure: OnFailure) -> None:
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
