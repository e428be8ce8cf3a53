"""Background work for flows: a runner shape, and one job slot per flow.

A flow hands its service call to ``submit(job, on_done)``; the UI's runner runs it on a
worker and calls back on the GUI thread, tests run it inline. The ``JobSlot`` keeps the
one answer a flow waits for and drops answers of jobs that were abandoned (the resident
pressed back, the session was wiped) or superseded by a newer call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Done[T]:
    """How a background job ended: its value, or the exception it raised."""

    value: T | None = None
    error: BaseException | None = None


type Job[T] = Callable[[], T]
type OnDone[T] = Callable[[Done[T]], None]
type Submit = Callable[[Job[Any], OnDone[Any]], None]


def run_inline[T](job: Job[T], on_done: OnDone[T]) -> None:
    """A runner that runs the job at once on the caller's thread (tests, the tour)."""
    try:
        value = job()
    except Exception as e:
        on_done(Done(error=e))
    else:
        on_done(Done(value=value))


class JobSlot:
    """The one background job a flow waits for.

    ``on_answer`` (the flow's ``tick``) runs at once when the answer arrives on the thread
    that owns the flow; from any other thread the answer only waits in the slot until the
    flow's next tick. Safe to call from any thread.
    """

    def __init__(self, on_answer: Callable[[], None]) -> None:
        self._on_answer = on_answer
        self._lock = threading.Lock()
        self._generation = 0
        self._done: Done[Any] | None = None
        self._owner: int | None = None
        self._submitting = False

    def own(self) -> None:
        """The calling thread owns the flow (call from the flow's ``start``)."""
        self._owner = threading.get_ident()

    def start(self, submit: Submit, job: Job[Any]) -> None:
        """Runs ``job`` through ``submit``; any earlier job's answer will be dropped."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._done = None

        def on_done(done: Done[Any]) -> None:
            with self._lock:
                if generation != self._generation:
                    return  # abandoned, wiped or superseded
                self._done = done
            if threading.get_ident() == self._owner and not self._submitting:
                self._on_answer()

        self._submitting = True
        try:
            submit(job, on_done)
        finally:
            self._submitting = False

    def take(self) -> Done[Any] | None:
        """The answer, once (None while it has not come)."""
        with self._lock:
            done, self._done = self._done, None
            return done

    def abandon(self) -> None:
        """Drops the running job's answer whenever it comes."""
        with self._lock:
            self._generation += 1
            self._done = None
