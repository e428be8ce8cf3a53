"""A staff store on a fake clock with a cheap hasher (argon2id, t=1, m=1 MiB), once on SQLite
files and once on PostgreSQL (``center_data``: the data directory's ``[database]``, as the
console and ``center staff`` find it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
def data_dir(center_data: tuple[Path, Any]) -> Path:
    """A center data directory whose ``[database]`` is SQLite files, then PostgreSQL."""
    return center_data[0]


@pytest.fixture
def open_store(data_dir: Path, clock: Clock) -> Iterator[object]:
    """Opens the store of ``data_dir`` (again: as after a restart, or as another app server
    does); closes them all."""
    opened: list[StaffStore] = []

    def open_() -> StaffStore:
        store = open_staff_store(data_dir, passwords=CHEAP, now=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: object) -> StaffStore:
    return open_store()  # type: ignore[operator, no-any-return]
