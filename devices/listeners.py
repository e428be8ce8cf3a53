"""Subscriber lists for device callbacks: add from any thread, call from the device's thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Listeners"]


class Listeners[L]:
    """A thread-safe list of callbacks; each :meth:`add` returns its own unsubscribe function.

    The device thread calls a :meth:`snapshot`, so a listener may unsubscribe (or another
    subscribe) while it is being called.
    """

    def __init__(self) -> None:
        self._items: list[L] = []
        self._lock = threading.Lock()

    def add(self, listener: L) -> Callable[[], None]:
        """Adds ``listener``; returns a function that removes it again (safe to call twice)."""
        with self._lock:
            self._items.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._items:
                    self._items.remove(listener)

        return unsubscribe

    def snapshot(self) -> list[L]:
        """The listeners now, in the order they were added."""
        with self._lock:
            return list(self._items)
