"""A staff store on a fake clock with a cheap hasher (argon2id, t=1, m=1 MiB)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from center.staff.passwords import Passwords
from center.staff.store import StaffStore, open_staff_store


class Clock:
    """A UTC clock tests move by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        """Moves the clock on."""
        self.at += timedelta(**delta)


CHEAP = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_store(tmp_path: Path, clock: Clock) -> Iterator[object]:
    """Opens the store in ``tmp_path`` (again: as after a restart); closes them all."""
    opened: list[StaffStore] = []

    def open_() -> StaffStore:
        store = open_staff_store(tmp_path, passwords=CHEAP, now=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: object) -> StaffStore:
    return open_store()  # type: ignore[operator, no-any-return]
