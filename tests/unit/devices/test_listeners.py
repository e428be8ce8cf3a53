"""Subscriber lists: order, unsubscribe, and a snapshot that a listener may change under."""

from __future__ import annotations

from collections.abc import Callable

from devices.listeners import Listeners


def test_listeners_are_kept_in_order_until_unsubscribed() -> None:
    listeners: Listeners[Callable[[], None]] = Listeners()

    def first() -> None: ...
    def second() -> None: ...

    drop_first = listeners.add(first)
    listeners.add(second)
    assert listeners.snapshot() == [first, second]

    drop_first()
    drop_first()  # a second call is harmless

    assert listeners.snapshot() == [second]


def test_a_snapshot_does_not_change_when_a_listener_unsubscribes() -> None:
    listeners: Listeners[Callable[[], None]] = Listeners()
    calls: list[str] = []

    def once() -> None:
        calls.append("once")
        unsubscribe()

    unsubscribe = listeners.add(once)
    listeners.add(lambda: calls.append("other"))

    for listener in listeners.snapshot():
        listener()

    assert calls == ["once", "other"]
    assert len(listeners.snapshot()) == 1
